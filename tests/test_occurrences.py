"""Counts say what they count: occurrences (the cases a worker entered) and records, both everywhere.

"12 nuorta joi" recorded once with occurrences=12 is 12 cases and 1 record in map data, tiles,
reports and exports, layers, alerts and the published tables; occurrences are the default unit,
`unit=records` counts records; a hidden cell hides both numbers.
"""
import csv
import datetime as dt
import io
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.management import call_command

from geo_indi.alerts.models import AlertRule
from geo_indi.alerts.services import evaluate_rule
from geo_indi.maps import services as map_services
from geo_indi.maps import tiles
from geo_indi.observations import summary
from geo_indi.observations.filters import parse_filters
from geo_indi.observations.models import ObservationMonthlyCount
from geo_indi.publication import counts as published
from geo_indi.publication import releases, tables

from .conftest import INSIDE_ALFA
from .test_map_tiles import NODE, features, get_tile, lat_lon, tile_of

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 3, 5)
YEAR = "2025"
IN_GAMMA = (66.05, 25.5)  # 99003, Kemijärvi (320)
IN_DELTA = (66.15, 25.1)  # 99004, Kemijärvi (320)


@pytest.fixture(autouse=True)
def k_5_and_empty_cache(settings):
    settings.SUPPRESSION_K = 5
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def twelve(record):
    """'12 nuorta joi': one person record of 12 occurrences in Alfa (99001, Rovaniemi 698)."""
    return record(*INSIDE_ALFA, phenomenon="yksinaisyys", occurrences=12, observed_on=DAY,
                  description="12 nuorta joi")


@pytest.fixture
def published_alfa(record, twelve):
    """Alfa: 5 person records (12 + 4 x 1 = 16 occurrences), enough to be published; Gamma (320): one
    record of 12, hidden from outsiders, and Delta (320) 5 records of 1, hidden to protect Gamma."""
    for _ in range(4):
        record(*INSIDE_ALFA, phenomenon="yksinaisyys", observed_on=DAY)
    gamma = record(*IN_GAMMA, phenomenon="yksinaisyys", occurrences=12, observed_on=DAY, user="field_320")
    assert gamma.postcode_area.postcode == "99003"
    for _ in range(5):
        delta = record(*IN_DELTA, phenomenon="yksinaisyys", observed_on=DAY, user="field_320")
    assert delta.postcode_area.postcode == "99004"


def municipality_data(user, code, params):
    from geo_indi.areas.models import Municipality

    form, options = map_services.parse_request(params)
    return map_services.municipality_view(user, Municipality.objects.get(code=code), form, options)


def alfa_row(data):
    return next(row for row in data.areas if row.code == "99001")


def test_the_summary_table_holds_the_occurrences_and_check_counts_proves_it(twelve):
    cell = ObservationMonthlyCount.objects.get()
    assert (cell.observations, cell.occurrences) == (1, 12)
    assert summary.compare().equal
    call_command("check_counts", stdout=io.StringIO())
    ObservationMonthlyCount.objects.update(occurrences=1)  # the summary losing the cases is caught
    assert not summary.compare().equal
    call_command("check_counts", "--rebuild", stdout=io.StringIO())
    assert ObservationMonthlyCount.objects.get().occurrences == 12


def test_map_data_shows_12_cases_and_1_record(twelve, users):
    data = municipality_data(users["coord_698"], "698", {"year": YEAR})
    row = alfa_row(data)
    assert data.unit == "occurrences"  # the default
    assert (row.count, row.occurrences, row.records) == (12, 12, 1)
    assert (data.total, data.total_occurrences, data.total_records) == (12, 12, 1)
    assert row.by_phenomenon == {twelve.phenomenon_id: 12}
    assert [(t["weakens"], t["strengthens"]) for t in data.trend] == [(12, 0)]
    assert [c["count"] for c in data.categories] == [12]

    records = municipality_data(users["coord_698"], "698", {"year": YEAR, "unit": "records"})
    row = alfa_row(records)
    assert (row.count, row.occurrences, row.records, records.total) == (1, 12, 1, 1)
    assert [(t["weakens"], t["strengthens"]) for t in records.trend] == [(1, 0)]


