"""Reads off the primary, measured (issue 17, item 6): a local streaming replica of the bench cluster.

`pg_basebackup -R` copies the bench cluster (all of its databases) into /tmp/geo_indi_bench_replica_<port> and
starts the copy as a hot standby on REPLICA_PGPORT; the app server then runs with
DATABASE_REPLICA_URL pointing at it (geo_indi/core/db_routers.py). Measured, on the same data:

- read throughput: concurrent anonymous GETs of the municipality map page and an OGC API page
  for a fixed time, once with the app on the primary alone and once with the replica, in
  alternating repetitions; the replica's own transaction count proves the reads went there;
- replica lag while observations are being recorded through the API: bytes of WAL the
  replica has not replayed (`pg_wal_lsn_diff` on the primary) and seconds since the last
  replayed commit (`pg_last_xact_replay_timestamp` on the replica), sampled every 0.25 s.

The replica is stopped and removed at the end, also when a step fails. On one machine the
replica shares the CPUs with the primary, the app server and the load generator: the
figures say what replication costs and gives here, not what a second machine would give.
"""
import os
import random
import re
import shutil
import statistics
import subprocess
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import psycopg
import requests

from . import config, data
from .server import Server
from .timing import run_checked
from .workloads import row

PGBIN = Path(os.environ.get("PGBIN") or max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/usr/bin")))
REPLICA_PGPORT = int(os.environ.get("BENCH_REPLICA_PGPORT", "54351"))
APPLICATION_NAME = "geo_indi_bench_replica"
# The primary keeps the WAL the replica still needs in this slot (without it, a busy primary
# can recycle a segment between the end of the base backup and the start of streaming).
SLOT = re.sub(r"[^a-z0-9_]", "_", f"{APPLICATION_NAME}_{config.DBNAME}".lower())[:63]
NAME = "reads off the primary (streaming replica)"
TARGET = "read throughput with a replica vs the primary alone (reported, no target); replica lag under recording"
LAG_SAMPLE_S = 0.25


def as_owner(*command, check=True):
    """PostgreSQL refuses to run as root: run its tools as postgres when we are root."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    cmd = [*prefix, *map(str, command)]
    if check:
        return run_checked(cmd)
    return subprocess.run(cmd, capture_output=True, text=True)


class StreamingReplica:
    """A hot standby of the bench cluster for the duration of a `with` block."""

    def __init__(self, log):
        self.log = log
        # Not under WORK_DIR: the postgres user must reach it, and pytest's tmp dirs are private to root.
        self.data = Path(os.environ.get("BENCH_REPLICA_DIR", f"/tmp/geo_indi_bench_replica_{REPLICA_PGPORT}"))
        self.url = f"postgis://{config.PGUSER}@127.0.0.1:{REPLICA_PGPORT}/{config.DBNAME}"
        self.dsn = f"host=127.0.0.1 port={REPLICA_PGPORT} user={config.PGUSER} dbname={config.DBNAME}"
        self.basebackup_s = None
        self.size_mb = None

    def __enter__(self):
        self.remove()  # one left behind by an interrupted run
        try:
            self.create()
            self.start()
            self.wait_until_streaming()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc):
        self.remove()

    def create(self):
        self.data.mkdir(parents=True, mode=0o700)
        if os.getuid() == 0:
            shutil.chown(self.data, "postgres")
        primary = f"host={config.PGHOST} port={config.PGPORT} user={config.PGUSER} application_name={APPLICATION_NAME}"
        started = time.perf_counter()
        as_owner(PGBIN / "pg_basebackup", "-d", primary, "-D", self.data, "-R", "-X", "stream", "-c", "fast", "--no-sync",
                 "-C", "-S", SLOT)
        self.basebackup_s = round(time.perf_counter() - started, 1)
        self.size_mb = round(sum(f.stat().st_size for f in self.data.rglob("*") if f.is_file()) / 1e6)
        self.log(f"    pg_basebackup -R: {self.size_mb} MB in {self.basebackup_s} s")

    def start(self):
        # Command-line settings win over the copied postgresql.conf (the primary's port and socket directory).
        options = (f"-c port={REPLICA_PGPORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.data} "
                   "-c shared_buffers=128MB -c hot_standby=on")
        proc = as_owner(PGBIN / "pg_ctl", "-D", self.data, "-l", self.data / "replica.log", "-w", "-t", "120",
                        "-o", options, "start", check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"the replica did not start: {proc.stderr[-500:]} {self.server_log()[-1500:]}")

    def wait_until_streaming(self, timeout_s=120):
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as conn:
                    status = conn.execute("SELECT status FROM pg_stat_wal_receiver").fetchone()
                if status and status[0] == "streaming":
                    return
            except psycopg.OperationalError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the replica is not streaming after {timeout_s} s: {self.server_log()[-1500:]}")

    def server_log(self):
        path = self.data / "replica.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self):
        """Stop and delete the replica, and drop its slot: a slot left behind would keep WAL on the primary forever."""
        if (self.data / "postmaster.pid").exists():
            as_owner(PGBIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.data, ignore_errors=True)
        with data.connect() as primary:
            for _ in range(20):  # the primary's WAL sender may take a moment to notice the replica is gone
                try:
                    primary.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                                    "WHERE slot_name = %s", (SLOT,))
                    return
                except psycopg.errors.ObjectInUse:
                    time.sleep(0.5)
            raise RuntimeError(f"replication slot {SLOT} is still in use on the primary: drop it by hand")

    def transactions(self):
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            return conn.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
                                (config.DBNAME,)).fetchone()[0]


READ_THROTTLES = ("THROTTLE_OGC_ANON", "THROTTLE_API_ANON", "THROTTLE_DOWNLOADS_ANON")


@contextmanager
def app_server(replica_url=None):
    """The app under test, reading from the replica when replica_url is given."""
    # Read capacity is measured, not the anonymous rate limits (60 OGC requests a minute per client),
    # which a fast machine's clients would otherwise meet as 429s.
    overrides = {name: "1000000/minute" for name in READ_THROTTLES}
    if replica_url:
        overrides["DATABASE_REPLICA_URL"] = replica_url
    saved = {name: os.environ.pop(name, None) for name in [*overrides, "DATABASE_REPLICA_URL"]}
    os.environ.update(overrides)
    try:
        with Server(workers=2, threads=4, timeout=120) as server:
            yield server
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def read_paths():
    return [f"/maps/{config.MAP_MUNICIPALITY_CODE}/", "/ogcapi/collections/observations/items?limit=1000&f=json"]


def read_paths_text():
    return " + ".join(path.split("?")[0] for path in read_paths())


def concurrent_reads(duration_s, clients):
    """Anonymous GETs of read_paths() from `clients` threads for duration_s: requests, errors, latencies."""
    paths = read_paths()
    lock = threading.Lock()
    latencies, errors = [], []
    stop_at = time.perf_counter() + duration_s

    def client(index):
        session = requests.Session()
        turn = index
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            try:
                code = session.get(config.BASE_URL + paths[turn % len(paths)], timeout=120).status_code
            except requests.RequestException as exc:
                code = type(exc).__name__
            elapsed = time.perf_counter() - t0
            with lock:
                if code == 200:
                    latencies.append(elapsed)
                else:
                    errors.append(code)
            turn += 1

    pool = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / duration_s,
            "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None}


def lag_under_recording(replica, duration_s, field_token, writers=4):
    """Record observations through the API from `writers` threads while sampling the replica's lag."""
    with data.connect() as conn:
        points = conn.execute(
            "SELECT ST_Y(g), ST_X(g) FROM (SELECT ST_Transform(location, 4326) g FROM observations_observation "
            "WHERE location IS NOT NULL LIMIT 2000) t").fetchall()
        phenomena = [r[0] for r in conn.execute("SELECT id FROM observations_phenomenon WHERE is_active").fetchall()]
    if not points or not phenomena:
        raise RuntimeError("no observation points or phenomena to record with")
    watermark = data.max_observation_id()
    stop = threading.Event()
    statuses, samples = {}, []
    lock = threading.Lock()

    def writer(seed):
        rnd = random.Random(seed)
        session = requests.Session()
        session.headers["Authorization"] = f"Token {field_token}"
        while not stop.is_set():
            lat, lon = rnd.choice(points)
            body = {"client_uuid": str(uuid.uuid4()), "phenomenon": rnd.choice(phenomena), "subject": "object",
                    "direction": rnd.choice(["weakens", "strengthens"]), "lat": lat, "lon": lon, "occurrences": 1}
            try:
                code = session.post(config.BASE_URL + "/api/observations/", json=body, timeout=60).status_code
            except requests.RequestException as exc:
                code = type(exc).__name__
            with lock:
                statuses[code] = statuses.get(code, 0) + 1

    def sampler():
        with data.connect() as primary, psycopg.connect(replica.dsn, autocommit=True) as standby:
            while not stop.is_set():
                behind = primary.execute(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), extract(epoch FROM replay_lag) "
                    "FROM pg_stat_replication WHERE application_name = %s", (APPLICATION_NAME,)).fetchone()
                replayed = standby.execute(
                    "SELECT extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())").fetchone()
                if behind:
                    samples.append({"bytes": float(behind[0] or 0), "replay_lag_s": float(behind[1] or 0),
                                    "since_last_replay_s": float(replayed[0] or 0)})
                time.sleep(LAG_SAMPLE_S)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)] + [threading.Thread(target=sampler)]
    for t in threads:
        t.start()
    time.sleep(duration_s)
    stop.set()
    for t in threads:
        t.join()
    written = data.scalar("SELECT count(*) FROM observations_observation WHERE id > %s", (watermark,))
    data.delete_observations_after(watermark)
    if not samples:
        raise RuntimeError(f"the primary does not list {APPLICATION_NAME} in pg_stat_replication")
    return {"writes": written, "write_rps": round(written / duration_s, 1),
            "write_statuses": {str(k): v for k, v in statuses.items()}, "samples": len(samples),
            **{f"{key}_{stat}": round(fn(s[key] for s in samples), 3)
               for key in ("bytes", "replay_lag_s", "since_last_replay_s")
               for stat, fn in (("p50", lambda v: statistics.median(list(v))), ("max", max))}}


