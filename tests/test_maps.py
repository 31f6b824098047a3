"""Officials' maps: numbers on a hand-built fixture, suppression in every output, escaping, no CDN.

The fixture (tests/data/small_areas.geojson, k = 5):

    Rovaniemi 698   99001 Alfa (pop. 1200): 4 person weakens 2026-01-10 (category 1)
                                            1 person strengthens 2026-01-15 (category 1)
                                            2 object weakens 2026-02-05 (vandalism, category 11)
                    99002 Beeta (pop. 800): 2 person weakens 2026-02-20 (category 2)
    Kemijärvi 320   99003 Gamma (pop. 300): 6 person strengthens 2026-03-01 (no category)
                    99004 Delta, 99005 Rusetti: none

Published for outsiders (geo_indi/publication, year 2026 — this year at the module's pinned clock,
2026-11-27, so the default): person table of the
public phenomena: Alfa 5, Beeta 2, Gamma 6; 698: 7, 320: 6, Lapland 13 (all loneliness). Primary: Beeta 2
(and every 0). Its cheapest certificates: move Beeta's 2 to Alfa (changes only Alfa's cells: cost 6 + 6,
less than anything that touches 698 or Lapland) and back (free once Alfa is hidden). So Alfa and Beeta are
hidden; 698 = 7 + 2 objects = 9, 320 = 6, Gamma = 6 and Lapland 13 + 2 = 15 are shown.
"""
import csv
import datetime as dt
import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from geo_indi.observations.models import Category
from tests.conftest import INSIDE_ALFA

# The fixture's year is "this year" (the default year of pages and layers): the clock is pinned to a day of it,
# whatever GEO_INDI_TEST_DATE says (tests/clock.py).
pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-27")]

IN_ALFA = (66.03, 25.04)  # off the centre, where the area's representative point falls
IN_BETA = (66.07, 25.33)
IN_GAMMA = (66.05, 25.5)
OBJECT_POINTS = [(66.02, 25.05), (66.08, 25.15)]  # both in Alfa


@pytest.fixture
def observations(record, phenomena, settings):
    settings.SUPPRESSION_K = 5
    cat = {c.id: c for c in Category.objects.all()}
    for _ in range(4):
        record(*IN_ALFA, direction="weakens", observed_on=dt.date(2026, 1, 10), category=cat[1])
    record(*IN_ALFA, direction="strengthens", observed_on=dt.date(2026, 1, 15), category=cat[1])
    for lat, lon in OBJECT_POINTS:
        record(lat, lon, subject="object", phenomenon="ilkivalta", direction="weakens",
               observed_on=dt.date(2026, 2, 5), category=cat[11])
    for _ in range(2):
        record(*IN_BETA, direction="weakens", observed_on=dt.date(2026, 2, 20), category=cat[2])
    for _ in range(6):
        record(*IN_GAMMA, user="field_320", direction="strengthens", observed_on=dt.date(2026, 3, 1))
    return phenomena


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def get(client, url, user=None, users=None):
    if user:
        client.force_login(users[user])
    return client.get(url)


# --- parsing what the pages send -------------------------------------------------

class _Tables(HTMLParser):
    """{table class: [[cell text, ...], ...]} (body rows)."""

    def __init__(self):
        super().__init__()
        self.tables, self._current, self._row, self._cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._current = attrs.get("class", "")
            self.tables[self._current] = []
        elif tag == "tr" and self._current is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and self._current is not None:
                self.tables[self._current].append(self._row)
            self._row = None
        elif tag == "table":
            self._current = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def tables(response):
    parser = _Tables()
    parser.feed(response.content.decode())
    return {name: rows[1:] for name, rows in parser.tables.items()}  # drop the header row


def area_table(response):
    """{code: (observations, weakens, strengthens, per 1000)} from the table beside the map."""
    return {row[0]: tuple(row[2:6]) for row in tables(response)["areas-table"]}