def test_a_bad_unit_is_a_clear_400(client, users, twelve):
    from django.utils import translation

    with translation.override("en"), pytest.raises(map_services.MapOptionsError,
                                                   match="unit must be one of: occurrences, records"):
        map_services.parse_request({"unit": "people"})
    client.force_login(users["coord_698"])
    assert client.get("/maps/698/?unit=people").status_code == 400
    assert client.get("/api/layers/postcode-area-stats.geojson?unit=people").status_code == 400
    assert client.get("/ogcapi/collections/postcode-area-stats/items?unit=people").status_code == 400
    assert client.get("/maps/tiles/heat/10/0/0.mvt?unit=people").status_code == 400


def test_published_tables_freeze_occurrences_with_records(published_alfa):
    served = tables.year_tables(2025)
    struct = served.structure
    table = served.table_of(struct.public_group)
    alfa = struct.node_of_area(next(a for a in struct.area_ids if a == published_alfa_area()))
    assert (table.persons[alfa, 0], table.person_occurrences[alfa, 0]) == (5, 16)
    release = releases.latest(tables.release_key(2025, 5, struct))
    stored = releases.decode(release.payload, len(struct.groups))
    assert all(len(arrays) == len(releases.ARRAYS) for arrays in stored)
    assert (stored[0][3] == table.person_occurrences).all()


def published_alfa_area():
    from geo_indi.areas.models import PostcodeArea

    return PostcodeArea.objects.get(postcode="99001").id


def test_outsiders_get_both_numbers_where_records_are_shown_and_neither_where_hidden(published_alfa):
    form, options = map_services.parse_request({"year": YEAR})
    data = map_services.overview(AnonymousUser(), form, options)
    by_code = {row.code: row for row in data.areas}
    assert (by_code["698"].count, by_code["698"].occurrences, by_code["698"].records) == (16, 16, 5)
    assert (by_code["320"].count, by_code["320"].occurrences, by_code["320"].records) == (17, 17, 6)
    assert (data.total, data.total_occurrences, data.total_records) == (33, 33, 11)
    rows = published.area_counts(AnonymousUser(), "postcode_area",
                                 [(a.id, a.municipality_id) for a in _areas()], {"year": 2025}).rows
    gamma = rows[next(a.id for a in _areas() if a.postcode == "99003")]
    assert (gamma.records, gamma.occurrences, gamma.count) == (None, None, None)  # 1 record of 12: both hidden
    for row in rows.values():
        assert (row.records is None) == (row.occurrences is None)
        for unit in ("records", "occurrences"):
            assert (row.tally(unit).count is None) == row.suppressed


def _areas():
    from geo_indi.areas.models import PostcodeArea

    return PostcodeArea.objects.all()


