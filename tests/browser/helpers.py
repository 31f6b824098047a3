"""What the browser tests share: viewport sizes, the field app's gestures, and axe-core.

Pages run under the app's Content-Security-Policy (script-src with a nonce, no
'unsafe-inline', no 'unsafe-eval'), and the app does not serve axe-core. So:
- page.wait_for_function takes an arrow function ("() => ..."), never a bare
  expression (Playwright evaluates a bare one with eval, which the policy blocks);
- axe-core is a test tool: read from node_modules/ and evaluated through the
  DevTools protocol (page.evaluate), which the page's policy does not govern.
  page.add_script_tag would add an inline <script> without the nonce (blocked),
  and /static/vendor/axe-core/ is 404 on purpose.
"""
from functools import lru_cache
from pathlib import Path

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WCAG_AA_AND_BEST_PRACTICE = [*WCAG_AA, "best-practice"]


@lru_cache(maxsize=1)
def _axe_source():
    return AXE.read_text(encoding="utf-8")


def inject_axe(page):
    """Make window.axe available on the current document (no network needed, so also offline)."""
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(_axe_source())
    assert page.evaluate("() => typeof window.axe?.run === 'function'"), "axe-core did not load"


def run_axe(page, tags=WCAG_AA_AND_BEST_PRACTICE, impacts=None):
    """axe-core's violations on the current page, one readable line each.

    impacts=None reports every violation whatever its impact; impacts=("serious", "critical")
    only those."""
    inject_axe(page)
    result = page.evaluate("tags => axe.run(document, { runOnly: tags })", list(tags))
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"] if impacts is None or v["impact"] in impacts
    ]


SERIOUS = ("serious", "critical")


def log_in(page, base_url, username, password="pw-for-tests", next_path=None):
    """Log in through the real login form (the header has its own, language, submit button);
    next_path: where to go afterwards (as from a bookmark), else the role's landing page."""
    page.goto(f"{base_url}/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#main button[type=submit]")
    page.wait_for_load_state("networkidle")


# The field app (/field/).

def open_app(page, live_server, login, username="walker"):
    login(page, username)
    page.goto(f"{live_server.url}/field/")
    page.wait_for_selector("#phenomenon-choices input[name=phenomenon]", state="attached")
    return page


def tap_map_at(page, lat, lon):
    """Tap the field map where (lat, lon) is, as a finger would (scrolling the map into view first)."""
    page.locator("#field-map").scroll_into_view_if_needed()
    x, y = page.evaluate(
        "([lat, lon]) => { const m = document.getElementById('field-app').leafletMap;"
        " const p = m.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon],
    )
    box = page.locator("#field-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def choose(page, input_id):
    page.click(f"label[for='{input_id}']")


def fill_person_observation(page, phenomenon, category=None, count=1, age_group="older", description=""):
    choose(page, f"phenomenon-{phenomenon.pk}")
    if category is not None:
        choose(page, f"category-{category.pk}")
    choose(page, "subject-person")
    choose(page, "direction-weakens")
    for _ in range(count - 1):
        page.click("#occurrences-up")
    page.select_option("#age-group", age_group)
    page.fill("#description", description)
