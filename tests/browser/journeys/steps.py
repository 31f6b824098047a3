"""What several journeys look at: the Leaflet maps a page drew, and a municipality's extent to compare them with."""
from django.db import connection

# The Leaflet map inside `selector` (folium declares each map as a global `var map_…`): its view, what it drew,
# its layer control's overlay labels, whether it has a legend, and the hot spot outlines on it (GeoJSON features
# with `postcode` and `lines` properties, see geo_indi/analysis/hotspots.py: hot_spot_outlines).
MAP_STATE = """(selector) => {
  const frame = document.querySelector(selector);
  if (!frame || !window.L) return null;
  const map = Object.values(window).find((v) => v instanceof L.Map && frame.contains(v.getContainer()));
  if (!map) return null;
  const b = map.getBounds();
  const hot = new Set();
  map.eachLayer((l) => { const p = l.feature && l.feature.properties; if (p && 'lines' in p && p.postcode) hot.add(p.postcode); });
  return {
    zoom: map.getZoom(),
    bounds: [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()],
    overlays: [...frame.querySelectorAll('.leaflet-control-layers-overlays label')].map((l) => l.textContent.trim()),
    legend: !!frame.querySelector('.map-legend') && frame.querySelector('.map-legend').offsetParent !== null,
    areas: frame.querySelectorAll('path.leaflet-interactive').length,
    hot_spots: [...hot].sort(),
  };
}"""


def map_state(page, selector=".map-frame"):
    """The state of the map inside `selector` once it has drawn its areas (None: no Leaflet map there)."""
    page.wait_for_selector(f"{selector} path.leaflet-interactive", state="attached")
    return page.evaluate(MAP_STATE, selector)


def municipality_extent(code: str) -> tuple[float, float, float, float]:
    """(south, west, north, east) of a municipality in WGS 84, from PostGIS."""
    with connection.cursor() as cur:
        cur.execute("SELECT ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e) FROM (SELECT ST_Extent(ST_Transform(geom, 4326))"
                    " AS e FROM areas_municipality WHERE code = %s) s", [code])
        return cur.fetchone()


def assert_map_shows(state, extent, what="the map"):
    """The map's view holds the whole extent and is not much larger (fitBounds ran: not Lapland at zoom 5)."""
    assert state is not None, f"{what}: no Leaflet map drawn"
    south, west, north, east = state["bounds"]
    s, w, n, e = extent
    tolerance = 0.02
    assert south <= s + tolerance and west <= w + tolerance and north >= n - tolerance and east >= e - tolerance, (
        f"{what}: view {state['bounds']} does not hold the extent {extent}")
    # fitBounds makes the extent fill the map in its tighter dimension (the other follows the frame's aspect):
    # a zoom level less would halve it, so past 2.5× the map was not fitted (Lapland at zoom 5 is ~20×).
    assert min((north - south) / (n - s), (east - west) / (e - w)) <= 2.5, (
        f"{what}: view {state['bounds']} (zoom {state['zoom']}) is far larger than the extent {extent}")


MAIN_MAP = ".maps-layout .map-frame"


def assert_insider_map(page, code: str) -> dict:
    """An insider's municipality map as the issue asks: drawn, fitted to the municipality, a legend, a layer
    control with named overlays, and every hot spot listed under the map outlined on it."""
    state = map_state(page, MAIN_MAP)
    assert_map_shows(state, municipality_extent(code), f"the insider map of {code}")
    assert state["legend"], "no legend on the map"
    assert state["overlays"], "no layer control with overlays"
    assert "hot-spots" not in state["overlays"], "an overlay is labelled with a raw identifier"
    listed = sorted({t.split()[0] for t in page.locator("#hot-spots tr.hot-spot td:nth-child(2)").all_inner_texts()})
    if listed:
        assert "Kuumat pisteet" in state["overlays"], state["overlays"]
        assert state["hot_spots"] == listed, "the hot spots listed are not the ones outlined on the map"
    return state
