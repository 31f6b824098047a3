"""Comparison of two periods on the municipality page: periods, the change test, suppression, the page.

The fixture (tests/data/small_areas.geojson, k = 5), loneliness, person observations:

    Rovaniemi 698   99001 Alfa:  2 on 2025-01-15 (winter 2024–25),  12 on 2026-01-15 (winter 2025–26)
                    99002 Beeta: 3 on 2025-01-20,                     4 on 2026-01-20

Both winters are 31 + 31 + 28 = 90 days, so with an unchanged rate each observation falls in the first
winter with p = 1/2. Alfa: P(X <= 2 | n = 14) = (1 + 14 + 91) / 2^14 = 106 / 16384; two-sided (the
distribution is symmetric) 212 / 16384 = 0.01294: more than chance. Beeta: 3 of 7 is as likely as 4 of 7,
so p = 1, and 7 observations are under COMPARISON_MIN_COUNT (10): "too few to tell". Change classes: the largest change is 10, half of it 5: -10…-6, -5…-1, 0, 1…5, 6…10; Alfa (+10)
is in the last class, Beeta (+1) in the fourth.
"""
import datetime as dt
import re

import pytest
from django.utils import timezone

from geo_indi.maps.comparison import (
    change_breaks, change_test, current_winter_year, default_periods, parse_period, period_choices, PeriodError,
    verdict, Verdict,
)
from tests.test_maps import IN_ALFA, IN_BETA, tables

# The fixture's winters are 2024–25 and 2025–26: at this clock both have ended, winter 2026–27 has not begun.
pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-27")]


@pytest.fixture
def winters(record, phenomena, settings):
    settings.SUPPRESSION_K = 5
    for day, n, where in ((dt.date(2025, 1, 15), 2, IN_ALFA), (dt.date(2026, 1, 15), 12, IN_ALFA),
                          (dt.date(2025, 1, 20), 3, IN_BETA), (dt.date(2026, 1, 20), 4, IN_BETA)):
        for _ in range(n):
            record(*where, observed_on=day)
    return phenomena


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_periods_are_parsed_to_their_first_and_last_day():
    assert (parse_period("winter-2025").start, parse_period("winter-2025").end) == (dt.date(2025, 12, 1), dt.date(2026, 2, 28))
    assert parse_period("winter-2023").end == dt.date(2024, 2, 29)
    assert (parse_period("2024-Q1").start, parse_period("2024-Q1").end) == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert parse_period("2024-02").end == dt.date(2024, 2, 29)
    assert parse_period("2025").filters() == {"year": 2025}
    assert parse_period("2025-11").filters() == {"date_from": dt.date(2025, 11, 1), "date_to": dt.date(2025, 11, 30)}
    for bad in ("2025-13", "2025-Q5", "winter", "25", "", "2025-1"):
        with pytest.raises(PeriodError):
            parse_period(bad)


def test_a_running_period_counts_only_its_days_so_far():
    assert parse_period("winter-2026").days(dt.date(2026, 12, 10)) == 10
    assert parse_period("winter-2025").days(dt.date(2026, 12, 10)) == 90
    assert current_winter_year(dt.date(2026, 11, 27)) == 2025
    assert current_winter_year(dt.date(2026, 12, 1)) == 2026


def test_outsiders_choose_among_calendar_years_only():
    today = dt.date(2026, 11, 27)
    [(kind, years)] = period_choices(False, today)
    assert [p.token for p in years] == ["2026", "2025", "2024", "2023", "2022"]
    kinds = {p.kind for _label, periods in period_choices(True, today) for p in periods}
    assert kinds == {"winter", "year", "quarter", "month"}


def test_change_test_by_hand():
    assert change_test(2, 12, 90, 90) == pytest.approx(212 / 16384)
    assert change_test(3, 4, 90, 90) == pytest.approx(1.0)
    assert change_test(0, 0, 90, 90) is None
    # Unequal times: 0 of 10 in a period with a ninth of the days. P(0) = (8/9)^10 = 0.30795; the only
    # outcome more likely is 1 (10 * 1/9 * (8/9)^9 = 0.38493), so the two-sided p is 1 - 0.38493.
    assert change_test(0, 10, 10, 80) == pytest.approx(1 - 10 / 9 * (8 / 9) ** 9)


