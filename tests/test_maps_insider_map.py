"""The municipality map of an insider: every overlay declared before the layer control, translated overlay names,
hot spots drawn as outlines with a text-only tooltip, and no hot spot made of one or two observations.

The demo data is drawn around a fixed day (TODAY) under a frozen clock: the hot spots' window ends on it.
"""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import folium
import pytest
import time_machine

from geo_indi.accounts.demo import ensure_demo_accounts
from geo_indi.analysis import hotspots
from geo_indi.areas.models import Municipality
from geo_indi.maps import rendering
from geo_indi.observations.demo import load_demo_observations
from geo_indi.observations.models import Phenomenon

TODAY = dt.date(2026, 6, 15)
NOON = dt.datetime(2026, 6, 15, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
XSS_NAME = "<img src=x onerror=alert(1)>"


@pytest.fixture
def frozen_clock():
    with time_machine.travel(NOON, tick=True):
        yield TODAY


@pytest.fixture
def demo_698(frozen_clock, lapland_geography, phenomena):
    """Rovaniemi (698) with the demo's 1000 observations around TODAY; its vandalism cluster is a hot spot."""
    ensure_demo_accounts()
    load_demo_observations(count=1000, seed=2024, today=TODAY)
    return Municipality.objects.get(code="698")


def _map_script(html):
    """The folium script of the page's main map (the one with the layer control)."""
    scripts = re.findall(r"<script nonce=\"[^\"]*\">(.*?)</script>", html, flags=re.S)
    return next(s for s in scripts if "L.control.layers(" in s)


def _assert_declared_before_the_control(script):
    control_at = script.index("L.control.layers(")
    overlays = script[script.index("overlays", script.rindex("_layers = {", 0, control_at)):control_at]
    names = re.findall(r":\s*([a-z_]+_[0-9a-f]{32})", overlays)
    assert names, overlays
    for name in names:
        declared = re.search(rf"\b(?:var|let|const) {name}\b", script)
        assert declared and declared.start() < control_at, f"{name} is used by the layer control before it is declared"
    return re.findall(r'"([^"]+)"\s*:\s*[a-z_]+_[0-9a-f]{32}', overlays)


def test_a_layer_added_after_the_map_is_built_is_declared_before_the_layer_control(db):
    """A receiver of municipality_map_built adds its layer after build_map added the layer control."""
    m = folium.Map(location=[66.5, 25.7], zoom_start=8, tiles=None)
    folium.GeoJson({"type": "FeatureCollection", "features": []}, name="Areas").add_to(m)
    folium.LayerControl().add_to(m)
    folium.GeoJson({"type": "FeatureCollection", "features": []}, name="Added later").add_to(m)
    script = rendering.embedded_map(m, with_heat=False).js
    assert _assert_declared_before_the_control(script) == ["Areas", "Added later"]


def test_insider_map_has_translated_overlays_declared_before_the_control(client, demo_698, django_user_model):
    for username in ("koordinaattori", "hyvinvointialue", "kenttatyo"):
        client.force_login(django_user_model.objects.get(username=username))
        html = client.get("/maps/698/", HTTP_ACCEPT_LANGUAGE="fi").content.decode()
        script = _map_script(html)
        labels = _assert_declared_before_the_control(script)
        assert "Kuumat pisteet" in labels, (username, labels)
        assert "hot-spots" not in script
        assert ".fitBounds(" in script
    english = _map_script(client.get("/maps/698/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Hot spots" in _assert_declared_before_the_control(english)


def test_hot_spot_tooltip_carries_the_name_as_text(client, demo_698, phenomena, django_user_model):
    Phenomenon.objects.filter(pk=phenomena["ilkivalta"].pk).update(name_fi=XSS_NAME, name_sv=XSS_NAME, name_en=XSS_NAME)
    spots = hotspots.compute_hot_spots(demo_698, TODAY)
    outlines = hotspots.hot_spot_outlines(demo_698, spots)
    lines = [line for f in outlines["features"] for line in f["properties"]["lines"]]
    assert any(line.startswith(XSS_NAME + ":") for line in lines)
    client.force_login(django_user_model.objects.get(username="koordinaattori"))
    html = client.get("/maps/698/").content.decode()
    script = _map_script(html)
    assert "<img" not in script  # JSON in the script escapes "<" (\u003c)
    assert ".innerHTML" not in script[script.index("outline_layer_"):]
    assert "textContent" in script
    assert XSS_NAME not in html  # the hot spot table escapes it too
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_hot_spots_of_one_or_two_observations_are_not_shown(client, demo_698, settings, django_user_model):
    settings.HOT_SPOT_MIN_OBSERVATIONS = 1
    every = hotspots.compute_hot_spots(demo_698, TODAY)
    assert any(s.recent < 3 for s in every)  # the demo has them: the rule below is not idle
    settings.HOT_SPOT_MIN_OBSERVATIONS = 3
    shown = hotspots.compute_hot_spots(demo_698, TODAY)
    assert shown and all(s.recent >= 3 for s in shown)
    assert {(s.phenomenon_id, s.postcode_area_id) for s in shown} == {
        (s.phenomenon_id, s.postcode_area_id) for s in every if s.recent >= 3}
    client.force_login(django_user_model.objects.get(username="koordinaattori"))
    html = client.get("/maps/698/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count('class="hot-spot"') == len(shown)
    assert "at least 3 observations of their own" in html
