"""Real-browser tests: Playwright for Python driving Debian's Chromium (headless).

Outside requests (anything not to the live server) are blocked, so the pages
must work with every script, style and icon served by the app itself.
Pages run under the app's Content-Security-Policy (no 'unsafe-eval'): give
page.wait_for_function an arrow function ("() => ..."), not a bare expression.
Shared gestures and axe-core (injected from node_modules/, never served) are in helpers.py.
"""
import os
import shutil

import pytest

from .helpers import log_in

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync",
]

pytestmark = pytest.mark.browser

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
        context = browser.new_context(viewport={"width": width, "height": height}, **kwargs)
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
