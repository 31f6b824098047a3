"""The production server as `make demo` runs it (gunicorn with scripts/gunicorn.conf.py, DEBUG off)."""
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
BBOX = "25.093,66.047,25.107,66.053"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_gunicorn(tmp_path, workers=1, extra_env=None, extra_args=()):
    """gunicorn (scripts/gunicorn.conf.py) on a free port against the test database; yields (base url, log path)."""
    test_db = settings.DATABASES["default"]
    bind = f"127.0.0.1:{free_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"postgis://{test_db['USER']}@{test_db['HOST']}:{test_db['PORT']}/{test_db['NAME']}",
        DJANGO_SECRET_KEY="server-test-" + uuid.uuid4().hex * 2,
        GEO_INDI_BIND=bind,
        WEB_CONCURRENCY=str(workers),
    )
    env.update(extra_env or {})
    if test_db.get("PASSWORD"):
        env["PGPASSWORD"] = test_db["PASSWORD"]
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "scripts/gunicorn.conf.py", *extra_args,
             "geo_indi.wsgi"],
            env=env, cwd=ROOT, stdout=log, stderr=log,
        )
        try:
            url = f"http://{bind}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    requests.get(f"{url}/healthz", timeout=10)
                    break
                except requests.RequestException:
                    time.sleep(0.2)
            yield url, log_path
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


@pytest.fixture
def gunicorn(db, tmp_path):
    """gunicorn on a free port against the test database; yields (base url, path of its log)."""
    with serve_gunicorn(tmp_path) as served:
        yield served


def test_access_log_has_paths_without_query_strings(gunicorn):
    url, log_path = gunicorn
    assert requests.get(f"{url}/healthz?bbox={BBOX}", timeout=10).status_code == 200
    assert requests.get(f"{url}/no-such-page?bbox={BBOX}", timeout=10).status_code == 404
    time.sleep(0.5)
    log = log_path.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in log
    assert '"GET /no-such-page HTTP/1.1" 404' in log
    assert "bbox" not in log and "66.05" not in log


def test_server_runs_with_debug_off_and_serves_no_test_tools(gunicorn):
    url, _log = gunicorn
    missing = requests.get(f"{url}/no-such-page", timeout=10)
    assert "URLconf" not in missing.text  # Django's DEBUG 404 page names the URLconf
    assert requests.get(f"{url}/static/vendor/axe-core/axe.min.js", timeout=10).status_code == 404