def map_features(response):
    """{code: properties} of the choropleth features in the folium script."""
    html = response.content.decode()
    match = re.search(r"_add\((\{\"features\".*?\})\);\n", html, re.S)
    assert match, "no GeoJSON in the map"
    return {f["properties"]["code"]: f["properties"] for f in json.loads(match.group(1))["features"]}


def heat_data(response):
    return [json.loads(m) for m in re.findall(r"L\.heatLayer\(\s*(\[.*?\]\]|\[\])\s*,", response.content.decode(), re.S)]


def csv_rows(response):
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[1]
    return [dict(zip(header, row)) for row in rows[2:]]


def trend_table(response):
    return {row[0]: (row[1], row[2]) for row in tables(response)["trend-table"]}


# --- numbers --------------------------------------------------------------------

def test_insider_sees_exact_area_counts_computed_by_hand(client, observations, users):
    response = get(client, "/maps/698/", "coord_698", users)
    assert response.status_code == 200
    table = area_table(response)
    # Alfa 4+1+2 = 7 (6 weakens, 1 strengthens); rate 7/1200*1000 = 5.83. Beeta 2 (2, 0); 2/800*1000 = 2.50.
    assert table["99001"] == ("7", "6", "1", "5.83")
    assert table["99002"] == ("2", "2", "0", "2.50")
    features = map_features(response)
    assert "99001 Alfa: 7" in features["99001"]["tooltip"]
    assert "99002 Beeta: 2" in features["99002"]["tooltip"]
    # Months: January 4 weakens + 1 strengthens; February 2 objects + 2 Beeta = 4 weakens.
    assert trend_table(response) == {"2026-01": ("4", "1"), "2026-02": ("4", "0")}


def test_filters_change_the_counts(client, observations, users):
    client.force_login(users["admin"])
    table = area_table(client.get("/maps/698/?direction=weakens"))
    assert table["99001"][0] == "6" and table["99002"][0] == "2"
    table = area_table(client.get("/maps/698/?date_from=2026-02-01"))
    assert table["99001"][0] == "2" and table["99002"][0] == "2"
    table = area_table(client.get("/maps/698/?subject=object"))
    assert table["99001"][0] == "2" and table["99002"][0] == "0"
    table = area_table(client.get(f"/maps/698/?phenomenon={observations['ilkivalta'].id}&date_to=2026-02-04"))
    assert table["99001"][0] == "0"
    overview = area_table(client.get("/maps/?direction=strengthens"))
    assert overview["698"][0] == "1" and overview["320"][0] == "6"
    overview = area_table(client.get("/maps/"))
    assert overview["698"][0] == "9" and overview["320"][0] == "6"


def test_rate_per_1000_and_classes(client, observations, users):
    client.force_login(users["admin"])
    response = client.get("/maps/698/?measure=rate&classes=natural_breaks")
    features = map_features(response)
    assert "5.83 / 1000" in features["99001"]["tooltip"]
    assert "2.50 / 1000" in features["99002"]["tooltip"]
    # Two distinct values, two classes: the larger gets the darker class.
    assert features["99001"]["style"]["className"] == "area-class-1"
    assert features["99002"]["style"]["className"] == "area-class-0"
    assert client.get("/maps/?classes=quantiles&measure=count").status_code == 200


def test_invalid_filters_get_a_400_page_with_the_message(client, observations):
    response = client.get("/maps/?direction=sideways")
    assert response.status_code == 400
    assert "Direction" in response.content.decode()  # named as the form names it
    assert client.get("/maps/698/?date_from=2026-13-01").status_code == 400
    assert client.get("/maps/698/report/?date_from=2026-03-01&date_to=2026-01-01").status_code == 400
    assert client.get("/maps/698/aggregates.csv?classes=jenks").status_code == 400
    assert client.get("/maps/698/map.html?measure=mean").status_code == 400
    assert client.get("/maps/999/").status_code == 404


# --- suppression per output -------------------------------------------------------

