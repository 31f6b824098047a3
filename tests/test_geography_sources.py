"""Statistics Finland WFS download (against a local HTTP server) and the synthetic Lapland."""
import http.server
import json
import threading
from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import CommandError, call_command

from geo_indi.areas import sources
from geo_indi.areas.models import Municipality, PostcodeArea

from .conftest import TEST_DATA


def paavo_shaped_fixture():
    """tests/data/small_areas.geojson with the WFS's Paavo field names."""
    data = json.loads((TEST_DATA / "small_areas.geojson").read_text())
    for feature in data["features"]:
        p = feature["properties"]
        feature["properties"] = {"posti_alue": p["postcode"], "nimi": p["name_fi"], "namn": p["name_sv"], "kunta": p["municipality_code"], "vuosi": 2024}
    return data


@pytest.fixture
def wfs_server():
    requests_seen = []
    mode = {"status": 200}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests_seen.append(parse_qs(urlparse(self.path).query))
            if mode["status"] != 200:
                self.send_response(mode["status"])
                self.end_headers()
                return
            body = json.dumps(paavo_shaped_fixture()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/wfs", requests_seen, mode
    server.shutdown()


@pytest.fixture
def postcode_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "POSTCODE_DIR", tmp_path)
    return tmp_path


def test_paavo_download_imports_and_caches(db, wfs_server, postcode_dir):
    url, seen, _mode = wfs_server
    out = StringIO()
    call_command("import_postcode_areas", source="paavo", year=2024, wfs_url=url, stdout=out)
    assert "5 created" in out.getvalue()
    assert seen[0]["typeName"] == ["postialue:pno_2024"] and seen[0]["request"] == ["GetFeature"]
    assert (postcode_dir / "paavo_2024.geojson").exists()
    assert PostcodeArea.objects.get(postcode="99003").municipality.code == "320"
    call_command("import_postcode_areas", source="paavo", year=2024, wfs_url=url, stdout=StringIO())
    assert len(seen) == 1  # the second run used the cached file


def test_paavo_download_error_changes_nothing(db, wfs_server, postcode_dir):
    url, _seen, mode = wfs_server
    mode["status"] = 503
    with pytest.raises(CommandError, match="WFS download failed"):
        call_command("import_postcode_areas", source="paavo", year=2023, wfs_url=url, stdout=StringIO())
    assert not PostcodeArea.objects.exists()
    assert not (postcode_dir / "paavo_2023.geojson").exists()


def test_synthetic_lapland_is_deterministic_and_labelled(db, postcode_dir):
    first = sources.synthetic_lapland(postcode_dir / "a.geojson").read_text()
    second = sources.synthetic_lapland(postcode_dir / "b.geojson").read_text()
    assert first == second
    call_command("import_postcode_areas", str(postcode_dir / "a.geojson"), stdout=StringIO())
    assert Municipality.objects.count() == 21
    assert PostcodeArea.objects.count() >= 21 * 4
    assert all("synteettinen" in name for name in PostcodeArea.objects.values_list("name_fi", flat=True))
    rovaniemi = Municipality.objects.get(code="698")
    assert rovaniemi.name_fi == "Rovaniemi"
    from django.contrib.gis.geos import Point

    centre = Point(25.73, 66.50, srid=4326).transform(3067, clone=True)
    assert rovaniemi.geom.contains(centre)
