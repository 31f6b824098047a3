"""The municipality map as insiders meet it, in Debian's Chromium: no console error and no page error; the layer
control with translated overlays, the legends, the hot spot outlines and their text-only tooltip; the map fitted to
the municipality. Demo data around a fixed day (tests/test_maps_insider_map.py's demo_698, frozen clock)."""
import pytest
from django.conf import settings

from geo_indi.areas.models import Municipality
from geo_indi.maps import queries
from geo_indi.observations.models import Phenomenon
from tests.test_maps_insider_map import XSS_NAME, demo_698, frozen_clock  # noqa: F401  (the fixtures)

pytestmark = pytest.mark.browser

TILE_PREFIX = settings.MAP_TILE_URL.split("{", 1)[0]
DEMO_PASSWORD = "demo-geo-indi"

MAP = """() => { for (const key of Object.keys(window)) {
    if (key.startsWith("map_") && window[key] instanceof L.Map && window[key].getContainer().closest(".map-frame"))
        return key; } return null; }"""


def _watch(page):
    """Console errors and page errors of the page, background tiles (blocked on purpose) left out."""
    problems, dialogs = [], []

    def on_console(message):
        url = (message.location or {}).get("url", "")
        if message.type == "error" and not url.startswith(TILE_PREFIX) and TILE_PREFIX not in message.text:
            problems.append(f"console: {message.text} ({url})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on("requestfailed", lambda r: None if r.url.startswith(TILE_PREFIX) else problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return problems, dialogs


def _open_map(page, live_server, login, username, language="fi"):
    login(page, username, DEMO_PASSWORD)
    page.context.set_extra_http_headers({"Accept-Language": language})
    page.goto(f"{live_server.url}/maps/698/")
    page.wait_for_selector(".map-frame .leaflet-control-layers")
    return page.evaluate(MAP)


def _switch(page, label, on):
    """Open the layer control as a mouse does (hovering it) and switch an overlay on or off."""
    page.locator(".map-frame").scroll_into_view_if_needed()
    page.locator(".map-frame .leaflet-control-layers").hover()
    box = page.get_by_role("checkbox", name=label)
    box.check() if on else box.uncheck()


@pytest.mark.parametrize("username", ["koordinaattori", "hyvinvointialue", "kenttatyo"])
def test_insider_map_works_with_overlays_legends_and_bounds(page_factory, live_server, login, demo_698, username):
    page = page_factory(width=1366, height=900)
    problems, _dialogs = _watch(page)
    name = _open_map(page, live_server, login, username)
    assert name, "no Leaflet map on the page"
    labels = [t.strip() for t in page.locator(".map-frame .leaflet-control-layers label").all_inner_texts()]
    assert labels == ["Taustakartta", "Havainnot alueittain", "Lämpökartta: paikat ja asiat (tarkat sijainnit)",
                      "Kuumat pisteet"], labels
    assert page.locator(".map-frame .map-legend").first.is_visible()
    assert page.locator(".map-frame .hot-spot-legend").is_visible()
    assert page.locator(".map-frame path[stroke='#1a1a1a']").count() >= 1  # the hot spot outlines are drawn

    # Fitted to the municipality: its bounds are inside the view, and the view is not all of Lapland.
    (south, west), (north, east) = queries.bounds(Municipality.objects.get(code="698"))
    view = page.evaluate(f"""() => {{ const b = window["{name}"].getBounds();
        return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast(), window["{name}"].getZoom()]; }}""")
    assert view[0] <= south and view[1] <= west and view[2] >= north and view[3] >= east, view
    assert view[4] >= 7, view

    # The object heat/points overlay toggles on and brings its legend; hot spots toggle off with theirs.
    _switch(page, "Lämpökartta: paikat ja asiat (tarkat sijainnit)", True)
    page.wait_for_selector(".map-frame .heat-legend")
    _switch(page, "Kuumat pisteet", False)
    assert page.locator(".map-frame .hot-spot-legend").count() == 0
    assert page.locator(".map-frame path[stroke='#1a1a1a']").count() == 0
    _switch(page, "Kuumat pisteet", True)
    assert page.locator(".map-frame .hot-spot-legend").is_visible()
    assert problems == [], problems


def test_hot_spot_tooltip_shows_a_phenomenon_name_as_text(page_factory, live_server, login, demo_698, phenomena):
    Phenomenon.objects.filter(pk=phenomena["ilkivalta"].pk).update(name_fi=XSS_NAME, name_sv=XSS_NAME, name_en=XSS_NAME)
    page = page_factory(width=1366, height=900)
    problems, dialogs = _watch(page)
    name = _open_map(page, live_server, login, "koordinaattori")
    assert page.get_by_role("checkbox", name="Kuumat pisteet", include_hidden=True).is_checked()  # on by default
    # Open the tooltip of the renamed phenomenon's outline as a hover on its line does.
    opened = page.evaluate(f"""name => {{ const map = window["{name}"]; let done = false;
        map.eachLayer(l => {{ const p = l.feature && l.feature.properties;
            if (!done && p && p.lines && p.lines.some(t => t.startsWith(name)) && l.options.dashArray) {{
                l.fire("mouseover", {{latlng: l.getBounds().getCenter()}}, true); done = true; }} }});
        return done; }}""", XSS_NAME)
    assert opened, "no hot spot outline of the renamed phenomenon"
    tooltip = page.locator(".leaflet-tooltip .outline-tooltip").first
    tooltip.wait_for()
    assert tooltip.inner_text().startswith("Kuuma piste: ")
    page.wait_for_timeout(300)  # an injected <img src=x> would have failed to load and run its handler by now
    texts = page.locator(".leaflet-tooltip .outline-tooltip div").all_inner_texts()
    assert any(text.startswith(XSS_NAME + ":") for text in texts), texts
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert dialogs == []
    assert problems == [], problems
