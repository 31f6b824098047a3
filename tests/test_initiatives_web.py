"""Initiatives in the web app: the coordinator's form, the interval's feedback requests, two-tap feedback
answers, the initiative page and the municipality page's timeline (docs/loop.md)."""
import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from geo_indi.accounts.models import Membership, Organisation
from geo_indi.areas.models import PostcodeArea
from geo_indi.indicators.models import Indicator, IndicatorValue
from geo_indi.initiatives.models import Initiative, ReviewInterval
from geo_indi.initiatives.services import (initiative_create, interval_review_due, municipality_timeline,
                                          reviews_request_due)
from geo_indi.questions.models import Answer, Kind, Question
from geo_indi.questions.services import answer_record

from .conftest import INSIDE_ALFA

# The instant every test here runs at: Friday 2026-11-27, noon in Helsinki. Interval arithmetic is relative to it.
pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-27")]
TODAY = dt.date(2026, 11, 27)
IN_BETA = (66.05, 25.3)  # 99002


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def people(users, parish, make_member, organisations):
    return {**users, "parish_worker": make_member("parishworker", parish),
            "coord_320": make_member("coord320", organisations["320"], Membership.Role.COORDINATOR)}


@pytest.fixture
def indicator(small_geography):
    """A followed indicator with Rovaniemi's values for 2025 and 2026 (and one of Kemijärvi's, not shown)."""
    ind = Indicator.objects.create(sotkanet_id=4242, title_fi="Yksinasuvat 75 vuotta täyttäneet", unit="%")
    IndicatorValue.objects.create(indicator=ind, municipality=small_geography["698"], year=2025, value=51.5)
    IndicatorValue.objects.create(indicator=ind, municipality=small_geography["698"], year=2026, value=49.25)
    IndicatorValue.objects.create(indicator=ind, municipality=small_geography["320"], year=2026, value=77.0)
    return ind


