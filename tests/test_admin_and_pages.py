import re

import pytest


def outside_urls(html):
    return [u for u in re.findall(r'(?:src|href)="(https?://[^"]+)"', html)]


def test_home_page_serves_everything_itself(client, small_geography):
    html = client.get("/").content.decode()
    assert outside_urls(html) == []
    assert "/static/vendor/leaflet/leaflet.js" in html
    outlines = client.get("/areas/municipalities.geojson").json()
    assert sorted(f["properties"]["code"] for f in outlines["features"]) == ["320", "698"]
    lon, lat = outlines["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 19 < lon < 32 and 59 < lat < 71  # WGS 84 longitude, latitude


@pytest.mark.parametrize("path", ["/admin/areas/postcodearea/{pk}/change/", "/admin/areas/municipality/{mpk}/change/"])
def test_admin_map_widgets_use_local_openlayers(admin_client, small_geography, path):
    from geo_indi.areas.models import PostcodeArea

    area = PostcodeArea.objects.first()
    html = admin_client.get(path.format(pk=area.pk, mpk=area.municipality_id)).content.decode()
    assert "vendor/ol/dist/ol.js" in html
    assert outside_urls(html) == []