def test_layers_give_both_numbers_in_geojson_csv_gpkg_and_ogc(client, published_alfa, tmp_path):
    import pyogrio

    body = b"".join(client.get(f"/api/layers/postcode-area-stats.geojson?year={YEAR}").streaming_content)
    alfa = next(f for f in json.loads(body)["features"] if f["id"] == "99001")["properties"]
    assert (alfa["count"], alfa["occurrences"], alfa["records"], alfa["unit"], alfa["yksinaisyys"]) == \
        (16, 16, 5, "occurrences", 16)
    gamma = next(f for f in json.loads(body)["features"] if f["id"] == "99003")["properties"]
    assert (gamma["count"], gamma["occurrences"], gamma["records"], gamma["suppressed"]) == (None, None, None, True)

    body = b"".join(client.get(f"/api/layers/postcode-area-stats.geojson?year={YEAR}&unit=records").streaming_content)
    alfa = next(f for f in json.loads(body)["features"] if f["id"] == "99001")["properties"]
    assert (alfa["count"], alfa["occurrences"], alfa["records"], alfa["unit"], alfa["yksinaisyys"]) == \
        (5, 16, 5, "records", 5)

    text = b"".join(client.get(f"/api/layers/postcode-area-stats.csv?year={YEAR}").streaming_content).decode()
    row = next(r for r in csv.DictReader(io.StringIO(text)) if r["postcode"] == "99001")
    assert (row["count"], row["occurrences"], row["records"]) == ("16", "16", "5")

    path = tmp_path / "stats.gpkg"
    path.write_bytes(b"".join(client.get(f"/api/layers/postcode-area-stats.gpkg?year={YEAR}").streaming_content))
    frame = pyogrio.read_dataframe(path)
    gpkg = frame[frame["postcode"] == "99001"].iloc[0]
    assert (gpkg["count"], gpkg["occurrences"], gpkg["records"]) == (16, 16, 5)

    page = client.get(f"/ogcapi/collections/postcode-area-stats/items?year={YEAR}&unit=records&postcode=99001")
    assert page.status_code == 200
    props = json.loads(b"".join(page.streaming_content))["features"][0]["properties"]
    assert (props["count"], props["occurrences"], props["records"]) == (5, 16, 5)


def test_report_csv_xlsx_and_aggregates_csv_give_both(client, users, twelve):
    client.force_login(users["coord_698"])
    response = client.get(f"/maps/698/report.csv?year={YEAR}", HTTP_ACCEPT_LANGUAGE="fi")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][4] == "Tapauksia" and rows[0][-1] == "Kirjauksia"
    alfa = next(r for r in rows if r[1] == "99001")
    assert (alfa[4], alfa[-1]) == ("12", "1")

    response = client.get(f"/maps/698/report.csv?year={YEAR}&unit=records", HTTP_ACCEPT_LANGUAGE="sv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][4] == "Registreringar" and rows[0][-1] == "Fall"
    alfa = next(r for r in rows if r[1] == "99001")
    assert (alfa[4], alfa[-1]) == ("1", "12")

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(client.get(f"/maps/698/report.xlsx?year={YEAR}",
                                                   HTTP_ACCEPT_LANGUAGE="en").content))
    sheet = list(workbook.worksheets[0].values)
    assert sheet[0][4] == "Occurrences" and sheet[0][-1] == "Records"
    alfa = next(r for r in sheet if r[1] == "99001")
    assert (alfa[4], alfa[-1]) == (12, 1)

    text = client.get(f"/maps/698/aggregates.csv?year={YEAR}").content.decode()
    rows = list(csv.DictReader(io.StringIO(text.split("\n", 1)[1])))
    alfa = next(r for r in rows if r["code"] == "99001")
    assert (alfa["observations"], alfa["occurrences"], alfa["records"], alfa["unit"]) == ("12", "12", "1", "occurrences")


def test_map_popup_and_legend_name_the_unit(client, users, twelve):
    client.force_login(users["coord_698"])
    data = municipality_data(users["coord_698"], "698", {"year": YEAR})
    from geo_indi.maps import rendering
    from django.utils import translation

    with translation.override("fi"):
        popup = str(rendering.popup_html(alfa_row(data), data, "count"))
        legend = str(rendering.legend_html(data, "count", "postinumeroalueet"))
    assert "Tapauksia: <strong>12</strong>" in popup and "Kirjauksia: 1" in popup
    assert legend.startswith('<p class="legend-title">Tapauksia')