def replica_reads(size, duration_s, log, field_token, reps=2, clients=8):
    """Read throughput with and without a streaming replica, and its lag under recording load.

    Smoke size: duration_s=1, reps=1, clients=2 (the base backup of the cluster takes most of the time)."""
    runs = {"primary only": [], "with replica": []}
    extra = {}
    lag = None
    with StreamingReplica(log) as replica:
        extra.update(basebackup_s=replica.basebackup_s, replica_size_mb=replica.size_mb)
        for rep in range(reps):
            order = ["primary only", "with replica"] if rep % 2 == 0 else ["with replica", "primary only"]
            for label in order:
                with app_server(replica.url if label == "with replica" else None):
                    concurrent_reads(min(2, duration_s), clients)  # warm both databases' caches
                    before = replica.transactions()
                    result = concurrent_reads(duration_s, clients)
                    on_replica = replica.transactions() - before
                    if label == "with replica" and lag is None:
                        lag = lag_under_recording(replica, duration_s, field_token)
                        log(f"    lag while recording {lag['write_rps']} obs/s: p50 {lag['bytes_p50'] / 1e3:.0f} kB, "
                            f"max {lag['bytes_max'] / 1e3:.0f} kB behind; replay lag max {lag['replay_lag_s_max']} s")
                runs[label].append(result)
                log(f"    {label}: {result['rps']:.1f} req/s, p50 {result['p50_ms']} ms, "
                    f"{len(result['errors'])} errors, {on_replica} transactions on the replica")
                extra.setdefault(f"replica_transactions_{label.replace(' ', '_')}", []).append(on_replica)
    errors = sum(len(r["errors"]) for results in runs.values() for r in results)
    if errors:
        codes = Counter(str(code) for results in runs.values() for r in results for code in r["errors"])
        raise RuntimeError(f"{errors} read requests failed: {dict(codes)}")

    def seconds_per_request(results):
        return {"times": [1 / r["rps"] if r["rps"] else float("inf") for r in results]}

    rps = {label: [round(r["rps"], 1) for r in results] for label, results in runs.items()}
    p50 = {label: statistics.median(r["p50_ms"] for r in results) for label, results in runs.items()}
    text = {
        "ours": (f"with replica: {statistics.median(rps['with replica'])} req/s, p50 {p50['with replica']:.0f} ms "
                 f"({clients} clients, {duration_s} s; {read_paths_text()}); lag while recording {lag['write_rps']} obs/s: "
                 f"p50 {lag['bytes_p50'] / 1e3:.0f} kB, max {lag['bytes_max'] / 1e3:.0f} kB behind, replay lag max "
                 f"{lag['replay_lag_s_max']:.2f} s"),
        "peers": f"primary only: {statistics.median(rps['primary only'])} req/s, p50 {p50['primary only']:.0f} ms",
    }
    return row(NAME, size,
               (f"with replica: {clients} clients, {duration_s} s, seconds per request (1/throughput)",
                seconds_per_request(runs["with replica"])),
               [("primary only", seconds_per_request(runs["primary only"]))], TARGET,
               throughput_rps_with_replica=rps["with replica"], throughput_rps_primary_only=rps["primary only"],
               p50_ms_with_replica=[r["p50_ms"] for r in runs["with replica"]],
               p50_ms_primary_only=[r["p50_ms"] for r in runs["primary only"]],
               read_paths=read_paths(), lag=lag, text=text, **extra)
