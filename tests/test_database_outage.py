"""The database goes away and comes back, under gunicorn, on a throwaway PostgreSQL cluster of this test.

While it is stopped, /api/, /ogcapi/ and /healthz answer 503 JSON with Retry-After
(OGC: its exception shape); once it is back, the first request on the worker's
kept-alive connection succeeds (CONN_HEALTH_CHECKS). The shared cluster is never touched.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
PGBIN = Path(os.environ.get("PGBIN") or max(Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/nonexistent")))
GUNICORN = Path(sys.executable).with_name("gunicorn")

pytestmark = pytest.mark.skipif(
    not (PGBIN / "initdb").exists() or not GUNICORN.exists(), reason="needs PostgreSQL server binaries and gunicorn"
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_owner(*command):
    """initdb refuses root: run the cluster as postgres when we are root."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    subprocess.run([*prefix, *map(str, command)], check=True, capture_output=True)


class Cluster:
    def __init__(self, directory):
        self.data = directory / "pgdata"
        self.port = free_port()
        self.url = f"postgis://postgres@127.0.0.1:{self.port}/geo_indi_outage"

    def create(self):
        self.data.mkdir()
        if os.getuid() == 0:
            shutil.chown(self.data.parent, "postgres")
            shutil.chown(self.data, "postgres")
        as_owner(PGBIN / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.data}'\n")
        self.start()
        subprocess.run([PGBIN / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "geo_indi_outage"],
                       check=True)

    def start(self):
        as_owner(PGBIN / "pg_ctl", "-D", self.data, "-l", self.data / "server.log", "-w", "start")

    def stop(self):
        as_owner(PGBIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")


@pytest.fixture(scope="module")
def served():
    """gunicorn (one sync worker, so one kept-alive connection) on a migrated throwaway cluster."""
    # Not under pytest's own tmp folder: as root, that is closed to the postgres user.
    workdir = Path(tempfile.mkdtemp(prefix="geo_indi_outage_"))
    cluster = Cluster(workdir)
    cluster.create()
    try:
        yield from _serve(cluster, workdir)
    finally:
        try:
            cluster.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(workdir, ignore_errors=True)


def _serve(cluster, workdir):
    env = {
        **os.environ, "DATABASE_URL": cluster.url, "DJANGO_SECRET_KEY": "outage-test-" + "x" * 50,
        "DJANGO_DEBUG": "0", "LOG_FORMAT": "json",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    create_token = (
        "from django.contrib.auth.models import User; from rest_framework.authtoken.models import Token;"
        "print(Token.objects.create(user=User.objects.create_user('outage')).key)"
    )
    token = subprocess.run(
        [*manage, "shell", "-c", create_token], env=env, cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.split()[-1]
    port = free_port()
    log_path = workdir / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [GUNICORN, "geo_indi.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "30"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    requests.get(base + "/healthz", timeout=10)
                    break
                except requests.RequestException:
                    time.sleep(0.2)
            yield {"base": base, "cluster": cluster, "headers": {"Authorization": f"Token {token}"}, "log": log_path}
        finally:
            server.terminate()
            server.wait(timeout=10)


def get_all(served):
    base, headers = served["base"], served["headers"]
    return {
        "/healthz": requests.get(base + "/healthz", timeout=10),
        "/api/observations/": requests.get(base + "/api/observations/", headers=headers, timeout=10),
        "/ogcapi/collections/observations/items": requests.get(
            base + "/ogcapi/collections/observations/items", timeout=10),
    }


def test_database_outage_is_503_json_and_the_first_request_after_it_succeeds(served):
    before = get_all(served)
    assert {path: r.status_code for path, r in before.items()} == dict.fromkeys(before, 200)

    # A restart while the worker is idle: its kept-alive connection is dead, the health check replaces it.
    served["cluster"].stop()
    served["cluster"].start()
    after_restart = get_all(served)
    assert {path: r.status_code for path, r in after_restart.items()} == dict.fromkeys(after_restart, 200)

    served["cluster"].stop()
    down = get_all(served)
    for path, response in down.items():
        assert response.status_code == 503, (path, response.text[:200])
        assert response.headers["Content-Type"].startswith("application/json"), path
        assert int(response.headers["Retry-After"]) > 0
    assert down["/healthz"].json() == {"status": "unavailable", "failing": ["database"]}
    assert down["/api/observations/"].json()["code"] == "database_unavailable"
    assert down["/ogcapi/collections/observations/items"].json()["code"] == "ServiceUnavailable"

    served["cluster"].start()
    up = get_all(served)
    assert {path: r.status_code for path, r in up.items()} == dict.fromkeys(up, 200)
    assert up["/api/observations/"].json()["type"] == "FeatureCollection"

    lines = served["log"].read_text().splitlines()
    for path in ("/api/observations/", "/ogcapi/collections/observations/items"):
        assert len([line for line in lines if path in line and "503" in line]) == 1, lines  # one line per event
    assert not [line for line in lines if line.startswith(("Traceback", "  File "))]
