"""Durable by default: a hard crash of PostgreSQL (kill -9 of the postmaster) while clients post
observations loses no observation that was answered 201.

Runs against its own throwaway cluster made by scripts/db.sh (in a temp folder, on a free port), never
the shared one, and the production server (gunicorn with scripts/gunicorn.conf.py).
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
PGBIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]) if list(Path("/usr/lib/postgresql").glob("*/bin")) else None
INSIDE_ALFA = (66.05, 25.1)
CLIENTS = 6
REQUESTS_PER_CLIENT = 150
ACKNOWLEDGED_BEFORE_CRASH = 30

pytestmark = pytest.mark.skipif(
    PGBIN is None or not (PGBIN / "initdb").exists(), reason="PostgreSQL server binaries not installed"
)

MAKE_REPORTER = """
from rest_framework.authtoken.models import Token
from django.contrib.auth.models import User
from geo_indi.accounts.models import Membership, Organisation
from geo_indi.areas.models import Municipality
from geo_indi.observations.models import Phenomenon
org = Organisation.objects.create(name="Crash test org", kind=Organisation.Kind.MUNICIPALITY)
org.municipalities.set(Municipality.objects.all())
user = User.objects.create_user("crashtest", password="not-used-here")
Membership.objects.create(user=user, organisation=org, role=Membership.Role.FIELD_WORKER)
print(Token.objects.create(user=user).key, Phenomenon.objects.get(slug="yksinaisyys").pk)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, env):
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(args)}: {result.stdout}{result.stderr}"
    return result


def psql(port, sql):
    out = subprocess.run(
        [str(PGBIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-At", "-c", sql, "geo_indi"],
        check=True, capture_output=True, text=True, timeout=60,
    )
    return out.stdout.split()


def cluster_processes_gone(pgdata):
    """True when no process of the killed cluster is left (its backends exit when they see the postmaster die)."""
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and str(pgdata) in (proc / "cmdline").read_bytes().decode(errors="replace"):
                return False
        except OSError:
            continue
    return True


@pytest.fixture
def throwaway_cluster():
    folder = Path(tempfile.mkdtemp(prefix="geo_indi_crash_"))
    folder.chmod(0o755)  # the cluster runs as "postgres" when the tests run as root
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(GEO_INDI_PGDATA=str(folder / "pgdata"), GEO_INDI_PGPORT=str(free_port()))
    try:
        run(["bash", "scripts/db.sh", "start"], env)
        yield env
    finally:
        subprocess.run(["bash", "scripts/db.sh", "stop"], env=env, cwd=ROOT, capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def server(throwaway_cluster):
    port = throwaway_cluster["GEO_INDI_PGPORT"]
    # The suite's shared cache stays (GEO_INDI_REDIS_PORT): /healthz checks it, and a clone on other ports has none
    # on the default one.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "GEO_INDI_")) or k == "GEO_INDI_REDIS_PORT"}
    env.update(
        DATABASE_URL=f"postgis://postgres@127.0.0.1:{port}/geo_indi",
        DJANGO_SECRET_KEY="crash-test-" + uuid.uuid4().hex * 2,
        GEO_INDI_BIND=f"127.0.0.1:{free_port()}",
        WEB_CONCURRENCY="2",
    )
    manage = [sys.executable, "manage.py"]
    run([*manage, "migrate", "--noinput", "-v0"], env)
    run([*manage, "import_postcode_areas", "tests/data/small_areas.geojson"], env)
    run([*manage, "loaddata", "fixtures/phenomena.json", "-v0"], env)
    token, phenomenon = run([*manage, "shell", "-c", MAKE_REPORTER], env).stdout.splitlines()[-1].split()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log_path = Path(throwaway_cluster["GEO_INDI_PGDATA"]).parent / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(gunicorn), "-c", "scripts/gunicorn.conf.py", "geo_indi.wsgi"], env=env, cwd=ROOT, stdout=log, stderr=log
        )
        try:
            url = f"http://{env['GEO_INDI_BIND']}"
            wait_until_healthy(url)
            yield {"url": url, "token": token, "phenomenon": int(phenomenon), "db_port": port}
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def wait_until_healthy(url):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer {url}/healthz within 60 s")


def post_until_stopped(server, stop, acknowledged, lock):
    session = requests.Session()
    session.headers["Authorization"] = f"Token {server['token']}"
    lat, lon = INSIDE_ALFA
    for _ in range(REQUESTS_PER_CLIENT):
        if stop.is_set():
            return
        client_uuid = str(uuid.uuid4())
        body = {
            "phenomenon": server["phenomenon"], "subject": "person", "direction": "weakens",
            "occurrences": 1, "age_group": "older", "lat": lat, "lon": lon, "client_uuid": client_uuid,
        }
        try:
            response = session.post(f"{server['url']}/api/observations/", json=body, timeout=10)
        except requests.RequestException:
            time.sleep(0.05)
            continue
        if response.status_code == 201:
            with lock:
                acknowledged.append(client_uuid)
        else:
            time.sleep(0.05)


def test_kill_9_of_postgres_loses_no_acknowledged_observation(throwaway_cluster, server):
    port = server["db_port"]
    assert psql(port, "SELECT current_setting('fsync') || current_setting('synchronous_commit') "
                      "|| current_setting('full_page_writes')") == ["ononon"]
    # Statement text (a person's values) stays out of the server log.
    assert psql(port, "SELECT current_setting('log_error_verbosity') || current_setting('log_min_error_statement')") == [
        "tersepanic"
    ]

    stop, lock, acknowledged = threading.Event(), threading.Lock(), []
    clients = [
        threading.Thread(target=post_until_stopped, args=(server, stop, acknowledged, lock)) for _ in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < ACKNOWLEDGED_BEFORE_CRASH and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_CRASH, "the server did not accept observations"

    pgdata = Path(throwaway_cluster["GEO_INDI_PGDATA"])
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGKILL)
    time.sleep(1)
    stop.set()
    for client in clients:
        client.join(timeout=60)
    deadline = time.monotonic() + 60
    while not cluster_processes_gone(pgdata) and time.monotonic() < deadline:
        time.sleep(0.2)
    for _attempt in range(5):  # a backend that has not yet noticed the crash can hold the shared memory briefly
        restart = subprocess.run(["bash", "scripts/db.sh", "start"], env=throwaway_cluster, cwd=ROOT,
                                 capture_output=True, text=True, timeout=300)
        if restart.returncode == 0:
            break
        time.sleep(2)
    assert restart.returncode == 0, restart.stderr + (pgdata / "server.log").read_text()[-3000:]

    stored = set(psql(port, "SELECT client_uuid FROM observations_observation"))
    missing = [u for u in acknowledged if u not in stored]
    assert missing == [], f"{len(missing)} of {len(acknowledged)} acknowledged observations lost"
