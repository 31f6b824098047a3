"""`python -m bench --smoke`: every workload of `make bench` runs at a tiny size and gives figures.

The bench runs as it does for `make bench` (its own databases, a gunicorn on its own port), on
300 observations, one repetition and a few seconds of load, into a temporary directory:
docs/benchmarks.md stays as the last real run left it.
"""
import hashlib
import json
import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings

from bench import config
from bench.__main__ import LAPLAND, LAPLAND_ONCE, NATIONAL, NATIONAL_FINAL, WORKLOADS, module_path

pytestmark = pytest.mark.gdal


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    db = settings.DATABASES["default"]
    test_db = db.get("TEST", {}).get("NAME") or "test_" + db["NAME"]
    replica_port = _free_port()
    env = dict(
        os.environ, BENCH_DB=f"{test_db}_bench", BENCH_NATIONAL_DB=f"{test_db}_bench_national",
        BENCH_PGHOST=db.get("HOST") or "127.0.0.1", BENCH_PGPORT=str(db.get("PORT") or 5432),
        BENCH_PGUSER=db.get("USER") or "postgres", BENCH_PORT=str(_free_port()), BENCH_WORK_DIR=str(out / "work"),
        # Its own replica port and data dir: a bench run beside the tests must not meet this one's.
        BENCH_REPLICA_PGPORT=str(replica_port), BENCH_REPLICA_DIR=f"/tmp/geo_indi_smoke_replica_{replica_port}",
    )
    docs_before = (_digest(config.RESULTS_MD), _digest(config.RESULTS_JSON))
    proc = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--out", str(out)], cwd=config.ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = json.loads((out / "benchmarks.json").read_text())["rows"]
    return {"rows": rows, "log": proc.stdout, "docs_unchanged": docs_before == (
        _digest(config.RESULTS_MD), _digest(config.RESULTS_JSON)), "md": (out / "benchmarks.md").read_text()}


def _assert_measured(rows, names):
    """Every workload whose module this checkout has (bench/tiles.py etc. arrive with their branches)."""
    for name in names:
        if not module_path(WORKLOADS[name]).exists():
            continue
        produced = [r for r in rows if r.get("key") == name]
        assert produced, f"workload {name!r} produced no row"
        for r in produced:
            assert r["available"], f"{r['workload']}: {r.get('why')}"
            if r.get("rates"):  # the open-loop load: figures per offered rate
                measured = [rate for rate in r["rates"] if "skipped" not in rate]
                assert measured and all(rate["p50_ms"] is not None for rate in measured), r["rates"]
                assert all(rate["errors"] == 0 and rate["duplicates"] == 0 for rate in measured), r["rates"]
            else:
                assert r["ours"]["median_s"] is not None and r["ours"]["median_s"] > 0, r["workload"]


def test_smoke_measures_every_lapland_workload(smoke):
    names = [n for n, w in WORKLOADS.items() if LAPLAND in w.when or LAPLAND_ONCE in w.when]
    _assert_measured([r for r in smoke["rows"] if not r["national"]], names)
    assert all(r["size"] == 300 for r in smoke["rows"])


def test_smoke_measures_every_national_workload_on_a_subset_of_finland(smoke):
    if config.national_geography() is None:
        pytest.skip("../shared/data/finland_postcode_areas.geojson is absent: the national smoke was skipped")
    names = [n for n, w in WORKLOADS.items() if NATIONAL in w.when or NATIONAL_FINAL in w.when]
    national = [r for r in smoke["rows"] if r["national"]]
    _assert_measured(national, names)
    pages = {r["workload"] for r in national if r.get("key") == "municipality"}
    assert pages == {"municipality page (Helsinki 091)", "municipality page (Rovaniemi 698)"}
    assert "20 postcode areas" in smoke["md"]


def test_smoke_writes_its_report_elsewhere(smoke):
    assert smoke["docs_unchanged"]
    assert "Wall time of the run" in smoke["md"]
