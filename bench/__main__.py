"""`python -m bench [--sizes 10000,100000] [--with-1m] [--quick] [--only import,download,...]`
`python -m bench --national [--size 10000000]`  (all of Finland, growth checkpoints 1M, 3M, 10M)
`python -m bench --smoke --out DIR`  (every workload at a tiny size: the CI smoke test)"""
import argparse
import datetime as dt
import importlib
import importlib.util
import inspect
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from . import config

# When a workload runs: at every Lapland size, once on Lapland (the largest size ≤ 100k), at every
# national growth checkpoint, or once at the largest national size.
LAPLAND, LAPLAND_ONCE, NATIONAL, NATIONAL_FINAL = "lapland", "lapland-once", "national", "national-final"


class Workload(NamedTuple):
    function: str  # "module:function" in this package; it returns a row (or rows) of bench/workloads.py's row()
    when: tuple
    server: bool = True  # False: it starts its own servers on the bench port


# One line per workload. The function is called with the arguments its signature names, out of
# size, reps, log, token (= admin_token), admin_token, field_token, server, duration_s (= load
# seconds), smoke, national.
WORKLOADS = {
    "import": Workload("workloads:bulk_import", (LAPLAND,), server=False),
    "download": Workload("workloads:geojson_download", (LAPLAND,)),
    "map": Workload("workloads:map_page", (LAPLAND,)),
    "load": Workload("load:recording_under_load", (LAPLAND_ONCE,), server=False),
    "ogc": Workload("workloads:ogc_paging", (LAPLAND,)),
    "overview": Workload("national:finland_overview", (NATIONAL,)),
    "municipality": Workload("national:municipality_pages", (NATIONAL,)),
    "overview-profile": Workload("national:overview_profile", (NATIONAL,), server=False),
    "tiles": Workload("tiles:tile_latency", (LAPLAND, NATIONAL_FINAL)),
    "replica": Workload("replica:replica_reads", (NATIONAL_FINAL,), server=False),
}

# National mode keeps the Lapland rows the issue measures there: import and recording load at 100k, OGC paging at 1M.
NATIONAL_LAPLAND_PLAN = {100_000: ("import", "load"), 1_000_000: ("ogc",)}
SMOKE_SIZE = 300
SMOKE_AREAS = 20


def ensure_requirements():
    missing = [m for m in ("gunicorn", "psutil", "aiohttp") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"installing bench requirements ({', '.join(missing)})", flush=True)
        subprocess.run([config.PYTHON, "-m", "pip", "install", "-q", "-r", str(config.ROOT / "bench" / "requirements.txt")], check=True)


def module_path(workload):
    return Path(__file__).with_name(workload.function.partition(":")[0] + ".py")


def resolve(workload):
    module, _, function = workload.function.partition(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), function)


def call(fn, context):
    """Call fn with the context values its parameters name (parameters with defaults may be left out)."""
    aliases = {"token": "admin_token", "duration_s": "load_seconds"}
    kwargs = {}
    for name, param in inspect.signature(fn).parameters.items():
        key = aliases.get(name, name)
        if key in context and context[key] is not None:
            kwargs[name] = context[key]
        elif param.default is inspect.Parameter.empty:
            raise TypeError(f"{fn.__name__} needs {name!r}, which the bench does not provide")
    return fn(**kwargs)


