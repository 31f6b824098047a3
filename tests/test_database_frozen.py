"""A frozen database (the server stopped as by SIGSTOP: sockets open, nothing answered) gives 503s within 5 s.

A TCP relay on a thread of the test stands between a real gunicorn and the test PostGIS. Frozen, it stops
forwarding and keeps every socket open; the kernel still accepts new connections and acknowledges what is
sent, so neither the server's statement timeout nor TCP keepalives can end a wait: only the client's own
deadlines (geo_indi/core/postgis) and the connect timeout do."""
import selectors
import socket
import threading
import time

import pytest
import requests
from django.conf import settings

from .test_operations_server import serve_gunicorn


class FreezableRelay:
    """Forwards 127.0.0.1:<port> to the database; freeze() stops all forwarding, thaw() resumes it."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.listener.getsockname()[1]
        self.frozen = threading.Event()
        self.stopping = threading.Event()
        self.pairs = {}
        self.thread = threading.Thread(target=self._run, name="test-database-relay", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(10)
        for sock in [self.listener, *self.pairs]:
            sock.close()

    def freeze(self):
        self.frozen.set()

    def thaw(self):
        self.frozen.clear()

    def _run(self):
        selector = selectors.DefaultSelector()
        selector.register(self.listener, selectors.EVENT_READ)
        while not self.stopping.is_set():
            if self.frozen.is_set():
                time.sleep(0.05)  # nothing read, nothing accepted: the peers' data waits in the kernel
                continue
            for key, _ in selector.select(timeout=0.05):
                if key.fileobj is self.listener:
                    client, _ = self.listener.accept()
                    upstream = socket.create_connection(self.target)
                    self.pairs[client], self.pairs[upstream] = upstream, client
                    selector.register(client, selectors.EVENT_READ)
                    selector.register(upstream, selectors.EVENT_READ)
                    continue
                source = key.fileobj
                try:
                    data = source.recv(65536)
                except OSError:
                    data = b""
                if data:
                    self.pairs[source].sendall(data)
                    continue
                for sock in (source, self.pairs[source]):
                    selector.unregister(sock)
                    sock.close()
                    self.pairs.pop(sock)
        selector.close()


def timed_get(url):
    started = time.monotonic()
    response = requests.get(url, timeout=30)
    return response, time.monotonic() - started


@pytest.mark.django_db
def test_a_frozen_database_is_a_503_within_5_seconds_healthz_answers_and_thawing_serves_again(tmp_path):
    test_db = settings.DATABASES["default"]
    with FreezableRelay((test_db["HOST"], int(test_db["PORT"]))) as relay:
        database_url = f"postgis://{test_db['USER']}@127.0.0.1:{relay.port}/{test_db['NAME']}"
        with serve_gunicorn(tmp_path, extra_env={"DATABASE_URL": database_url, "GUNICORN_THREADS": "2"}) as (url, _):
            for path in ("/healthz", "/api/phenomena/", "/healthz", "/api/phenomena/"):  # kept-alive connections
                assert requests.get(url + path, timeout=10).status_code == 200, path

            relay.freeze()
            for path in ("/api/phenomena/", "/healthz", "/api/phenomena/", "/healthz"):
                response, seconds = timed_get(url + path)
                assert seconds < 5, (path, seconds)
                assert response.status_code == 503, (path, response.text)
                assert int(response.headers["Retry-After"]) > 0
                if path == "/healthz":
                    assert response.json() == {"status": "unavailable", "failing": ["database"]}
                else:
                    assert response.json()["code"] == "database_unavailable"

            relay.thaw()
            deadline, answers = time.monotonic() + 30, {}
            while time.monotonic() < deadline:
                answers = {path: requests.get(url + path, timeout=10) for path in ("/healthz", "/api/phenomena/")}
                if all(r.status_code == 200 for r in answers.values()):
                    break
                time.sleep(0.5)
            assert {path: r.status_code for path, r in answers.items()} == {"/healthz": 200, "/api/phenomena/": 200}
            assert answers["/healthz"].json()["database"] == "ok"
