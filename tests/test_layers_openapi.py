"""OpenAPI 3 schema lists the layer downloads; the ReDoc page is served from /static/ (no CDN)."""
import re

from django.contrib.staticfiles import finders

from .test_layers_fixtures import LAYER_IDS


def test_schema_lists_every_layer_download(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for layer in LAYER_IDS:
        for extension, media_type in (("geojson", "application/geo+json"), ("csv", "text/csv"),
                                      ("gpkg", "application/geopackage+sqlite3")):
            operation = schema["paths"][f"/api/layers/{layer}.{extension}"]["get"]
            assert {p["name"] for p in operation["parameters"]} >= {
                "bbox", "datetime", "phenomenon", "category", "direction", "municipality"}
            assert media_type in operation["responses"]["200"]["content"]


def test_docs_page_is_self_hosted(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources and not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    assert "img-src 'self' data:" in html and "connect-src 'self'" in html
    scripts = [s for s in sources if s.endswith(".js")]
    assert scripts
    for src in scripts:
        if src.startswith("/static/"):
            assert finders.find(src.removeprefix("/static/")), src
            continue
        # ReDoc's bundle, served with its one outside address (its logo on cdn.redoc.ly) made inline
        bundle = client.get(src)
        assert bundle.status_code == 200 and bundle["Content-Type"].startswith("text/javascript"), src
        text = bundle.content.decode()
        assert "Redoc" in text and "cdn.redoc.ly" not in text