class Run:
    """The rows of one run and the wall time of each of its parts."""

    def __init__(self, only, meta):
        self.only, self.rows, self.parts, self.meta = only, [], [], meta
        self.started = time.time()

    def write_report(self):
        """After every workload, so that a run stopped half way keeps what it measured."""
        from . import report

        self.meta.update(wall_s=round(time.time() - self.started), parts=self.parts)
        return report.write(list(self.rows), self.meta)

    def log(self, msg):
        print(f"[{time.time() - self.started:6.0f}s] {msg}", flush=True)

    def part(self, label, seconds):
        self.parts.append({"part": label, "seconds": round(seconds, 1)})

    def wanted(self, stage, allowed=None):
        return [name for name, w in WORKLOADS.items()
                if stage in w.when and name in self.only and (allowed is None or name in allowed)]

    def measure(self, name, context):
        self.log(f"{name} ({context['size']:,})")
        t0 = time.time()
        if not module_path(WORKLOADS[name]).exists():
            self.log(f"    bench/{module_path(WORKLOADS[name]).name} is not in this checkout")
            self.rows.append({"workload": name, "key": name, "size": context["size"], "available": False,
                              "why": f"bench/{module_path(WORKLOADS[name]).name} is not in this checkout", "target": "",
                              "ours": None, "peers": [], "ratio": None, "met": None, "national": context["national"]})
            return
        try:
            result = call(resolve(WORKLOADS[name]), context)
            for r in (result if isinstance(result, list) else [result]):
                r.setdefault("key", name)
                r["national"] = context["national"]
                self.rows.append(r)
        except Exception as exc:  # one broken path must not lose the other figures
            self.log(f"    FAILED: {exc!r}")
            self.rows.append({"workload": name, "key": name, "size": context["size"], "available": False,
                              "why": f"failed: {str(exc)[:300]}", "target": "", "ours": None, "peers": [],
                              "ratio": None, "met": False, "national": context["national"]})
        self.part(f"{name} at {context['size']:,}", time.time() - t0)
        self.write_report()

    def stage(self, names, context):
        from .server import Server

        served = [n for n in names if WORKLOADS[n].server]
        if served:
            with Server(workers=1, threads=1) as server:
                for name in served:
                    self.measure(name, {**context, "server": server})
        for name in names:
            if not WORKLOADS[name].server:
                self.measure(name, context)


def lapland(run, sizes, reps, load_s, smoke, plan=None):
    """The Lapland bench database at each size that has a workload to run; its geography, or None."""
    from . import data

    once_at = max((s for s in sizes if s <= 100_000), default=max(sizes))
    planned = {}
    for size in sizes:
        allowed = plan.get(size, ()) if plan is not None else None
        planned[size] = run.wanted(LAPLAND, allowed) + (run.wanted(LAPLAND_ONCE, allowed) if size == once_at else [])
    if not any(planned.values()):
        return None
    t0 = time.time()
    geography = data.ensure_database(run.log)
    run.part("Lapland database ready", time.time() - t0)
    context = {"log": run.log, "admin_token": data.token_for(config.ADMIN_USER), "smoke": smoke, "national": False,
               "field_token": data.token_for(config.FIELD_USER), "load_seconds": load_s}
    for size, names in planned.items():
        if not names:
            continue
        run.log(f"== Lapland, {size:,} observations ==")
        t0 = time.time()
        data.generate_observations(size, run.log)
        run.part(f"generate {size:,} (Lapland)", time.time() - t0)
        size_reps = max(1, reps - 1) if size >= 1_000_000 else reps
        run.stage(names, {**context, "size": size, "reps": size_reps})
    return geography


def national(run, geography_file, checkpoints, reps, load_s, smoke):
    from . import data

    config.use_database(config.NATIONAL_DBNAME)
    t0 = time.time()
    geography = data.ensure_database(run.log, geography=geography_file)
    run.part(f"national database ready ({geography['postcode_areas']} areas)", time.time() - t0)
    if geography.get("geography_import_s") is not None:
        run.part("  of which manage.py import_postcode_areas", geography["geography_import_s"])
    context = {"log": run.log, "admin_token": data.token_for(config.ADMIN_USER), "smoke": smoke, "national": True,
               "field_token": data.token_for(config.FIELD_USER), "load_seconds": load_s}
    have = data.scalar("SELECT count(*) FROM observations_observation")
    if data.parameters().get("generator") == data.NATIONAL_GENERATOR and have >= checkpoints[-1]:
        run.log(f"the national data ({have:,} observations) is reused: measuring at {checkpoints[-1]:,} only; "
                "earlier checkpoints keep their rows from the run that generated them")
        checkpoints = checkpoints[-1:]
    for size in checkpoints:
        run.log(f"== Finland, {size:,} observations ==")
        t0 = time.time()
        timings = data.grow_national(size, run.log)
        run.part(f"generate up to {size:,} (national){' — reused' if timings.get('reused') else ''}", time.time() - t0)
        names = run.wanted(NATIONAL) + (run.wanted(NATIONAL_FINAL) if size == checkpoints[-1] else [])
        run.stage(names, {**context, "size": size, "reps": reps})
    return geography


