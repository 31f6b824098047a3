"""Municipality indicator page, link suggestions and the fired-alerts list."""
import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from geo_indi.alerts.models import AlertRule, FiredAlert
from geo_indi.indicators.models import Indicator, IndicatorValue, PhenomenonIndicatorLink
from geo_indi.indicators.suggestions import matched_words, suggest_links
from tests.clock import FROZEN_TODAY
from tests.conftest import INSIDE_ALFA

IN_GAMMA = (66.05, 25.5)  # 99003, Kemijärvi (320)
THIS_YEAR = FROZEN_TODAY.year  # the suite's frozen clock (tests/clock.py), not the real date at import


def table_rows(html):
    """[(year, observations cell, rest of row)] from the page's tables."""
    return re.findall(r'<tr><th scope="row">(\d+)</th>\s*<td>(.*?)</td>(.*?)</tr>', html, re.S)


@pytest.fixture
def loneliness(phenomena, users, small_geography, record):
    indicator = Indicator.objects.create(sotkanet_id=4307, title_fi="Yksinäiseksi itsensä tuntevien osuus", unit="Prosentti")
    PhenomenonIndicatorLink.objects.create(phenomenon=phenomena["yksinaisyys"], indicator=indicator, confirmed_by=users["admin"])
    rovaniemi = small_geography["698"]
    IndicatorValue.objects.create(indicator=indicator, municipality=rovaniemi, year=2020, value=12.1)
    IndicatorValue.objects.create(indicator=indicator, municipality=rovaniemi, year=2021, value=13.4)
    IndicatorValue.objects.create(indicator=indicator, municipality=small_geography["320"], year=2021, value=99.9)
    # Rovaniemi: 6 observations in 2020, 7 in 2021, 2 this year; one in Kemijärvi (not counted here).
    for year, n in ((2020, 6), (2021, 7), (THIS_YEAR, 2)):
        for _ in range(n):
            record(*INSIDE_ALFA, observed_on=dt.date(year, 1, 15) if year != THIS_YEAR else timezone.localdate())
    record(*IN_GAMMA, user="field_320", observed_on=dt.date(2020, 1, 15))
    return indicator


@pytest.mark.calendar  # "this year" is the frozen clock's
def test_insider_sees_exact_counts_beside_values(client, users, loneliness):
    client.force_login(users["coord_698"])
    response = client.get("/indicators/698/")
    assert response.status_code == 200
    html = response.content.decode()
    rows = {year: (count, rest) for year, count, rest in table_rows(html)}
    assert rows["2020"][0] == "6" and "12,1" in rows["2020"][1]  # Finnish number format
    assert rows["2021"][0] == "7" and "13,4" in rows["2021"][1]
    assert rows[str(THIS_YEAR)][0] == "2"
    assert "99,9" not in html and "99.9" not in html
    assert '/static/vendor/chart.js/chart.umd.js' in html
    assert 'id="indicator-chart-data"' in html