def test_tiles_count_cases_and_records(client, record):
    record(*lat_lon(*NODE), subject="object", phenomenon="ilkivalta", occurrences=12, observed_on=DAY)
    z = 10
    cells = features(get_tile(client, "heat", z, *tile_of(*NODE, z)), "heat")
    assert [(f["properties"]["count"], f["properties"]["occurrences"], f["properties"]["records"]) for f in cells] \
        == [(12, 12, 1)]
    cache.clear()
    cells = features(get_tile(client, "heat", z, *tile_of(*NODE, z), "unit=records"), "heat")
    assert [f["properties"]["count"] for f in cells] == [1]
    z = tiles.POINTS_MIN_ZOOM + 1
    points = features(get_tile(client, "points", z, *tile_of(*NODE, z)), "points")
    assert [p["properties"]["occurrences"] for p in points] == [12]
    assert tiles.tile_layers({}, "records").urls["heat"].endswith("?unit=records")
    assert "unit" not in tiles.tile_layers({}).urls["heat"]


def test_municipality_heat_points_weigh_occurrences(record, users):
    record(*lat_lon(*NODE), subject="object", phenomenon="ilkivalta", occurrences=12, observed_on=DAY)
    from geo_indi.areas.models import Municipality

    for unit, weight in (("occurrences", 12), ("records", 1)):
        form, options = map_services.parse_request({"year": YEAR, "unit": unit})
        data = map_services.municipality_view(users["coord_698"], Municipality.objects.get(code="698"), form, options,
                                              object_heat=True)
        assert [n for _lat, _lon, n in data.heat_points] == [weight]


@pytest.fixture
def rule(organisations, phenomena):
    def make(**fields):
        rule = AlertRule(organisation=organisations["698"], phenomenon=phenomena["yksinaisyys"],
                         municipality=organisations["698"].municipalities.get(),
                         condition=AlertRule.Condition.COUNT_AT_LEAST, window_days=7, min_count=10, **fields)
        rule.full_clean()
        rule.save()
        return rule
    return make


def test_alerts_count_cases_by_default_and_records_when_asked(record, rule, settings):
    from django.utils import translation

    translation.activate("en")
    now = dt.datetime(2025, 3, 6, 12, tzinfo=dt.timezone.utc)
    record(*INSIDE_ALFA, phenomenon="yksinaisyys", occurrences=12, observed_on=DAY)
    cases = rule()
    evaluation = evaluate_rule(cases, now)
    assert evaluation.fired is not None and evaluation.fired.observed_value == 12
    assert "12 occurrences" in evaluation.outcome.summary
    records = rule(unit="records", name="records")
    evaluation = evaluate_rule(records, now)
    assert evaluation.fired is None and evaluation.outcome.observed_value == 1
    assert "1 record " in evaluation.outcome.summary
    assert records.limit_text == "at least 10 records in 7 days"
    translation.deactivate()


def test_yearly_counts_and_overview_in_both_units(published_alfa, users):
    from geo_indi.areas.models import Municipality

    rovaniemi = Municipality.objects.get(code="698")
    pid = next(iter(published.yearly_counts(users["coord_698"], rovaniemi, [2025])))
    assert published.yearly_counts(users["coord_698"], rovaniemi, [2025])[pid][2025] == 16
    assert published.yearly_counts(users["coord_698"], rovaniemi, [2025], "records")[pid][2025] == 5
    assert published.yearly_counts(AnonymousUser(), rovaniemi, [2025])[pid][2025] == 16
    assert published.yearly_counts(AnonymousUser(), rovaniemi, [2025], "records")[pid][2025] == 5
    rows, total = map_services.municipality_overview(AnonymousUser(), 2025)
    assert total == 33
    by_code = {r.code: r for r in rows}
    assert (by_code["698"].count, by_code["698"].occurrences, by_code["698"].records) == (16, 16, 5)
    assert map_services.municipality_overview(AnonymousUser(), 2025, "records")[1] == 11
    form, _errors = parse_filters({"year": YEAR})
    assert published.lapland_total(users["admin"], form.active()) == (33, 33, 0)
    assert published.lapland_total(users["admin"], form.active(), "records") == (11, 11, 0)
    assert published.lapland_total(AnonymousUser(), form.active()) == (33, None, None)
