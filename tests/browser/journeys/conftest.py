"""Journey tests: each role's way through the demo, in Debian's Chromium (Playwright), one clean run per journey.

What every journey shares, declared once here:

- `demo_server`: the demo data set (`load_demo`, then `publish_tables`) loaded ONCE for the whole package into the
  test database, with the clock on the morning of JOURNEY_NOW's day, and a live server on it. The data is committed (the live server's
  threads and the browser see it) and the package's teardown flushes the database, as a transactional test does,
  so the tests after this package start from an empty database. pytest-django's `live_server` is not used on
  purpose: naming it makes every test transactional, which would flush the demo after the first journey.
- `journey_clock`: every test runs at JOURNEY_NOW (time-machine, ticking), also after a global frozen clock lands
  in tests/conftest.py (an autouse fixture of a closer conftest starts later, so its instant wins).
- `watcher` + `journey_page`: every page a journey opens is watched. A console error, a page error (uncaught
  exception), an answer >= 500, or a request that got no answer fails the journey, with the page it happened on.
  Map tiles from the external tile server (settings.MAP_TILE_URL) are aborted and excepted; any other request
  outside the app is aborted too, and so reported. The check runs at the end of the test's body (so that
  `xfail(strict=True)` covers it) and again at teardown for anything that came later.
"""
import contextlib
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test.utils import override_settings

from ..conftest import SHIFTED_DATE, frozen_offset_ms
from ..helpers import log_in