def form_body(phenomena, parish, /, **changes):
    body = {"title": "Village coffee", "goal": "Fewer lonely older people in Alfa", "municipality": parish.municipalities.get().pk,
            "phenomena": [phenomena["yksinaisyys"].pk], "postcode_areas": [PostcodeArea.objects.get(postcode="99001").pk],
            "responsible_organisations": [parish.pk], "starts_on": "2026-08-27",
            "review_interval_months": str(ReviewInterval.QUARTERLY)}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_coordinator_creates_an_initiative_with_the_form(client, people, phenomena, parish, indicator):
    client.force_login(people["coord_698"])
    page = client.get(f"/initiatives/new/?municipality=698&phenomenon={phenomena['yksinaisyys'].pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rovaniemi parish" in html and "Kemijärvi org" not in html  # organisations chosen by name, only here
    response = client.post("/initiatives/new/", form_body(phenomena, parish, indicators=[indicator.pk]))
    initiative = Initiative.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/initiatives/{initiative.pk}/"
    assert (initiative.title, initiative.starts_on, initiative.review_interval_months) == (
        "Village coffee", dt.date(2026, 8, 27), 3)
    assert [p.slug for p in initiative.phenomena.all()] == ["yksinaisyys"]
    assert [a.postcode for a in initiative.postcode_areas.all()] == ["99001"]
    assert [o.name for o in initiative.responsible_organisations.all()] == ["Rovaniemi parish"]
    assert [m.code for m in initiative.municipalities.all()] == ["698"]
    assert list(initiative.indicators.all()) == [indicator]
    assert initiative.organisation == people["coord_698"].membership.organisation


def test_bad_form_input_answers_400_with_the_services_messages_and_writes_nothing(client, people, phenomena, parish,
                                                                                  organisations):
    client.force_login(people["coord_698"])
    response = client.post("/initiatives/new/", form_body(phenomena, parish, phenomena=None,
                                                          responsible_organisations=None,
                                                          review_interval_months=""))
    assert response.status_code == 400
    html = response.content.decode()
    for message in ("Link at least one phenomenon.", "Name at least one responsible organisation.",
                    "Choose how often feedback is asked, or give review dates."):
        assert message in html
    client.force_login(people["admin"])  # every organisation on offer: the service refuses one working elsewhere
    response = client.post("/initiatives/new/", form_body(
        phenomena, parish, responsible_organisations=[organisations["320"].pk],
        postcode_areas=[PostcodeArea.objects.get(postcode="99003").pk]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "These organisations do not work in the municipalities: Kemijärvi org" in html
    assert "These postcode areas are not in the municipalities: 99003" in html
    assert not Initiative.objects.exists()


def test_form_errors_are_translated(client, people, phenomena, parish):
    client.force_login(people["coord_698"])
    response = client.post("/initiatives/new/", form_body(phenomena, parish, phenomena=None),
                           HTTP_ACCEPT_LANGUAGE="fi")
    assert "Liitä vähintään yksi ilmiö." in response.content.decode()


def test_only_coordinators_of_the_municipality_create_and_edit(client, people, phenomena, parish):
    client.force_login(people["field_698"])
    assert client.get("/initiatives/new/").status_code == 403
    assert client.post("/initiatives/new/", form_body(phenomena, parish)).status_code == 403
    client.force_login(people["coord_320"])  # a coordinator, but not in Rovaniemi: 698 is not on offer
    assert client.post("/initiatives/new/", form_body(phenomena, parish)).status_code == 400
    assert not Initiative.objects.exists()
    client.force_login(people["coord_698"])
    client.post("/initiatives/new/", form_body(phenomena, parish))
    initiative = Initiative.objects.get()
    client.force_login(people["parish_worker"])  # sees the initiative, may not change it
    assert client.get(f"/initiatives/{initiative.pk}/").status_code == 200
    assert client.post(f"/initiatives/{initiative.pk}/edit/", form_body(phenomena, parish, title="x")).status_code == 403
    client.force_login(people["coord_320"])
    assert client.get(f"/initiatives/{initiative.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        initiative_create(created_by=people["coord_320"], title="t", goal="g", phenomena=[phenomena["yksinaisyys"]],
                          municipalities=list(initiative.municipalities.all()), responsible_organisations=[parish],
                          starts_on=TODAY, review_interval_months=3)
    initiative.refresh_from_db()
    assert initiative.title == "Village coffee"


def test_coordinator_edits_the_initiative_and_bad_edits_change_nothing(client, people, phenomena, parish):
    client.force_login(people["coord_698"])
    client.post("/initiatives/new/", form_body(phenomena, parish))
    initiative = Initiative.objects.get()
    page = client.get(f"/initiatives/{initiative.pk}/edit/")
    assert page.status_code == 200 and 'value="Village coffee"' in page.content.decode()
    bad = client.post(f"/initiatives/{initiative.pk}/edit/", form_body(phenomena, parish, title="Renamed",
                                                                       responsible_organisations=None))
    assert bad.status_code == 400
    initiative.refresh_from_db()
    assert initiative.title == "Village coffee"
    assert list(initiative.responsible_organisations.all()) == [parish]
    ok = client.post(f"/initiatives/{initiative.pk}/edit/", form_body(
        phenomena, parish, title="Village coffee and walks", review_interval_months=str(ReviewInterval.MONTHLY),
        postcode_areas=None))
    assert ok.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.title, initiative.review_interval_months) == ("Village coffee and walks", 1)
    assert not initiative.postcode_areas.exists()


@pytest.mark.parametrize("starts_on, months, last_review, expected", [
    # start + 1, 2, ... months; the latest that has come and follows the last review
    (dt.date(2026, 8, 27), 3, None, dt.date(2026, 11, 27)),          # exactly one interval: due today
    (dt.date(2026, 8, 28), 3, None, None),                            # one day short
    (dt.date(2026, 1, 31), 1, None, dt.date(2026, 10, 31)),           # 31 Jan + 9 months; + 10 (30 Nov) not yet
    (dt.date(2026, 1, 31), 1, dt.date(2026, 10, 31), None),           # asked already
    (dt.date(2025, 5, 1), 6, dt.date(2025, 11, 1), dt.date(2026, 11, 1)),  # missed 2026-05-01: only the newest
    (dt.date(2026, 5, 1), None, None, None),                          # no interval: only dates set by hand
])
def test_interval_review_due(starts_on, months, last_review, expected):
    initiative = Initiative(starts_on=starts_on, review_interval_months=months)
    assert interval_review_due(initiative, TODAY, last_review) == expected


def test_interval_sends_feedback_requests_answered_in_two_taps(client, people, phenomena, parish):
    client.force_login(people["coord_698"])
    client.post("/initiatives/new/", form_body(phenomena, parish))  # started 2026-08-27, every 3 months
    initiative = Initiative.objects.get()
    assert not Question.objects.asked_to(people["parish_worker"]).exists()
    call_command("request_initiative_reviews", verbosity=0)  # what the worker's periodic job runs
    assert reviews_request_due() == []  # asked once
    assert [r.review_on for r in initiative.reviews.all()] == [TODAY]
    question = Question.objects.asked_to(people["parish_worker"]).get()
    assert (question.kind, question.options) == (Kind.FEEDBACK, [])
    assert [a.postcode for a in question.postcode_areas.all()] == ["99001"]
    assert not Question.objects.asked_to(people["field_698"]).exists()  # the creating organisation is not asked

    client.force_login(people["parish_worker"])
    mine = client.get("/api/questions/?asked_to_me=1").json()["results"]
    assert [(q["id"], q["kind"]) for q in mine] == [(question.pk, "feedback")]
    url = f"/api/questions/{question.pk}/answers/"
    missing = client.post(url, {"client_uuid": str(uuid.uuid4()), "trend": "less"}, content_type="application/json")
    assert missing.status_code == 400 and "verdict" in missing.json()["errors"]
    bad = client.post(url, {"client_uuid": str(uuid.uuid4()), "verdict": "great"}, content_type="application/json")
    assert bad.status_code == 400 and "verdict" in bad.json()["errors"]
    assert not Answer.objects.exists()
    sent = client.post(url, {"client_uuid": str(uuid.uuid4()), "verdict": "better", "text": "More come to coffee"},
                       content_type="application/json")
    assert sent.status_code == 201
    answer = Answer.objects.get()
    assert (answer.verdict, answer.trend, answer.text, answer.organisation) == (
        "better", "", "More come to coffee", parish)


def test_initiative_page_puts_feedback_beside_monthly_observations_and_indicators(client, people, phenomena, parish,
                                                                                indicator, record):
    """Loneliness observations in 99001 (the initiative's area) per month of its life, from the start's month
    (2026-08) to this one (2026-11): 08: 08-20, 08-30 = 2; 09: none = 0; 10: 10-01, 10-15, 10-31 = 3;
    11: 11-02 = 1. Not counted: 2026-07-31 (before the start's month), one in 99002 (outside the area) and
    one of another phenomenon. The one feedback answer (same) falls in 2026-11."""
    for day in ("2026-08-20", "2026-08-30", "2026-10-01", "2026-10-15", "2026-10-31", "2026-11-02"):
        record(*INSIDE_ALFA, observed_on=dt.date.fromisoformat(day))
    record(*IN_BETA, observed_on=dt.date(2026, 10, 5))
    record(*INSIDE_ALFA, observed_on=dt.date(2026, 10, 6), phenomenon="digitaalisuus")
    record(*INSIDE_ALFA, observed_on=dt.date(2026, 7, 31))  # before the start's month
    client.force_login(people["coord_698"])
    client.post("/initiatives/new/", form_body(phenomena, parish, indicators=[indicator.pk]))
    initiative = Initiative.objects.get()
    reviews_request_due()
    question = Question.objects.get()
    answer_record(question=question, respondent=people["parish_worker"], client_uuid=uuid.uuid4(), verdict="same",
                  text="As many as before")

    html = client.get(f"/initiatives/{initiative.pk}/").content.decode()
    table = html.split('id="initiative-trend-table"')[1].split("</table>")[0]
    rows = [r.split("</tr>")[0] for r in table.split("<tr>")[2:]]
    cells = [[c.split("<")[0] for c in r.replace("<th scope=\"row\">", "<td>").split("<td>")[1:]] for r in rows]
    # month, observations, feedback better / same / worse
    assert cells == [["2026-08", "2", "0", "0", "0"], ["2026-09", "0", "0", "0", "0"],
                     ["2026-10", "3", "0", "0", "0"], ["2026-11", "1", "0", "1", "0"]]
    assert "As many as before" in html and "Rovaniemi parish" in html
    indicators = html.split('id="initiative-indicator-table"')[1].split("</table>")[0]
    assert "49.25" in indicators and "77.0" not in indicators and "51.5" not in indicators  # the life: 2026 only

    client.force_login(people["field_698"])  # the creating organisation's field worker: counts yes, answers too
    assert "As many as before" in client.get(f"/initiatives/{initiative.pk}/").content.decode()


def test_feedback_of_another_organisation_stays_with_the_initiatives_organisations(client, people, phenomena,
                                                                                   parish, make_member, organisations):
    client.force_login(people["coord_698"])
    client.post("/initiatives/new/", form_body(phenomena, parish))
    initiative = Initiative.objects.get()
    reviews_request_due()
    answer_record(question=Question.objects.get(), respondent=people["parish_worker"], client_uuid=uuid.uuid4(),
                  verdict="worse", text="Nobody came")
    outsider_org = Organisation.objects.create(name="Rovaniemi sports club", kind=Organisation.Kind.NGO)
    outsider_org.municipalities.set([organisations["698"].municipalities.get()])
    client.force_login(make_member("sportsclub", outsider_org))
    html = client.get(f"/initiatives/{initiative.pk}/").content.decode()
    assert "Nobody came" not in html and "Feedback: worse" not in html
    assert "Feedback on the initiative is shown to its own organisations only." in html


def test_municipality_timeline_links_each_initiative_and_offers_a_new_one_to_coordinators(client, people, phenomena,
                                                                                        parish):
    client.force_login(people["coord_698"])
    empty = client.get("/maps/698/").content.decode()
    assert 'id="new-initiative-link"' in empty and "/initiatives/new/?municipality=698" in empty
    client.post("/initiatives/new/", form_body(phenomena, parish))
    initiative = Initiative.objects.get()
    html = client.get(f"/maps/698/?phenomenon={phenomena['yksinaisyys'].pk}").content.decode()
    assert f'href="/initiatives/{initiative.pk}/"' in html
    assert f"/initiatives/new/?municipality=698&amp;phenomenon={phenomena['yksinaisyys'].pk}" in html
    client.force_login(people["field_698"])
    html = client.get("/maps/698/").content.decode()
    assert f'href="/initiatives/{initiative.pk}/"' in html and 'id="new-initiative-link"' not in html

    # Started 2026-08-27, every three months: asked today (2026-11-27), planned next on 2027-02-27.
    reviews_request_due()
    [entry] = municipality_timeline(initiative.municipalities.get(), people["coord_698"])
    assert [(ev.date, ev.kind) for ev in entry.events] == [
        (dt.date(2026, 8, 27), "start"), (TODAY, "review"), (dt.date(2027, 2, 27), "planned")]


def test_api_takes_the_interval_and_indicators_with_the_same_rules(client, people, phenomena, parish, indicator):
    client.force_login(people["coord_698"])
    body = {"title": "Village coffee", "goal": "g", "phenomena": ["yksinaisyys"], "municipalities": ["698"],
            "responsible_organisations": [parish.pk], "starts_on": "2026-08-27"}
    bad = client.post("/api/initiatives/", body, content_type="application/json")
    assert bad.status_code == 400 and "review_interval_months" in bad.json()["errors"]
    assert not Initiative.objects.exists()
    created = client.post("/api/initiatives/", {**body, "review_interval_months": 6, "indicators": [4242]},
                          content_type="application/json")
    assert created.status_code == 201
    assert (created.json()["review_interval_months"], created.json()["indicators"]) == (6, [4242])


def test_service_refuses_an_area_outside_the_municipalities(people, phenomena, parish):
    with pytest.raises(ValidationError) as refused:
        initiative_create(created_by=people["admin"], title="t", goal="g", phenomena=[phenomena["yksinaisyys"]],
                          municipalities=list(parish.municipalities.all()), responsible_organisations=[parish],
                          starts_on=TODAY, review_interval_months=3,
                          postcode_areas=[PostcodeArea.objects.get(postcode="99004")])
    assert list(refused.value.message_dict) == ["postcode_areas"]
    assert not Initiative.objects.exists()


def test_research_extract_carries_the_feedback_verdict(client, people, phenomena, parish, tmp_path):
    from geo_indi.research.services import extract_make

    from .test_loop import read_csv

    client.force_login(people["coord_698"])
    client.post("/initiatives/new/", form_body(phenomena, parish))
    reviews_request_due()
    answer_record(question=Question.objects.get(), respondent=people["parish_worker"], client_uuid=uuid.uuid4(),
                  verdict="better")
    extract = extract_make(made_by=people["admin"], year_from=2026, year_to=2026, purpose="p", recipient="r",
                           directory=tmp_path)
    [row] = read_csv(extract.path, "questions_answers")
    assert (row["kind"], row["verdict"], row["trend"], row["initiative"]) == (
        "feedback", "better", "", str(Initiative.objects.get().pk))


def test_monthly_counts_stay_with_insiders_of_every_municipality_of_the_initiative(people, phenomena, parish,
                                                                                 small_geography, record,
                                                                                 make_member):
    """An initiative over Rovaniemi and Kemijärvi, made by a coordinator of an organisation working in both: the
    parish works in Rovaniemi only, so it sees no monthly counts (the table keeps its months, without observation
    columns); the coordinator sees 0 in 2026-10 and 1 in 2026-11 (one observation in Alfa, 99001, on 11-02)."""
    from geo_indi.initiatives.trend import initiative_trend

    county = Organisation.objects.create(name="County", kind=Organisation.Kind.WELLBEING_COUNTY)
    county.municipalities.set(small_geography.values())
    coordinator = make_member("countycoord", county, Membership.Role.COORDINATOR)
    record(*INSIDE_ALFA, observed_on=dt.date(2026, 11, 2))
    initiative = initiative_create(
        created_by=coordinator, title="Two towns", goal="g", phenomena=[phenomena["yksinaisyys"]],
        municipalities=list(small_geography.values()), responsible_organisations=[parish],
        starts_on=dt.date(2026, 10, 15), review_interval_months=1)
    outside = initiative_trend(initiative, people["parish_worker"], TODAY)
    assert (outside.sees_counts, [m.observations for m in outside.months]) == (False, [[None], [None]])
    assert outside.chart_data()["phenomena"] == []
    inside = initiative_trend(initiative, coordinator, TODAY)
    assert [(m.month, m.observations) for m in inside.months] == [
        (dt.date(2026, 10, 1), [0]), (dt.date(2026, 11, 1), [1])]


def test_a_superuser_without_an_organisation_is_refused_not_a_server_error(people, phenomena, parish):
    with pytest.raises(PermissionDenied):
        initiative_create(created_by=people["admin"], title="t", goal="g", phenomena=[phenomena["yksinaisyys"]],
                          municipalities=list(parish.municipalities.all()), responsible_organisations=[parish],
                          starts_on=TODAY, review_interval_months=3)
    assert not Initiative.objects.exists()
