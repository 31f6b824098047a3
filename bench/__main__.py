"""`python -m bench [--sizes 10000,100000] [--with-1m] [--quick] [--only import,download,map,load,ogc]`"""
import argparse
import datetime as dt
import importlib.util
import subprocess
import sys
import time

from . import config


def ensure_requirements():
    missing = [m for m in ("gunicorn", "psutil", "aiohttp") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"installing bench requirements ({', '.join(missing)})", flush=True)
        subprocess.run([config.PYTHON, "-m", "pip", "install", "-q", "-r", str(config.ROOT / "bench" / "requirements.txt")], check=True)


WORKLOADS = ["import", "download", "map", "load", "ogc", "tiles", "replica"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="observation counts, comma separated")
    parser.add_argument("--with-1m", action="store_true", help="also 1,000,000 observations (long)")
    parser.add_argument("--quick", action="store_true", help="10k only, 1 repetition, 15 s load test")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="subset of: " + ",".join(WORKLOADS))
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--load-seconds", type=int, default=30, help="seconds per offered rate (BENCH_LOAD_RATES)")
    args = parser.parse_args(argv)
    ensure_requirements()
    from . import data, load, replica, report, workloads
    from .server import Server

    sizes = [int(s) for s in args.sizes.split(",") if s]
    reps, load_s = args.reps, args.load_seconds
    if args.quick:
        sizes, reps, load_s = [10_000], 1, 15
    if args.with_1m and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    only = set(args.only.split(","))
    config.WORK_DIR.mkdir(parents=True, exist_ok=True)
    started = time.time()

    def log(msg):
        print(f"[{time.time() - started:6.0f}s] {msg}", flush=True)

    geography = data.ensure_database(log)
    admin_token = data.token_for(config.ADMIN_USER)
    field_token = data.token_for(config.FIELD_USER)
    rows = []

    def measure(name, fn, *a):
        log(name)
        try:
            rows.append(fn(*a))
        except Exception as exc:  # one broken path must not lose the other figures
            log(f"    FAILED: {exc!r}")
            rows.append({"workload": name, "size": a[0], "available": False, "why": f"failed: {str(exc)[:300]}",
                         "target": "", "ours": None, "peers": [], "ratio": None, "met": False})
    for size in sizes:
        size_reps = max(1, reps - 1) if size >= 1_000_000 else reps
        log(f"== {size:,} observations ==")
        data.generate_observations(size, log)
        with Server(workers=1, threads=1) as server:
            if "download" in only:
                measure("GeoJSON download", workloads.geojson_download, size, size_reps, log, admin_token, server)
            if "map" in only:
                measure("municipality map page", workloads.map_page, size, 5, log)
            if "ogc" in only:
                measure("OGC API paging", workloads.ogc_paging, size, size_reps, log, admin_token)
            if "tiles" in only:
                measure("vector tiles", __import__("bench.tiles").tiles.tile_latency, size, size_reps, log)
        if "import" in only:
            measure("bulk import with snapping", workloads.bulk_import, size, size_reps, log)
        if "load" in only and size == max(s for s in sizes if s <= 100_000 or len(sizes) == 1):
            measure("recording under load", load.recording_under_load, size, load_s, log, field_token)
        if "replica" in only and size == sizes[-1]:
            measure(replica.NAME, replica.replica_reads, size, max(10, load_s // 3), log, field_token)
    meta = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": report.machine(), "geography": f"{geography['postcode_areas']} postcode areas ({geography['geography_source']})",
        "database": config.DBNAME, "wall_s": round(time.time() - started),
    }
    merged = report.write(rows, meta)
    print()
    print("\n".join(report.table_lines(merged)))
    log(f"wrote {config.RESULTS_MD.relative_to(config.ROOT)} and {config.RESULTS_JSON.relative_to(config.ROOT)}")


if __name__ == "__main__":
    main()
