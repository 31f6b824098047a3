"""Real-browser tests: Playwright for Python driving Debian's Chromium (headless).

Outside requests (anything not to the live server) are blocked, so the pages
must work with every script, style and icon served by the app itself.
Pages run under the app's Content-Security-Policy (no 'unsafe-eval'): give
page.wait_for_function an arrow function ("() => ..."), not a bare expression.
Shared gestures and axe-core (injected from node_modules/, never served) are in helpers.py.

The clock: the live server runs in this process, so it reads the suite's frozen clock (tests/clock.py).
Every context's `Date` is shifted to the same instant (an init script: `Date.now()` and `new Date()`
are the browser's real time plus the offset between the frozen clock and the real one, read through
time-machine's escape hatch) and the context runs in the server's time zone, so the pages' `new Date()`
agrees with the server's today and flows on with it. Not Playwright's `clock.install()`: its fake
timers and `performance` kept Leaflet's layer control from opening on hover (test_map_tiles_browser.py
failed with it); timers stay real here. Cookies: Django sends Max-Age with every cookie it sets (session, CSRF, language), and Chromium
expires a cookie by Max-Age counted from its own receipt, not by the Expires date computed from the
frozen clock, so a frozen date weeks or years from the real one does not log anybody out
(test_clock_browser.py proves both).
"""
import os
import shutil

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from .helpers import log_in

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync",
]

pytestmark = pytest.mark.browser

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Date shifted by an offset (ms), everything else real. Runs before the page's own scripts, outside its CSP.
SHIFTED_DATE = """(() => {
  const offset = %d, RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) { if (args.length) super(...args); else super(RealDate.now() + offset); }
    static now() { return RealDate.now() + offset; }
  }
  globalThis.Date = ShiftedDate;
})();"""


def frozen_offset_ms():
    """How far the frozen clock (tests/clock.py) is from the real one, in milliseconds."""
    hatch = time_machine.escape_hatch
    return round((timezone.now().timestamp() - hatch.time.time()) * 1000) if hatch.is_travelling() else 0


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_factory(browser, live_server):
    """page_factory(width=1280, height=800) -> a page whose requests outside the live server are aborted."""
    contexts = []

    def make(width=1280, height=800, **kwargs):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      **{"timezone_id": settings.TIME_ZONE, **kwargs})
        context.add_init_script(SHIFTED_DATE % frozen_offset_ms())  # see the module docstring
        contexts.append(context)
        outside = []

        def route(r):
            if r.request.url.startswith(live_server.url):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.outside_requests = outside
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def login(live_server):
    """login(page, username, password) through the real login form."""

    def do(page, username, password="pw-for-tests"):
        log_in(page, live_server.url, username, password)

    return do


@pytest.fixture
def walker(organisations, make_member, phenomena):
    """A field worker of Rovaniemi's organisation (municipality 698: postcode areas 99001 and 99002)."""
    return make_member("walker", organisations["698"])
