"""The shared cache (Redis, settings.CACHES): what one server process counts or computes, the others see."""
import re
import threading
from collections import Counter

import pytest
import requests
from django.core.cache import cache

from geo_indi.core.cache import clear_database_namespace, make_key

from .test_operations_server import serve_gunicorn

LIMIT = 7
WORKERS = 3


def test_the_cache_is_redis_and_keys_name_their_database(db):
    from django.conf import settings
    from django.db import connection

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    cache.set("probe", 41)
    assert cache.incr("probe") == 42
    assert make_key("probe", "p", 1) == f"p:{connection.settings_dict['NAME']}:1:probe"
    assert clear_database_namespace() >= 1
    assert cache.get("probe") is None


@pytest.mark.django_db(transaction=True)
def test_a_limit_of_n_per_minute_lets_n_requests_through_several_gunicorn_workers(tmp_path):
    """Fresh connections, concurrent, against 3 real gunicorn workers: exactly LIMIT get 200, the rest 429
    (with the per-process cache Django uses when CACHES is not set, about workers × LIMIT got through)."""
    env = {"THROTTLE_API_ANON": f"{LIMIT}/minute", "GUNICORN_THREADS": "2"}
    # The access log with the answering process's id, to see that several workers took part.
    with serve_gunicorn(tmp_path, workers=WORKERS, extra_env=env,
                        extra_args=["--access-logformat", "pid=%(p)s %(U)s %(s)s"]) as (url, log_path):
        statuses = []
        lock = threading.Lock()

        def client():
            for _ in range(6):
                with requests.Session() as session:  # a new connection each time: any worker may accept it
                    status = session.get(f"{url}/api/phenomena/", headers={"Connection": "close"}, timeout=30).status_code
                with lock:
                    statuses.append(status)

        threads = [threading.Thread(target=client) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    counted = Counter(statuses)
    assert counted == {200: LIMIT, 429: 36 - LIMIT}, counted
    answering = set(re.findall(r"pid=<(\d+)> /api/phenomena/", log_path.read_text()))
    assert len(answering) >= 2, log_path.read_text()[-2000:]
