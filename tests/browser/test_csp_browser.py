"""Every page type under the Content-Security-Policy in Chromium: nothing is blocked, every script runs."""
import datetime as dt

import pytest

from tests.conftest import INSIDE_ALFA

from .helpers import SERIOUS, WCAG_AA, run_axe

pytestmark = pytest.mark.browser

# Collects what the browser blocks, before any script of the page runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""

ANONYMOUS_PAGES = [
    ("/", "#map .leaflet-pane"),
    ("/accounts/login/", "#id_username"),
    ("/maps/", "path.leaflet-interactive"),
    ("/maps/698/", "path.leaflet-interactive"),
    ("/maps/698/report/", "path.leaflet-interactive"),
    ("/maps/698/map.html", "path.leaflet-interactive"),
    ("/indicators/", "main h1"),
    ("/api/docs/", "h1"),
    ("/ogcapi/?f=html", "main h1"),
    ("/ogcapi/collections/municipalities/items?f=html", "main"),
]
# ReDoc's bundle always shows a Redocly logo from its CDN; blocking it is the point (no outside requests).
INTENDED_BLOCKS = ("img-src blocked https://cdn.redoc.ly/",)
SIGNED_IN_PAGES = {
    "walker": [("/field/", "#phenomenon-choices input[name=phenomenon]"), ("/accounts/profile/", "#id_name"),
               ("/accounts/qgis/", "#qgis-url")],
    "root": [("/admin/", "#content"), ("/admin/audit/auditevent/", "#changelist"),
             ("/admin/accounts/organisation/add/", "#organisation_form")],
}


@pytest.fixture
def observations(record):
    for _ in range(6):
        record(*INSIDE_ALFA, observed_on=dt.date(2026, 1, 10))
    record(66.02, 25.05, subject="object", phenomenon="ilkivalta", observed_on=dt.date(2026, 2, 5))


def visit(page, base, url, ready):
    page.goto(f"{base}{url}", wait_until="networkidle")
    page.wait_for_selector(ready, state="attached")
    return [v for v in page.evaluate("() => window.__cspViolations") if not v.startswith(INTENDED_BLOCKS)]


def watched_page(page_factory):
    page = page_factory()
    page.context.add_init_script(LISTEN)
    page.console_csp = []
    page.script_errors = []
    page.on("console", lambda m: m.type == "error" and "Content Security Policy" in m.text
            and "cdn.redoc.ly" not in m.text and page.console_csp.append(m.text))
    page.on("pageerror", lambda exc: page.script_errors.append(str(exc)))
    return page


def test_no_page_type_violates_the_content_security_policy(page_factory, live_server, login, users, walker, observations):
    problems = {}
    browsers = []
    for username, pages in [(None, ANONYMOUS_PAGES), *SIGNED_IN_PAGES.items()]:
        page = watched_page(page_factory)
        browsers.append(page)
        if username:
            login(page, username)
        for url, ready in pages:
            violations = visit(page, live_server.url, url, ready)
            if violations:
                problems[f"{username or 'anonymous'} {url}"] = violations
    assert problems == {}
    assert [m for page in browsers for m in page.console_csp + page.script_errors] == []


def test_an_injected_inline_script_is_blocked(page_factory, live_server, small_geography):
    """The policy is enforced, not only sent: a script without the nonce does not run."""
    page = watched_page(page_factory)
    page.goto(f"{live_server.url}/maps/", wait_until="networkidle")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true';"
        " document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.__ran === undefined")
    assert any("script-src" in v for v in page.evaluate("() => window.__cspViolations"))


def test_profile_page_makes_a_token_and_has_no_serious_accessibility_violations(page_factory, live_server, login, walker):
    page = watched_page(page_factory)
    login(page, "walker")
    page.goto(f"{live_server.url}/accounts/profile/")
    page.fill("#id_name", "QGIS")
    page.click("main button[type=submit]")
    key = page.input_value("#new-token")
    assert len(key) == 40
    assert run_axe(page, WCAG_AA, impacts=SERIOUS) == []
    assert page.evaluate("() => window.__cspViolations") == []


def test_connect_qgis_page_is_reached_from_the_profile_without_serious_accessibility_violations(
        page_factory, live_server, login, walker):
    page = watched_page(page_factory)
    login(page, "walker")
    page.goto(f"{live_server.url}/accounts/profile/")
    page.click("main a[href='/accounts/qgis/']")
    page.wait_for_selector("#qgis-username")
    assert page.inner_text("#qgis-url") == f"{live_server.url}/ogcapi"
    assert page.inner_text("#qgis-username") == "walker"
    assert run_axe(page, WCAG_AA, impacts=SERIOUS) == []
    assert page.evaluate("() => window.__cspViolations") == []