def smoke_geography(source, directory):
    """A 20-area subset of the Finland file: the areas of Helsinki (091) and Rovaniemi (698) first."""
    import json

    doc = json.loads(Path(source).read_text())
    wanted = set(config.NATIONAL_MUNICIPALITY_CODES)
    features = [f for f in doc["features"] if f["properties"].get("municipality_code") in wanted]
    per_code = SMOKE_AREAS // len(wanted)
    picked = []
    for code in config.NATIONAL_MUNICIPALITY_CODES:
        picked += [f for f in features if f["properties"]["municipality_code"] == code][:per_code]
    path = Path(directory) / "finland_smoke_areas.geojson"
    path.write_text(json.dumps({**doc, "features": picked}))
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="Lapland observation counts, comma separated")
    parser.add_argument("--with-1m", action="store_true", help="also 1,000,000 observations (long)")
    parser.add_argument("--quick", action="store_true", help="10k only, 1 repetition, 15 s load test")
    parser.add_argument("--national", action="store_true",
                        help="all of Finland (database geo_indi_bench_national), growth checkpoints up to --size")
    parser.add_argument("--size", type=int, default=config.NATIONAL_SIZES[-1],
                        help="largest national size (checkpoints: those of 1M, 3M, 10M below it, and it)")
    parser.add_argument("--smoke", action="store_true",
                        help=f"every workload at {SMOKE_SIZE} observations, 1 repetition (CI); needs --out")
    parser.add_argument("--out", help="write benchmarks.md/.json into this directory instead of docs/")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="subset of: " + ",".join(WORKLOADS))
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--load-seconds", type=int, default=60)
    args = parser.parse_args(argv)
    if args.smoke and not args.out:
        parser.error("--smoke writes its report elsewhere: give --out DIR")
    ensure_requirements()
    from . import report

    if args.out:
        config.write_results_to(args.out)
    meta = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": report.machine(), "geography": "", "database": "",
    }
    run = Run(set(args.only.split(",")), meta)
    config.WORK_DIR.mkdir(parents=True, exist_ok=True)
    reps, load_s = args.reps, args.load_seconds
    lapland_sizes = [int(s) for s in args.sizes.split(",") if s]
    plan = None
    if args.quick:
        lapland_sizes, reps, load_s = [10_000], 1, 15
    if args.with_1m and 1_000_000 not in lapland_sizes:
        lapland_sizes.append(1_000_000)
    if args.national:
        lapland_sizes, plan = sorted(NATIONAL_LAPLAND_PLAN), NATIONAL_LAPLAND_PLAN
    if args.smoke:
        lapland_sizes, reps, load_s, plan = [SMOKE_SIZE], 1, 3, None
    national_file = config.national_geography()
    geographies, databases = [], []
    if args.national or args.smoke:
        if national_file is None:
            run.log("national geography not found (../shared/data/finland_postcode_areas.geojson is absent): "
                    "national workloads skipped")
    if args.national and national_file is not None:
        checkpoints = [s for s in config.NATIONAL_SIZES if s < args.size] + [args.size]
        geographies.append(national(run, national_file, checkpoints, reps, load_s, args.smoke))
        databases.append(config.NATIONAL_DBNAME)
        config.use_database(config.LAPLAND_DBNAME)
    geographies.append(lapland(run, lapland_sizes, reps, load_s, args.smoke, plan))
    databases.append(config.LAPLAND_DBNAME)
    if args.smoke and national_file is not None:
        with tempfile.TemporaryDirectory() as tmp:
            subset = smoke_geography(national_file, tmp)
            geographies.append(national(run, subset, [SMOKE_SIZE], reps, load_s, smoke=True))
            databases.append(config.NATIONAL_DBNAME)
    meta.update(
        geography="; ".join(f"{g['postcode_areas']} postcode areas, {g.get('municipalities', '?')} municipalities "
                            f"({g['geography_source']})" for g in geographies if g),
        database=", ".join(name for name, g in zip(databases, geographies) if g),
    )
    merged = run.write_report()
    print()
    print("\n".join(report.table_lines(merged)))
    print("\n".join(report.parts_lines(meta)))
    run.log(f"wrote {config.RESULTS_MD} and {config.RESULTS_JSON}")
    return run.rows


if __name__ == "__main__":
    main()