@pytest.mark.parametrize("user", ["field_320", None])
def test_outsider_and_anonymous_see_suppressed_areas_everywhere(client, observations, users, user):
    """Beeta (2) is below k; Alfa is hidden too, else 9 - 2 objects - Alfa's 5 would give Beeta away."""
    if user:
        client.force_login(users[user])
    page = client.get("/maps/698/")
    table = area_table(page)
    assert table["99001"][0] == ".." and table["99002"][0] == ".."
    assert "Observations in the municipality: <strong>9</strong>" in page.content.decode()
    features = map_features(page)
    for code in ("99001", "99002"):
        assert features[code]["style"]["className"] == "area-suppressed"
        assert features[code]["tooltip"].endswith(": ..")
        assert "<strong>..</strong>" in features[code]["popup"]
        assert re.search(r"<td>[1-9]\d*</td>", features[code]["popup"]) is None
    # No monthly trend and no categories outside the organisation.
    assert "trend-table" not in tables(page) and "categories-table" not in tables(page)

    rows = {(r["section"], r["code"]): r for r in csv_rows(client.get("/maps/698/aggregates.csv"))}
    assert rows[("municipality", "698")]["observations"] == "9"
    assert rows[("postcode_area", "99001")]["observations"] == ".."
    assert rows[("postcode_area", "99002")]["observations"] == ".."
    assert rows[("postcode_area", "99001")]["per_1000"] == ""
    assert not [key for key in rows if key[0] in ("month", "category")]

    standalone = client.get("/maps/698/map.html")
    assert standalone.status_code == 200
    features = map_features(standalone)
    assert features["99001"]["tooltip"].endswith(": ..")
    assert features["99002"]["tooltip"].endswith(": ..")

    report = client.get("/maps/698/report/")
    assert area_table(report)["99001"][0] == ".."
    assert area_table(report)["99002"][0] == ".."
    assert map_features(report)["99001"]["style"]["className"] == "area-suppressed"


def test_insider_outputs_are_exact(client, observations, users):
    client.force_login(users["field_698"])
    rows = {(r["section"], r["code"]): r for r in csv_rows(client.get("/maps/698/aggregates.csv"))}
    assert rows[("municipality", "698")]["observations"] == "9"
    assert (rows[("postcode_area", "99001")]["observations"], rows[("postcode_area", "99002")]["observations"]) == ("7", "2")
    assert rows[("month", "2026-02")]["weakens"] == "4"
    assert map_features(client.get("/maps/698/map.html"))["99002"]["tooltip"].endswith(": 2")
    assert area_table(client.get("/maps/698/report/"))["99002"][0] == "2"
    # ... but not in Kemijärvi, where its organisation does not work: Gamma 6 is shown, it is >= k.
    assert area_table(client.get("/maps/320/"))["99003"][0] == "6"


def test_outsiders_get_calendar_years_and_the_lapland_total(client, observations):
    page = client.get("/maps/?year=2026")
    table = area_table(page)
    assert table["698"][:3] == ("9", "..", "..")  # directions are not published outside the organisation
    assert table["320"][:3] == ("6", "..", "..")
    assert "Total: <strong>15</strong>" in page.content.decode()
    assert area_table(client.get("/maps/?year=2025"))["698"][0] == ".."  # a year without observations: hidden 0s


@pytest.mark.parametrize("query", ["?date_from=2026-02-01", "?direction=strengthens", "?category=1",
                                   "?age_group=youth", "?date_from=2026-01-01&date_to=2026-06-30"])
def test_outsiders_filters_beyond_the_published_tables_are_refused(client, observations, users, query):
    for url in ("/maps/", "/maps/320/", "/maps/320/aggregates.csv", "/maps/698/report/"):
        response = client.get(url + query)
        assert response.status_code == 400, url
        body = response.content.decode()
        assert "calendar year" in body or "places and things" in body  # in words, not parameters (issue 21)
    assert client.get("/maps/?date_from=2026-01-01&date_to=2026-12-31").status_code == 200  # one calendar year
    assert client.get(f"/maps/698/{query}&subject=object").status_code == 200  # object points are public anyway