@pytest.mark.calendar  # "this year" is the frozen clock's
@pytest.mark.parametrize("who", [None, "field_320"])
def test_outsiders_see_suppressed_counts(client, users, loneliness, who):
    """The published yearly tables (geo_indi/publication): 2020 has Rovaniemi 6 beside Kemijärvi's 1, so
    Rovaniemi is hidden to protect Kemijärvi's 1 (moving it to Rovaniemi's other area is the cheapest
    certificate); 2021: 7, shown; the years between and this year (2) are hidden — 0 looks like a small count."""
    if who:
        client.force_login(users[who])
    html = client.get("/indicators/698/").content.decode()
    rows = {year: count for year, count, _rest in table_rows(html)}
    gap_years = {str(y): ".." for y in range(2022, THIS_YEAR)}  # every year in the range gets a row
    assert rows == {"2020": "..", "2021": "7", **gap_years, str(THIS_YEAR): ".."}
    chart = json.loads(re.search(r'id="indicator-chart-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert chart[0]["years"] == list(range(2020, THIS_YEAR + 1))
    assert chart[0]["counts"] == [None, 7] + [None] * len(gap_years) + [None]


@pytest.mark.calendar  # "this year" is the frozen clock's
@pytest.mark.parametrize("path", ["/maps/698/", "/maps/698/report/"])
def test_map_page_and_report_show_indicators_beside_counts(client, users, loneliness, path):
    client.force_login(users["coord_698"])
    html = client.get(path).content.decode()
    rows = {year: (count, rest) for year, count, rest in table_rows(html)}
    assert rows["2020"][0] == "6" and "12,1" in rows["2020"][1]
    assert rows["2021"][0] == "7" and "13,4" in rows["2021"][1]
    assert 'id="indicator-chart-data"' in html and "/static/indicators/municipality.js" in html
    client.logout()
    outsider = {year: count for year, count, _rest in table_rows(client.get(path).content.decode())}
    assert outsider["2020"] == ".." and outsider[str(THIS_YEAR)] == ".."


def test_internal_phenomenon_hidden_from_anonymous(client, users, phenomena, loneliness):
    PhenomenonIndicatorLink.objects.create(phenomenon=phenomena["nuorten-paihteet"], indicator=loneliness, confirmed_by=users["admin"])
    assert phenomena["nuorten-paihteet"].name_fi not in client.get("/indicators/698/").content.decode()
    client.force_login(users["field_698"])
    assert phenomena["nuorten-paihteet"].name_fi in client.get("/indicators/698/").content.decode()


def test_unknown_municipality_is_404(client, small_geography):
    assert client.get("/indicators/999/").status_code == 404


# --- link suggestions ----------------------------------------------------------------------------

def test_matched_words_are_shared_lemmas():
    phenomenon = "Nuorten päihteiden käyttö Alkoholin, tupakan, nuuskan ja huumeiden käyttö nuorilla."
    indicator = "Nuuskaa päivittäin käyttävät, % 8. ja 9. luokan oppilaista Indikaattori ilmaisee nuorten päivittäisen nuuskan käytön."
    assert matched_words(phenomenon, indicator) == ["käyttää", "käyttö", "nuori", "nuuska"]
    assert matched_words("Yksinäisyys ja sosiaalisten suhteiden puute.", "Nuuskaa päivittäin") == []


def test_suggestions_page_and_confirm(client, users, phenomena):
    indicator = Indicator.objects.create(
        sotkanet_id=4307, title_fi="Yksinäiseksi itsensä tuntevien osuus (%), 20-64-vuotiaat",
        description_fi="Kuinka suuri osuus tuntee itsensä yksinäiseksi.")
    assert not PhenomenonIndicatorLink.objects.exists()  # nothing links itself
    found = [s for s in suggest_links() if s.indicator == indicator]
    assert [(s.phenomenon.slug, s.words) for s in found] == [("yksinaisyys", ["yksinäinen"])]

    client.force_login(users["coord_698"])
    assert client.get("/indicators/links/").status_code == 403
    assert client.post("/indicators/links/confirm/", {"phenomenon": phenomena["yksinaisyys"].pk, "indicator": indicator.pk}).status_code == 403

    client.force_login(users["admin"])
    html = client.get("/indicators/links/").content.decode()
    assert "yksinäinen" in html
    response = client.post("/indicators/links/confirm/", {"phenomenon": phenomena["yksinaisyys"].pk, "indicator": indicator.pk})
    assert response.status_code == 302
    link = PhenomenonIndicatorLink.objects.get()
    assert (link.phenomenon, link.indicator, link.confirmed_by, link.matched_words) == (
        phenomena["yksinaisyys"], indicator, users["admin"], "yksinäinen")
    assert not [s for s in suggest_links() if s.indicator == indicator]
    assert client.post("/indicators/links/confirm/", {"phenomenon": "x", "indicator": indicator.pk}).status_code == 404


# --- fired alerts list -----------------------------------------------------------------------------

@pytest.fixture
def fired(organisations, phenomena, small_geography):
    today = timezone.localdate()

    def make(org_code):
        rule = AlertRule.objects.create(
            organisation=organisations[org_code], phenomenon=phenomena["yksinaisyys"], municipality=small_geography[org_code],
            condition=AlertRule.Condition.COUNT_AT_LEAST, min_count=1, window_days=7, name=f"Sääntö {org_code}")
        return FiredAlert.objects.create(rule=rule, fired_at=timezone.now(), window_start=today, window_end=today,
                                         observed_value=3, message=f"Viesti {org_code}")

    return {"698": make("698"), "320": make("320")}


def test_alert_list_needs_login(client, fired):
    response = client.get("/indicators/alerts/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_users_see_their_organisations_alerts(client, users, fired):
    client.force_login(users["field_698"])
    html = client.get("/indicators/alerts/").content.decode()
    assert "Viesti 698" in html and "Viesti 320" not in html
    client.force_login(users["admin"])
    html = client.get("/indicators/alerts/").content.decode()
    assert "Viesti 698" in html and "Viesti 320" in html


def test_acknowledge(client, users, fired):
    alert = fired["698"]
    url = f"/indicators/alerts/{alert.pk}/acknowledge/"
    client.force_login(users["field_320"])
    assert client.post(url).status_code == 404
    client.force_login(users["coord_698"])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == users["coord_698"] and alert.acknowledged_at is not None
    first = alert.acknowledged_at
    client.force_login(users["field_698"])
    client.post(url)
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.acknowledged_at) == (users["coord_698"], first)
    assert url not in client.get("/indicators/alerts/").content.decode()  # no button once acknowledged


def test_index_lists_municipalities(client, small_geography):
    html = client.get("/indicators/").content.decode()
    assert 'href="/indicators/698/"' in html and 'href="/indicators/320/"' in html