JOURNEY_NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
# The demo is made earlier the same day, so that what a journey records is newer than all of it (lists of
# "latest" records order by creation time, and each journey starts the clock at JOURNEY_NOW again).
DEMO_MADE_AT = JOURNEY_NOW - dt.timedelta(hours=2)
TILE_PREFIX = settings.MAP_TILE_URL.split("{", 1)[0]
DEMO_PASSWORD = "demo-geo-indi"
# Messages the browser logs for a request the watcher already judged (a blocked tile, or one made while offline).
OFFLINE_ERRORS = ("net::ERR_INTERNET_DISCONNECTED", "net::ERR_NAME_NOT_RESOLVED", "net::ERR_NETWORK_CHANGED")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="package")
def demo_server(django_db_setup, django_db_blocker):
    """A live server on the demo data set, loaded once for every journey (see the module docstring)."""
    from pytest_django.live_server_helper import LiveServer

    from django.db import connection

    with contextlib.ExitStack() as stack:
        stack.enter_context(django_db_blocker.unblock())
        # pytest-django creates the test database only when a collected test asks for `db` (here: `watcher`).
        # Never load or flush anything else (a developer's own database).
        name, test_name = connection.settings_dict["NAME"], (connection.settings_dict.get("TEST") or {}).get("NAME")
        if not (name == test_name if test_name else name.startswith("test_")):
            pytest.fail(f"refusing to load the demo into {connection.settings_dict['NAME']!r}: not a test database")
        with time_machine.travel(DEMO_MADE_AT, tick=True), override_settings(
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            call_command("load_demo", stdout=io.StringIO())
            call_command("publish_tables", stdout=io.StringIO())
        cache.clear()
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            cache.clear()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def journey_clock():
    """Every journey runs on 2026-12-03 10:00 in Helsinki, the day the demo data was made on."""
    with time_machine.travel(JOURNEY_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def journey_settings(settings):
    """The demo's logins are hashed with the fast hasher (tests/conftest.py sets the same for every test);
    published tables follow the data at once, so what a journey records shows on the next page."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PUBLICATION_REFRESH_SECONDS = 0


def _where(request) -> str:
    """The page a request was made from (a service worker's own requests have no frame)."""
    try:
        return request.frame.url
    except Exception:  # noqa: BLE001 - Playwright raises for requests outside a frame
        return request.url


class Watcher:
    """Collects what went wrong on each watched page; `check()` fails with all of it, page by page."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.problems: list[tuple[str, str]] = []
        self.reported = 0
        self._offline_contexts: set = set()

    def _add(self, where: str, what: str) -> None:
        self.problems.append((where.replace(self.base_url, "") or "/", what))

    def watch_context(self, context) -> None:
        def route(r):
            url = r.request.url
            if url.startswith(self.base_url):
                r.continue_()
            else:
                r.abort()  # never the network; tiles are excepted in requestfailed below

        context.route("**/*", route)
        context.on("page", self.watch_page)
        context.on("response", lambda r: r.status >= 500 and self._add(
            _where(r.request), f"answer {r.status} to {r.request.method} {r.url}"))

        def failed(request):
            if request.url.startswith(TILE_PREFIX):
                return
            if context in self._offline_contexts and any(e in (request.failure or "") for e in OFFLINE_ERRORS):
                return  # sent while the journey had the phone offline: the app's queue is what is tested
            if request.failure == "net::ERR_ABORTED" and request.resource_type == "document" \
                    and request.url.startswith(self.base_url):
                return  # a download: Chromium ends the navigation and saves the file (checked by the journey)
            self._add(_where(request), f"no answer to {request.method} {request.url} ({request.failure})")

        context.on("requestfailed", failed)

    def watch_page(self, page) -> None:
        page.on("pageerror", lambda exc: self._add(page.url, f"page error: {exc}"))

        def console(msg):
            if msg.type != "error":
                return
            source = (msg.location or {}).get("url", "")
            if source.startswith(TILE_PREFIX):
                return  # the blocked tile's request, excepted above
            if page.context in self._offline_contexts and any(e in msg.text for e in OFFLINE_ERRORS):
                return
            self._add(page.url, f"console error: {msg.text[:300]}")

        page.on("console", console)

    @contextlib.contextmanager
    def offline(self, page):
        """The phone loses its connection inside the block and gets it back at its end."""
        context = page.context
        self._offline_contexts.add(context)
        context.set_offline(True)
        page.wait_for_function("() => !navigator.onLine")
        try:
            yield
        finally:
            context.set_offline(False)
            page.wait_for_function("() => navigator.onLine")
            self._offline_contexts.discard(context)

    def check(self) -> None:
        new, self.reported = self.problems[self.reported:], len(self.problems)
        if new:
            by_page: dict[str, list[str]] = {}
            for where, what in new:
                by_page.setdefault(where, []).append(what)
            raise AssertionError("the journey met problems:\n" + "\n".join(
                f"  on {where}:\n" + "\n".join(f"    - {w}" for w in dict.fromkeys(whats))
                for where, whats in by_page.items()))


@pytest.fixture
def watcher(demo_server, db):
    """The one watcher of a journey. `db` makes pytest-django create the test database (it does so only for
    tests that ask for it) and keeps the test's own queries in a transaction that is rolled back; the live
    server's writes are committed and seen by the test's reads (PostgreSQL's READ COMMITTED)."""
    watch = Watcher(demo_server.url)
    yield watch
    watch.check()  # what arrived after the test's body (its own check ran in pytest_runtest_call below)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test's body (not its teardown) on what the watcher saw, so xfail(strict=True) applies to it."""
    watch = item.funcargs.get("watcher")
    try:
        result = yield
    except BaseException:
        if watch is not None and watch.problems[watch.reported:]:
            try:  # the body's own failure is the headline; what the watcher saw is printed beside it
                watch.check()
            except AssertionError as seen:
                print(seen)
        raise
    if watch is not None:
        watch.check()
    return result


@pytest.fixture
def journey_page(browser, watcher):
    """journey_page(width, height, **context options) -> a watched page in a new browser context (Finnish)."""
    contexts = []

    def make(width=1366, height=768, **kwargs):
        kwargs.setdefault("locale", "fi-FI")
        kwargs.setdefault("timezone_id", "Europe/Helsinki")
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True, **kwargs)
        # The browser's Date on the journey's clock too: a phone that reads the real date would send records
        # from "the future" of the frozen server (tests/browser/conftest.py explains the shift).
        context.add_init_script(SHIFTED_DATE % frozen_offset_ms())
        contexts.append(context)
        watcher.watch_context(context)
        page = context.new_page()  # watched through the context's "page" event
        page.set_default_timeout(20000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in(demo_server):
    """sign_in(page, username, next_path=None): through the real login form, with the demo's password."""

    def do(page, username, next_path=None, password=DEMO_PASSWORD):
        log_in(page, demo_server.url, username, password, next_path)
        assert "/accounts/login/" not in page.url, f"{username} could not log in"

    return do