def test_a_members_own_rows_stay_exact_beside_withheld_ones(client, observations, users):
    client.force_login(users["field_320"])
    page = client.get("/maps/?direction=strengthens")
    table = area_table(page)
    assert table["320"][0] == "6" and table["698"][0] == ".."
    assert "Total: <strong>" not in page.content.decode()


def test_shown_numbers_never_reveal_a_suppressed_one(client, observations, users):
    """In every view an outsider gets, a group with a shown total never has exactly one hidden part
    (a necessary condition; tests/test_disclosure_audit.py checks the sufficient one by LP)."""
    client.force_login(users["field_320"])
    for query in ("", "?subject=person", "?year=2026", "?subject=object"):
        rows = csv_rows(client.get(f"/maps/698/aggregates.csv{query}"))
        [municipality] = [r for r in rows if r["section"] == "municipality"]
        parts = [r["observations"] for r in rows if r["section"] == "postcode_area"]
        if municipality["observations"] != "..":
            assert parts.count("..") != 1, (query, parts)


# --- heatmap --------------------------------------------------------------------

def test_heatmap_has_object_points_and_people_only_at_area_points_on_request(client, observations, users):
    client.force_login(users["admin"])
    assert heat_data(client.get("/maps/698/")) == []  # the page draws object observations from vector tiles
    layers = heat_data(client.get("/maps/698/map.html"))  # the standalone file embeds them
    assert len(layers) == 1
    # One heat point per 100 m cell with its count; these points are far apart.
    got = sorted((round(lat, 3), round(lon, 3)) for lat, lon, _n in layers[0])
    assert got == sorted(OBJECT_POINTS)
    assert all(n == 1 for _lat, _lon, n in layers[0])

    [person] = heat_data(client.get("/maps/698/?person_heat=1"))
    # Person observations: Alfa 5, Beeta 2 at one point each, never at INSIDE_ALFA or IN_BETA.
    assert sorted(p[2] for p in person) == [2, 5]
    for lat, lon, _n in person:
        assert (round(lat, 3), round(lon, 3)) not in {IN_ALFA, IN_BETA}
        assert 66.0 < lat < 66.1 and 25.0 < lon < 25.4


def test_person_heat_leaves_out_suppressed_areas(client, observations):
    layers = heat_data(client.get("/maps/698/?person_heat=1"))
    # Anonymous: Alfa (5 people) and Beeta (2) are both suppressed: no person heat at all.
    assert layers == []


# --- escaping, links, no CDN ----------------------------------------------------

