"""No web worker starts a thread (issue 24): background work runs in the job worker, never in a request.

Every main page and API without a parameter, as each role, served in-process with the serving thread's view of
the process before and after; and a scan of geo_indi/'s source for anything that starts a thread or a process
outside the job worker (geo_indi/jobs)."""
import ast
import threading
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from .conftest import INSIDE_ALFA

ROOT = Path(__file__).resolve().parents[1]
# What starts a thread or a process, by the name it is called with (threading.Thread(...) or Thread(...)).
STARTERS = {"Thread", "Timer", "ThreadPoolExecutor", "ProcessPoolExecutor", "start_new_thread", "Process", "Pool"}
STARTER_MODULES = {"_thread", "concurrent.futures", "multiprocessing", "multiprocessing.pool"}
ALLOWED = ROOT / "geo_indi" / "jobs"
# Not pages: they change the session or only answer POST.
SKIPPED = {"accounts/logout/", "i18n/setlang/", "analysis/groups/start/", "analysis/groups/search/group/",
           "indicators/links/confirm/"}
ROLES = (None, "field_698", "coord_698", "admin")


def page_paths():
    """Every URL pattern without a parameter (the REST router's regexes included), with /ogcapi/'s collections."""
    def walk(patterns, prefix):
        for pattern in patterns:
            text = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, text)
            elif isinstance(pattern, URLPattern) and "<" not in text and "(?P" not in text and "\\" not in text:
                yield text

    paths = {"/" + path for path in walk(get_resolver().url_patterns, "") if path not in SKIPPED}
    return sorted(paths | {"/ogcapi/collections/observations/items", "/ogcapi/collections/municipalities/items"})


def test_the_page_list_covers_the_main_pages_and_apis():
    paths = page_paths()
    assert len(paths) > 50
    for path in ("/", "/maps/", "/field/", "/api/observations/", "/api/phenomena/", "/ogcapi/collections",
                 "/indicators/", "/analysis/groups/", "/questions/", "/admin/", "/healthz"):
        assert path in paths, path


@pytest.mark.django_db
def test_serving_every_page_and_api_of_every_role_starts_no_thread(client, users, record, monkeypatch):
    for _ in range(6):
        record(*INSIDE_ALFA)
    paths = page_paths()
    before = set(threading.enumerate())
    started, start = [], threading.Thread.start

    def recording_start(thread):  # a thread that ends before the check below is seen starting here
        started.append(thread.name)
        return start(thread)

    monkeypatch.setattr(threading.Thread, "start", recording_start)
    served = {}
    for role in ROLES:
        client.logout()
        if role:
            client.force_login(users[role])
        for path in paths:
            response = client.get(path, HTTP_ACCEPT_LANGUAGE="fi")
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)  # the test client closes it when read, as a server would
            served[(role, path)] = response.status_code
    assert sum(status == 200 for status in served.values()) > 100
    errors = {key: status for key, status in served.items() if status >= 500}
    assert not errors, errors
    assert started == []
    assert set(threading.enumerate()) == before, [t.name for t in set(threading.enumerate()) - before]


def starts(path):
    """(line, what) for every call or import in a file that starts a thread or a process."""
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in STARTERS:
                found.append((node.lineno, name))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name in STARTER_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module in STARTER_MODULES:
            found.append((node.lineno, node.module))
    return found


def test_no_source_outside_the_job_worker_starts_a_thread():
    found = {f"{path.relative_to(ROOT)}:{line}": what
             for path in sorted((ROOT / "geo_indi").rglob("*.py")) if ALLOWED not in path.parents
             for line, what in starts(path)}
    assert not found, found


def test_the_scan_sees_a_thread_started(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import threading\nfrom concurrent.futures import ThreadPoolExecutor\n"
                      "threading.Thread(target=print).start()\nThreadPoolExecutor(2)\n")
    assert sorted(starts(sample)) == [(2, "concurrent.futures"), (3, "Thread"), (4, "ThreadPoolExecutor")]
