"""Recording under load, open loop: POST /api/observations/ at fixed offered rates.

The generator is a separate process (`python -m bench.load`, asyncio + aiohttp) pinned to one
core; the gunicorn server under test is pinned to the other cores. Request i of a rate is
scheduled at t0 + i/rate whatever the answers are, and its latency runs from that scheduled
time to the end of the answer, so a slow server (or a late generator) shows in the latency
instead of lowering the offered load (no coordinated omission). Connections come from a
bounded keep-alive pool; waiting for one counts as latency too.

Each request carries a fresh client_uuid; about 5 % re-send the body of a request already
answered 201/200 and must be answered 200 without a new row. The writers are bench field
workers (BENCH_LOAD_USERS, default 100, each with an API token), so the per-user rate limit
sees what many field workers would cause, not one account sending 200 requests a second.
"""
import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid

from . import config, data
from .server import Server

DEFAULT_RATES = (10, 50, 100, 200)
SMOKE_RATES, SMOKE_USERS = (5,), 5
P99_GOAL_S = 0.100
RESEND_SHARE = 0.05
POOL_CONNECTIONS = 64
REQUEST_TIMEOUT_S = 10
WORKERS, THREADS = 3, 4
WARMUP_RPS, WARMUP_S = 20, 5
# Below this share of the offered rate answered, higher rates only pile up more of the same queue.
SATURATED_SHARE = 0.5
DRAIN_TIMEOUT_S = 120
URL_PATH = "/api/observations/"
TARGET = "p99 < 100 ms at the offered rate, 0 errors, 0 duplicates (open loop)"

BENCH_USERS_PY = """
import json
from django.contrib.auth import get_user_model
from geo_indi.accounts.models import ApiToken, Membership
from geo_indi.accounts.tokens import api_token_create
template = Membership.objects.select_related("organisation").get(user__username={field_user!r})
keys = []
for i in range({n}):
    user, _ = get_user_model().objects.get_or_create(username=f"bench-field-{{i:03d}}")
    Membership.objects.update_or_create(user=user, defaults={{"organisation": template.organisation,
                                                             "role": Membership.Role.FIELD_WORKER}})
    ApiToken.objects.filter(user=user, name="bench load").delete()
    keys.append(api_token_create(user=user, name="bench load")[1])
print(json.dumps(keys))
"""

POINTS_SQL = """
SELECT ST_Y(g), ST_X(g) FROM (
  SELECT ST_Transform(o.location, 4326) g FROM observations_observation o
    JOIN areas_municipality m ON m.id = o.municipality_id
   WHERE o.location IS NOT NULL AND (m.code = %s OR NOT EXISTS (
         SELECT 1 FROM observations_observation x JOIN areas_municipality y ON y.id = x.municipality_id
          WHERE y.code = %s AND x.location IS NOT NULL))
   LIMIT 5000) t
"""


def rates_from_env():
    raw = os.environ.get("BENCH_LOAD_RATES", "")
    return tuple(float(r) for r in raw.split(",") if r) or DEFAULT_RATES


def bench_tokens(n):
    """API keys of n bench field workers (created once, new keys every run)."""
    code = BENCH_USERS_PY.format(n=int(n), field_user=config.FIELD_USER)
    out = data.run_manage("shell", "-c", code).stdout
    return json.loads(out.strip().splitlines()[-1])


def pin(server, cpus):
    """Pin the gunicorn master and its workers to `cpus` (a set of CPU numbers)."""
    import psutil

    for pid in [server.proc.pid, *server.worker_pids()]:
        psutil.Process(pid).cpu_affinity(sorted(cpus))


