"""The watcher itself: it fails a journey on what the issue lists, and lets through only the tile server."""
import pytest

from .conftest import TILE_PREFIX

pytestmark = pytest.mark.browser


def test_watcher_reports_page_errors_console_errors_5xx_and_unanswered_requests(journey_page, demo_server, watcher):
    page = journey_page(800, 600)
    page.goto(f"{demo_server.url}/")
    page.evaluate("() => { setTimeout(() => { throw new Error('boom from the page'); }, 0); }")
    page.evaluate("() => console.error('logged by the page')")
    page.evaluate("(url) => fetch(url).catch(() => null)", "https://cdn.example.org/lib.js")
    # A tile is loaded as the map loads it, as an image (the policy allows the tile server's images).
    page.evaluate("(url) => { const i = new Image(); i.src = url; document.body.append(i); }", TILE_PREFIX + "5/17/8.png")
    page.wait_for_timeout(500)
    with pytest.raises(AssertionError) as seen:
        watcher.check()
    report = str(seen.value)
    assert "on /:" in report  # per page
    assert "boom from the page" in report and "logged by the page" in report
    assert "https://cdn.example.org/lib.js" in report
    assert TILE_PREFIX not in report  # tiles are aborted and excepted
    assert watcher.problems[watcher.reported:] == []  # reported once, so the test's own end is clean


def test_watcher_reports_an_answer_of_500(journey_page, demo_server, watcher):
    page = journey_page(800, 600)
    page.goto(f"{demo_server.url}/")
    page.route("**/healthz", lambda r: r.fulfill(status=503, body="down"))
    page.evaluate("() => fetch('/healthz')")
    page.wait_for_timeout(300)
    with pytest.raises(AssertionError, match="answer 503"):
        watcher.check()