def test_change_classes_are_whole_numbers_around_zero():
    assert [(low, high) for low, high, _c in change_breaks([10, 1, None])] == [(-10, -6), (-5, -1), (0, 0), (1, 5), (6, 10)]
    assert [(low, high) for low, high, _c in change_breaks([1, -1])] == [(-1, -1), (0, 0), (1, 1)]
    assert [(low, high) for low, high, _c in change_breaks([None, 0])] == [(0, 0)]


def change_table(response):
    return {row[0]: row[2:] for row in tables(response)["change-table"]}


def test_insider_compares_two_winters_with_the_test(client, winters, users):
    client.force_login(users["coord_698"])
    pid = winters["yksinaisyys"].id
    response = client.get(f"/maps/698/?phenomenon={pid}&period_1=winter-2024&period_2=winter-2025")
    assert response.status_code == 200
    rows = change_table(response)
    assert rows["99001"][:3] == ["2", "12", "+10"]
    assert rows["99001"][3].startswith("yes") and "0.013" in rows["99001"][3]
    assert rows["99002"][:3] == ["3", "4", "+1"]
    assert rows["99002"][3] == "too few to tell"  # 3 + 4 < COMPARISON_MIN_COUNT
    html = response.content.decode()
    assert "change-class-4" in html and "change-class-3" in html
    assert "Change from winter 2024–2025 to winter 2025–2026" in html


def test_a_change_involving_a_hidden_count_is_hidden(client, winters):
    # Anonymous: calendar years from the published tables; Alfa's 2 and Beeta's 3 in 2025 are below k.
    response = client.get("/maps/698/?period_1=2025&period_2=2026")
    assert response.status_code == 200
    rows = change_table(response)
    assert rows["99001"][0] == ".." and rows["99001"][2] == ".." and rows["99001"][3] == "–"
    assert rows["99002"][2] == ".."


def selected_periods(html):
    return [re.search(r'value="([^"]+)" selected', select).group(1)
            for select in re.findall(r'<select id="f-period_[12]".*?</select>', html, re.S)]


@pytest.mark.clock("2026-12-03")
def test_the_comparison_appears_when_periods_are_chosen(client, winters, users):
    """Issue 21, item 12: on 3 December 2026 (winter 2026–27 three days old) the defaults are the two winters
    that have ended, not last winter against the running one."""
    client.force_login(users["coord_698"])
    html = client.get("/maps/698/").content.decode()
    assert 'id="f-period_1"' in html and selected_periods(html) == ["winter-2024", "winter-2025"]
    assert "change-table" not in html and 'id="comparison"' not in html


@pytest.mark.parametrize("today, insider, outsider", [
    ("2026-12-03", ("winter-2024", "winter-2025"), ("2024", "2025")),  # a winter three days old is not a default
    ("2027-01-01", ("winter-2024", "winter-2025"), ("2025", "2026")),  # New Year: 2026 has just ended
    ("2028-02-29", ("winter-2025", "winter-2026"), ("2026", "2027")),  # the last day of winter 2027–28: running
    ("2028-03-01", ("winter-2026", "winter-2027"), ("2026", "2027")),  # ... and the day after, it has ended
])
def test_defaults_are_the_last_two_complete_periods(client, winters, users, frozen_clock, today, insider, outsider):
    frozen_clock.move_to(today)
    assert tuple(p.token for p in default_periods(True, timezone.localdate())) == insider
    assert tuple(p.token for p in default_periods(False, timezone.localdate())) == outsider
    client.force_login(users["coord_698"])
    assert selected_periods(client.get("/maps/698/").content.decode()) == list(insider)
    client.force_login(users["field_320"])  # outside its municipalities: calendar years
    assert selected_periods(client.get("/maps/698/").content.decode()) == list(outsider)