def drain(server):
    """Wait until the server has worked off what timed-out requests left queued (healthz answers fast)."""
    import requests

    deadline = time.time() + DRAIN_TIMEOUT_S
    while time.time() < deadline:
        started = time.perf_counter()
        try:
            requests.get(config.BASE_URL + "/healthz", timeout=DRAIN_TIMEOUT_S)
        except requests.RequestException:
            pass
        if time.perf_counter() - started < 0.1:
            return
        time.sleep(1)


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def recording_under_load(size, duration_s, log, field_token=None, rates=None, users=None, smoke=False):
    """Each offered rate for duration_s seconds; one row with a line per rate. field_token is not
    used (the writers are bench field workers of their own); smoke: one low rate, few writers."""
    name = "recording under load"
    rates = tuple(rates or (SMOKE_RATES if smoke else rates_from_env()))
    users = int(users or (SMOKE_USERS if smoke else os.environ.get("BENCH_LOAD_USERS", 100)))
    with data.connect() as conn:
        points = conn.execute(POINTS_SQL, (config.MAP_MUNICIPALITY_CODE,) * 2).fetchall()
        phenomena = [r[0] for r in conn.execute("SELECT id FROM observations_phenomenon WHERE is_active").fetchall()]
    if not points:
        return {"workload": name, "size": size, "available": False, "why": "no observation points to post near",
                "target": TARGET, "ours": None, "peers": [], "ratio": None, "met": None}
    tokens = bench_tokens(users)
    cpus = sorted(os.sched_getaffinity(0))
    generator_cpu, server_cpus = cpus[-1], set(cpus[:-1]) or {cpus[-1]}
    warmup_s = max(1.0, min(WARMUP_S, duration_s))
    setup = (f"generator: 1 process pinned to CPU {generator_cpu} (asyncio + aiohttp, pool {POOL_CONNECTIONS}); "
             f"server: gunicorn {WORKERS}×{THREADS} gthread pinned to CPU {','.join(map(str, sorted(server_cpus)))}; "
             f"PostgreSQL unpinned; {users} field workers with API tokens; {warmup_s:g} s warm-up at {WARMUP_RPS}/s "
             f"not measured, then {duration_s} s per rate")
    log("    " + setup)
    spec_path = config.WORK_DIR / "load_spec.json"
    per_rate = []

    def generate(rate, seconds):
        spec = {"url": config.BASE_URL + URL_PATH, "rate": rate, "seconds": seconds, "tokens": tokens,
                "points": points, "phenomena": phenomena, "resend_share": RESEND_SHARE,
                "seed": int(rate * 1000), "cpu": generator_cpu}
        spec_path.write_text(json.dumps(spec))
        proc = subprocess.run([config.PYTHON, "-m", "bench.load", str(spec_path)], cwd=config.ROOT,
                              capture_output=True, text=True, timeout=seconds * 4 + 120)
        if proc.returncode != 0:
            raise RuntimeError(f"load generator failed: {proc.stderr[-2000:]}")
        return json.loads(proc.stdout)

    with Server(workers=WORKERS, threads=THREADS, timeout=60) as server:
        pin(server, server_cpus)
        watermark = data.max_observation_id()
        # Every worker thread's first requests build per-thread state (a PROJ transformation, connections);
        # a warm-up that is not measured keeps that out of the first rate's tail.
        generate(WARMUP_RPS, warmup_s)
        data.delete_observations_after(watermark)
        for rate in rates:
            load_before = os.getloadavg()[0]
            result = generate(rate, duration_s)
            acknowledged = set(result.pop("acknowledged"))
            result["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
            drain(server)
            with data.connect() as conn:
                rows, distinct = conn.execute(
                    "SELECT count(*), count(DISTINCT client_uuid) FROM observations_observation WHERE id > %s",
                    (watermark,)).fetchone()
            result["rows_created"] = rows
            # A duplicate is a second row for one submission: a re-send answered 201, or two rows of one
            # client_uuid. Rows of requests the generator gave up on (timeouts) are written, not duplicated.
            result["duplicates"] = result["resends_answered_201"] + (rows - distinct)
            result["written_unacknowledged"] = rows - len(acknowledged)
            result["met"] = (result["p99_ms"] is not None and result["p99_ms"] < P99_GOAL_S * 1000
                             and result["errors"] == 0 and result["duplicates"] == 0)
            per_rate.append(result)
            log(f"    {rate:g}/s offered: achieved {result['achieved_rps']}/s, p50 {result['p50_ms']} ms, "
                f"p99 {result['p99_ms']} ms, errors {result['errors']}, duplicates {result['duplicates']}, "
                f"written but unacknowledged {result['written_unacknowledged']}, "
                f"generator late p99 {result['send_late_p99_ms']} ms, load average {result['load_average']}")
            data.delete_observations_after(watermark)
            if result["achieved_rps"] < SATURATED_SHARE * rate:
                higher = [r for r in rates if r > rate]
                per_rate += [{"offered_rps": r, "skipped": f"{rate:g}/s already saturated the server"} for r in higher]
                if higher:
                    log(f"    {rate:g}/s saturated the server: {', '.join(f'{r:g}' for r in higher)}/s not run")
                break
    met_rates = [r["offered_rps"] for r in per_rate if r.get("met")]
    best = max(met_rates) if met_rates else None
    return {
        "workload": name, "size": size, "available": True, "target": TARGET,
        "ours": {"label": f"POST {URL_PATH}, open loop", "median_s": None, "times_s": []},
        "peers": [], "ratio": None, "setup": setup, "rates": per_rate,
        "highest_rate_p99_under_100ms": best,
        "met": all(r.get("met") for r in per_rate),
    }


# ------------------------------------------------------------------ the generator process

def _new_body(spec, rnd):
    lat, lon = rnd.choice(spec["points"])
    return {"client_uuid": str(uuid.uuid4()), "phenomenon": rnd.choice(spec["phenomena"]),
            "subject": rnd.choice(["object", "person"]), "direction": rnd.choice(["weakens", "strengthens"]),
            "lat": lat, "lon": lon, "occurrences": 1, "description": "bench load"}


async def _generate(spec):
    import aiohttp

    rate, seconds = float(spec["rate"]), float(spec["seconds"])
    n = max(1, round(rate * seconds))
    rnd = random.Random(spec["seed"])
    latencies, late, statuses = [], [], {}
    acknowledged_bodies, acknowledged_uuids = [], []
    resends = {"sent": 0, "answered_200": 0, "answered_201": 0}
    done_at = []
    connector = aiohttp.TCPConnector(limit=POOL_CONNECTIONS, force_close=False)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    loop = asyncio.get_running_loop()

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        async def send(body, resend, token, scheduled):
            late.append(loop.time() - scheduled)
            try:
                async with session.post(spec["url"], json=body, headers={"Authorization": f"Token {token}"}) as resp:
                    await resp.read()
                    code = resp.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                code = type(exc).__name__
            finished = loop.time()
            latencies.append(finished - scheduled)
            done_at.append(finished)
            statuses[str(code)] = statuses.get(str(code), 0) + 1
            if resend:
                resends["sent"] += 1
                if code in (200, 201):
                    resends[f"answered_{code}"] += 1
            elif code in (200, 201):
                acknowledged_bodies.append((body, token))
                acknowledged_uuids.append(body["client_uuid"])

        tasks = []
        t0 = loop.time() + 0.2
        for i in range(n):
            scheduled = t0 + i / rate
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if acknowledged_bodies and rnd.random() < spec["resend_share"]:
                (body, token), resend = rnd.choice(acknowledged_bodies), True
            else:
                body, resend, token = _new_body(spec, rnd), False, rnd.choice(spec["tokens"])
            tasks.append(asyncio.create_task(send(body, resend, token, scheduled)))
        await asyncio.gather(*tasks)
    latencies.sort()
    late.sort()
    answered = statuses.get("200", 0) + statuses.get("201", 0)
    errors = n - answered
    span = (max(done_at) - t0) if done_at else None

    def ms(value):
        return None if value is None else round(value * 1000, 1)

    return {
        "offered_rps": rate, "requests": n, "seconds": seconds,
        "achieved_rps": round(answered / max(seconds, span), 1) if span else 0,
        "p50_ms": ms(percentile(latencies, 50)), "p90_ms": ms(percentile(latencies, 90)),
        "p99_ms": ms(percentile(latencies, 99)), "max_ms": ms(latencies[-1] if latencies else None),
        "send_late_p99_ms": ms(percentile(late, 99)),
        "statuses": statuses, "errors": errors,
        "resends_sent": resends["sent"], "resends_answered_200": resends["answered_200"],
        "resends_answered_201": resends["answered_201"],
        "acknowledged": acknowledged_uuids,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.load", description="one offered rate, open loop")
    parser.add_argument("spec", help="JSON file written by recording_under_load")
    args = parser.parse_args(argv)
    spec = json.loads(open(args.spec).read())
    if spec.get("cpu") is not None:
        os.sched_setaffinity(0, {spec["cpu"]})
    started = time.time()
    result = asyncio.run(_generate(spec))
    result["wall_s"] = round(time.time() - started, 1)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