def test_user_text_is_escaped(client, record, phenomena, users):
    phenomena["yksinaisyys"].name_fi = phenomena["yksinaisyys"].name_en = "<script>alert(1)</script>"
    phenomena["yksinaisyys"].save()
    record(*INSIDE_ALFA, description="<script>alert('x')</script>", observed_on=dt.date(2026, 1, 3))
    client.force_login(users["coord_698"])
    response = client.get("/maps/698/")
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    popup = map_features(response)["99001"]["popup"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in popup and "<script>" not in popup
    assert "<script>alert" not in client.get("/maps/698/map.html").content.decode()


def test_municipality_page_links_indicators_and_downloads(client, observations):
    html = client.get("/maps/698/?year=2026").content.decode()
    assert 'href="/indicators/698/"' in html
    assert 'href="/maps/698/report/?year=2026"' in html
    assert 'href="/maps/698/aggregates.csv?year=2026"' in html


def _urls(text):
    return set(re.findall(r"https?://[^\s\"'<>)\\]+", text))


@pytest.mark.parametrize("url", ["/maps/", "/maps/698/?person_heat=1", "/maps/698/report/"])
def test_pages_reference_no_url_but_the_tiles(client, observations, users, url):
    client.force_login(users["admin"])
    html = client.get(url).content.decode()
    assert _urls(html) == {settings.MAP_TILE_URL}
    assert "cdn" not in html.lower()
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert finders.find(src.removeprefix("/static/")), src


def test_standalone_map_inlines_its_scripts(client, observations, users):
    client.force_login(users["admin"])
    html = client.get("/maps/698/map.html").content.decode()
    assert not re.search(r'<(script|link)[^>]+(src|href)=', html)
    # Leave out the inlined vendor files (their licence/namespace strings): nothing else points outside.
    for path in ("vendor/leaflet/leaflet.js", "vendor/leaflet.heat/leaflet-heat.js"):
        with open(finders.find(path), encoding="utf-8") as fh:
            html = html.replace(fh.read(), "")
    assert _urls(html) == {settings.MAP_TILE_URL}
    assert "url(images/" not in html


def test_rate_uses_population_only_where_known(client, observations, users):
    client.force_login(users["admin"])
    table = area_table(client.get("/maps/?measure=rate"))
    # Municipality populations as the importer sums them: Rovaniemi 1200 + 800 = 2000;
    # Kemijärvi unknown, since Delta's is unknown. 9 / 2000 * 1000 = 4.50.
    assert table["698"][3] == "4.50"
    assert table["320"][3] == "–"
    page = client.get("/maps/320/?measure=rate")
    # Gamma 6 / 300 * 1000 = 20.00; Delta has no population: no rate, drawn as "no data".
    assert area_table(page)["99003"][3] == "20.00"
    assert area_table(page)["99004"][3] == "–"
    features = map_features(page)
    assert features["99004"]["style"]["className"] == "area-nodata"
    assert "no population data" in features["99004"]["tooltip"]


def test_heat_cell_size_bounds_the_number_of_cells():
    from geo_indi.maps.queries import heat_cell_size

    assert heat_cell_size(50e6) == 100  # a small municipality: 100 m cells
    side = heat_cell_size(8_000e6)  # Rovaniemi, about 8 000 km²
    assert side == 900 and 8_000e6 / side**2 <= 10_000


def test_heat_points_are_aggregated_per_100_m_cell(client, record, users, monkeypatch):
    from pyproj import Transformer

    from geo_indi.maps import queries

    monkeypatch.setattr(queries, "HEAT_MAX_CELLS", 10**9)  # keep the 100 m floor for this small fixture
    to_wgs = Transformer.from_crs(3067, 4326, always_xy=True)
    # ST_SnapToGrid(100) puts x in [413950, 414050) on 414000: the first two share a cell (in Alfa).
    for x, y in ((414010, 7326010), (414030, 7326020), (414010, 7327010)):
        lon, lat = to_wgs.transform(x, y)
        record(lat, lon, subject="object", phenomenon="ilkivalta")
    client.force_login(users["admin"])
    [layer] = heat_data(client.get("/maps/698/map.html"))
    assert sorted(n for _lat, _lon, n in layer) == [1, 2]


# --- the public home page ----------------------------------------------------------

def test_home_shows_the_published_counts_by_municipality(client, observations):
    """Anonymous, this year (2026 at the module's clock): 698 = 9, 320 = 6, Lapland 15 (see the module docstring)."""
    response = client.get("/")
    assert response.status_code == 200
    rows = {row[0]: row[1] for row in tables(response)["home-table"]}
    assert rows == {"Kemijärvi": "6", "Rovaniemi": "9"}
    html = response.content.decode()
    assert "<strong>15</strong>" in html
    assert 'href="/maps/698/"' in html and 'href="/maps/"' in html


def test_integer_class_breaks_for_counts():
    from geo_indi.maps.services import classify

    classification = classify([0, 1, 1, 2, 27, 30, 5, 8], "quantiles", "count")
    assert all(isinstance(b, int) for b in classification.bins)
    legend = classification.legend()
    for previous, current in zip(legend, legend[1:]):
        assert current["low"] == previous["high"] + 1  # no "0–1, 1–2"