@pytest.mark.calendar
def test_at_any_date_the_defaults_have_ended_and_follow_each_other(frozen_clock):
    today = frozen_clock.today
    for exact in (True, False):
        earlier, later = default_periods(exact, today)
        assert earlier.kind == later.kind == ("winter" if exact else "year")
        assert earlier.end < later.start and later.end < today  # both complete
        assert later.start.year == earlier.start.year + 1  # like periods, one after the other
        assert exact or later.start == earlier.end + dt.timedelta(days=1)
        assert later.days(today) == (later.end - later.start).days + 1
        tokens = {p.token for _kind, periods in period_choices(exact, today) for p in periods}
        assert {earlier.token, later.token} <= tokens  # the form can show them selected


@pytest.mark.clock("2026-12-03")
def test_one_new_observation_is_never_more_than_chance(client, record, users, settings):
    """Issue 21, item 5: 0 in winter 2025–26, 1 in the three days of winter 2026–27 gave "yes (p = 0.032)"."""
    settings.SUPPRESSION_K = 1
    record(*IN_ALFA, observed_on=dt.date(2026, 12, 2))
    assert change_test(0, 1, 90, 3) == pytest.approx(3 / 93)  # the exact test itself: 0.032
    client.force_login(users["coord_698"])
    for minimum in (10, 1):  # the setting cannot be lowered below 2
        settings.COMPARISON_MIN_COUNT = minimum
        response = client.get("/maps/698/?period_1=winter-2025&period_2=winter-2026")
        rows = change_table(response)
        assert rows["99001"] == ["0", "1", "+1", "too few to tell"]
    html = response.content.decode()
    assert "has not ended yet counts only its days so far" in html


def test_the_verdict_needs_the_minimum(settings):
    assert verdict(None, 3, None, 10) == Verdict.HIDDEN
    assert verdict(0, 0, None, 10) == Verdict.NO_DATA
    assert verdict(0, 9, 0.004, 10) == Verdict.TOO_FEW
    assert verdict(0, 10, 0.002, 10) == Verdict.MORE_THAN_CHANCE
    assert verdict(5, 5, 1.0, 10) == Verdict.CHANCE


def test_the_answer_comes_first_with_the_areas_that_grew_most(client, winters, users):
    client.force_login(users["coord_698"])
    html = client.get("/maps/698/?period_1=winter-2024&period_2=winter-2025").content.decode()
    answer, filters = html.index('id="comparison"'), html.index('id="f-period_1"')
    assert answer < filters < html.index("areas-table")  # above the filters and the page's own map
    grew = re.search(r'<ol class="grew-most-list">(.*?)</ol>', html, re.S).group(1)
    items = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li>(.*?)</li>", grew, re.S)]
    assert [item.split(":")[0] for item in items] == ["99001 Alfa", "99002 Beeta"]  # +10 before +1
    assert "2 → 12 (+10)" in items[0] and "yes (p = 0.013)" in items[0] and "too few to tell" in items[1]
    assert html.index("grew-most-list") < html.index("map-frame-change") < html.index("change-table")
    assert 'data-sort-first="descending">Difference' in html and "maps/comparison.js" in html


def test_outsiders_cannot_compare_other_periods(client, winters, users):
    assert client.get("/maps/698/?period_1=winter-2024&period_2=winter-2025").status_code == 400
    client.force_login(users["field_320"])
    assert client.get("/maps/698/?period_1=2025-Q1&period_2=2026-Q1").status_code == 400
    assert client.get("/maps/698/?period_1=2025&period_2=nonsense").status_code == 400


def test_every_table_of_the_municipality_page_is_sortable(client, winters, users):
    client.force_login(users["coord_698"])
    html = client.get("/maps/698/?year=2026&period_1=winter-2024&period_2=winter-2025").content.decode()
    for name in ("areas-table", "change-table", "trend-table", "categories-table", "latest-table"):
        assert f'class="{name}" data-sortable' in html
    assert "maps/sortable.js" in html
