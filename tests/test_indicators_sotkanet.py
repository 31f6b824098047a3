"""import_sotkanet against a local HTTP server that serves fixtures in Sotkanet REST 1.1's shape."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import CommandError, call_command

from geo_indi.indicators.models import Indicator, IndicatorValue

FIXTURES = Path(__file__).parent / "data" / "sotkanet"
SLOW_SECONDS = 2.0
CLIENT_TIMEOUT = 0.5


class SotkanetHandler(BaseHTTPRequestHandler):
    """Paths: /<mode>/rest/1.1/...; mode ok | slow | error500 | notjson | badshape.

    slow, error500, notjson and badshape misbehave only on /json, after metadata
    and regions were served, so a partial write would show.
    """

    requests_seen = []

    def log_message(self, *args):
        pass

    def _send(self, status, body, content_type="application/json"):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        url = urlparse(self.path)
        SotkanetHandler.requests_seen.append(self.path)
        mode, _, rest = url.path.lstrip("/").partition("/")
        if not rest.startswith("rest/1.1/"):
            return self._send(404, '{"error": "not found"}')
        endpoint = rest[len("rest/1.1"):]
        if endpoint == "/regions":
            return self._send(200, (FIXTURES / "regions.json").read_text("utf-8"))
        if endpoint.startswith("/indicators/"):
            path = FIXTURES / "indicators" / f"{endpoint.rsplit('/', 1)[1]}.json"
            if not path.exists():
                return self._send(404, '{"error": "no such indicator"}')
            return self._send(200, path.read_text("utf-8"))
        if endpoint == "/json":
            if mode == "slow":
                time.sleep(SLOW_SECONDS)
            if mode == "error500":
                return self._send(500, "<html>Internal Server Error</html>", "text/html")
            if mode == "notjson":
                return self._send(200, '[{"indicator": 4307, "region": 833, "year": 20')
            query = parse_qs(url.query)
            indicator = int(query["indicator"][0])
            years = {int(y) for y in query.get("years", [])}
            rows = [r for r in json.loads((FIXTURES / "data.json").read_text("utf-8"))
                    if r["indicator"] == indicator and r["year"] in years]
            if mode == "badshape":
                rows[0]["value"] = "kaksitoista"
            return self._send(200, json.dumps(rows))
        return self._send(404, '{"error": "not found"}')


@pytest.fixture(scope="module")
def sotkanet_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SotkanetHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def base(server, mode="ok"):
    return f"{server}/{mode}/rest/1.1"


def snapshot():
    return (
        sorted(Indicator.objects.values_list("sotkanet_id", "title_fi", "unit")),
        sorted(IndicatorValue.objects.values_list("indicator__sotkanet_id", "municipality__code", "year", "gender", "value", "absolute_value")),
    )


# From data.json, --years 2015-2024, indicator 4307: Rovaniemi 2019 and 2020, Kemijärvi 2020.
# Kemijärvi 2021 has no number; Helsinki (code 91 -> 091) is not imported; "Koko maa" is no KUNTA;
# Rovaniemi 2014 is outside the years.
EXPECTED_4307 = [
    (4307, "320", 2020, "total", 15.0, 120.0),
    (4307, "698", 2019, "total", 10.5, 2100.0),
    (4307, "698", 2020, "total", 12.1, 2420.0),
]


def test_import_from_http(small_geography, sotkanet_server):
    call_command("import_sotkanet", "--indicator", "4307", "--years", "2015-2024", "--base-url", base(sotkanet_server))
    indicator = Indicator.objects.get(sotkanet_id=4307)
    assert indicator.title_fi.startswith("Yksinäiseksi itsensä tuntevien")
    assert indicator.title_sv.startswith("Andel som känner")
    assert indicator.unit == "Prosentti"
    assert indicator.source_organisation == "Terveyden ja hyvinvoinnin laitos (THL)"
    assert indicator.decimals == 1
    assert "yksinäiseksi" in indicator.description_fi
    assert snapshot()[1] == EXPECTED_4307


def test_years_are_sent_to_the_api(small_geography, sotkanet_server):
    SotkanetHandler.requests_seen.clear()
    call_command("import_sotkanet", "--indicator", "5180", "--years", "2019-2020", "--base-url", base(sotkanet_server))
    json_requests = [r for r in SotkanetHandler.requests_seen if "/json?" in r]
    assert len(json_requests) == 1
    query = parse_qs(urlparse(json_requests[0]).query)
    assert query == {"indicator": ["5180"], "years": ["2019", "2020"], "genders": ["total"]}


def test_import_is_idempotent(small_geography, sotkanet_server):
    args = ["import_sotkanet", "--indicator", "4307", "--indicator", "5180", "--years", "2015-2024", "--base-url", base(sotkanet_server)]
    call_command(*args)
    first = snapshot()
    call_command(*args)
    assert snapshot() == first
    assert Indicator.objects.count() == 2
    # 3 values of 4307 + Rovaniemi and Kemijärvi of 5180
    assert IndicatorValue.objects.count() == 5


def test_reimport_updates_a_changed_value(small_geography, sotkanet_server):
    call_command("import_sotkanet", "--indicator", "4307", "--years", "2020", "--base-url", base(sotkanet_server))
    IndicatorValue.objects.filter(municipality__code="698", year=2020).update(value=99.0)
    call_command("import_sotkanet", "--indicator", "4307", "--years", "2020", "--base-url", base(sotkanet_server))
    assert IndicatorValue.objects.get(municipality__code="698", year=2020).value == 12.1


def test_import_from_saved_file(small_geography):
    call_command("import_sotkanet", "--indicator", "4307", "--years", "2015-2024", "--file", str(FIXTURES / "saved.json"))
    assert snapshot()[1] == EXPECTED_4307


@pytest.fixture
def existing(small_geography, sotkanet_server):
    """An earlier import, then a changed title: a failed import must leave both as they are."""
    call_command("import_sotkanet", "--indicator", "4307", "--years", "2015-2024", "--base-url", base(sotkanet_server))
    Indicator.objects.filter(sotkanet_id=4307).update(title_fi="Vanha otsikko")
    IndicatorValue.objects.filter(municipality__code="698", year=2020).update(value=1.0)
    return snapshot()


@pytest.mark.parametrize("mode, message", [
    ("slow", "did not answer within 0.5 s"),
    ("error500", "HTTP 500"),
    ("notjson", "not JSON"),
    ("badshape", "Malformed payload: value of row 0 is not a number"),
])
def test_failures_leave_database_unchanged(existing, sotkanet_server, mode, message):
    with pytest.raises(CommandError) as excinfo:
        call_command("import_sotkanet", "--indicator", "4307", "--indicator", "5180", "--years", "2015-2024",
                     "--base-url", base(sotkanet_server, mode), "--timeout", str(CLIENT_TIMEOUT))
    text = str(excinfo.value)
    assert message in text
    assert "Nothing was imported" in text
    assert "\n" not in text
    assert snapshot() == existing


def test_unknown_indicator_is_a_clear_error(small_geography, sotkanet_server):
    with pytest.raises(CommandError, match="HTTP 404"):
        call_command("import_sotkanet", "--indicator", "1", "--years", "2020", "--base-url", base(sotkanet_server))
    assert Indicator.objects.count() == 0


def test_unreachable_server(small_geography):
    with pytest.raises(CommandError, match="Cannot reach Sotkanet"):
        call_command("import_sotkanet", "--indicator", "4307", "--years", "2020", "--base-url", "http://127.0.0.1:9/rest/1.1", "--timeout", "1")


@pytest.mark.parametrize("years", ["2024-2015", "abc", "1800"])
def test_bad_years(db, years):
    with pytest.raises(CommandError, match="[Yy]ears"):
        call_command("import_sotkanet", "--indicator", "4307", "--years", years, "--file", str(FIXTURES / "saved.json"))


def test_malformed_saved_file(small_geography, tmp_path):
    path = tmp_path / "saved.json"
    path.write_text(json.dumps({"indicators": [], "regions": []}))
    with pytest.raises(CommandError, match="keys indicators, regions and values"):
        call_command("import_sotkanet", "--indicator", "4307", "--years", "2020", "--file", str(path))
    data = json.loads((FIXTURES / "saved.json").read_text("utf-8"))
    data["regions"] = {"not": "a list"}
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="regions is not a list"):
        call_command("import_sotkanet", "--indicator", "4307", "--years", "2020", "--file", str(path))
    assert Indicator.objects.count() == 0


def test_command_exits_non_zero_with_one_line(small_geography, sotkanet_server, capfd):
    """Through manage.py's own error handling: one line on stderr, exit status 1."""
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "import_sotkanet", "--indicator", "4307", "--years", "2020",
                                 "--base-url", base(sotkanet_server, "error500")])
    with pytest.raises(SystemExit) as excinfo:
        utility.execute()
    assert excinfo.value.code == 1
    err = capfd.readouterr().err.strip()
    assert err.count("\n") == 0 and "HTTP 500" in err
