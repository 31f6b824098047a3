"""Questions to local actors, initiatives with reviews, and research extracts (docs/loop.md)."""
import csv
import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone
from frictionless import Package

from geo_indi.accounts.models import Membership
from geo_indi.audit.models import AuditEvent
from geo_indi.initiatives.models import Review
from geo_indi.initiatives.services import initiative_create, municipality_timeline, reviews_request_due
from geo_indi.questions.models import Answer, Kind, Question
from geo_indi.questions.services import answer_record, question_ask
from geo_indi.research.models import ResearchExtract, ReviewedDescription
from geo_indi.research.services import AUDIT_ACTION, extract_make

from .conftest import INSIDE_ALFA

pytestmark = [pytest.mark.django_db, pytest.mark.calendar]  # questions close, reviews fall due: relative to the frozen clock

IN_BETA = (66.05, 25.3)  # 99002


@pytest.fixture
def people(users, parish, make_member):
    return {**users, "parish_worker": make_member("parishworker", parish)}


def ask(people, phenomena, organisations, parish, **kw):
    args = dict(asked_by=people["coord_698"], phenomenon=phenomena["yksinaisyys"],
                municipality=organisations["698"].municipalities.get(), text="Do you see more lonely older people?",
                kind=Kind.TREND, closes_on=timezone.localdate() + dt.timedelta(days=7), target_organisations=[parish])
    args.update(kw)
    return question_ask(**args)


def test_question_reaches_the_organisation_asked_and_not_others(people, phenomena, organisations, parish):
    q = ask(people, phenomena, organisations, parish)
    assert list(Question.objects.asked_to(people["parish_worker"])) == [q]
    assert not Question.objects.asked_to(people["field_320"]).exists()
    assert not Question.objects.asked_to(people["field_698"]).exists()


def test_question_by_role_reaches_that_role_in_every_organisation_working_there(people, phenomena, organisations,
                                                                                  parish):
    q = ask(people, phenomena, organisations, parish, target_organisations=[],
            target_roles=[Membership.Role.FIELD_WORKER])
    assert set(q.recipients()) == {people["field_698"], people["parish_worker"]}
    assert not Question.objects.asked_to(people["field_320"]).exists()


def test_field_worker_may_not_ask_and_organisation_outside_the_area_is_refused(people, phenomena, organisations,
                                                                                parish, client):
    with pytest.raises(PermissionDenied):
        ask(people, phenomena, organisations, parish, asked_by=people["field_698"])
    client.force_login(people["coord_698"])
    response = client.post("/api/questions/", {
        "phenomenon": phenomena["yksinaisyys"].pk, "municipality": "698", "text": "?", "kind": "trend",
        "target_organisations": [organisations["320"].pk]}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "target_organisations" in response.json()["errors"]
    client.force_login(people["field_698"])
    response = client.post("/api/questions/", {}, content_type="application/json")
    assert response.status_code in (400, 403) and "error" in response.json()


def test_answer_through_the_api_is_idempotent_and_seen_only_by_the_asking_organisation(
        people, phenomena, organisations, parish, client):
    q = ask(people, phenomena, organisations, parish)
    client.force_login(people["parish_worker"])
    listed = client.get("/api/questions/?asked_to_me=1").json()["results"]
    assert [item["id"] for item in listed] == [q.pk]
    assert listed[0]["answers"] is None
    body = {"client_uuid": str(uuid.uuid4()), "trend": "more", "text": "Two more this winter"}
    first = client.post(f"/api/questions/{q.pk}/answers/", body, content_type="application/json")
    again = client.post(f"/api/questions/{q.pk}/answers/", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert Answer.objects.filter(question=q).count() == 1
    bad = client.post(f"/api/questions/{q.pk}/answers/", {**body, "trend": "sideways"},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"

    client.force_login(people["coord_698"])
    answers = client.get(f"/api/questions/{q.pk}/").json()["answers"]
    assert [(a["organisation"], a["trend"], a["text"]) for a in answers] == [("Rovaniemi parish", "more",
                                                                             "Two more this winter")]
    page = client.get(f"/questions/?phenomenon={phenomena['yksinaisyys'].pk}")
    assert "Two more this winter" in page.content.decode()

    client.force_login(people["field_320"])
    assert client.get(f"/api/questions/{q.pk}/").status_code == 404
    response = client.post(f"/api/questions/{q.pk}/answers/", {**body, "client_uuid": str(uuid.uuid4())},
                           content_type="application/json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_closed_question_refuses_answers(people, phenomena, organisations, parish):
    q = ask(people, phenomena, organisations, parish)
    Question.objects.filter(pk=q.pk).update(closes_on=timezone.localdate() - dt.timedelta(days=1))
    q.refresh_from_db()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        answer_record(question=q, respondent=people["parish_worker"], client_uuid=uuid.uuid4(), trend="same")


def test_reminders_go_once_a_day_to_those_who_have_not_answered(people, phenomena, organisations, parish,
                                                                 make_member):
    people["parish_worker"].email = "pw@example.org"
    people["parish_worker"].save()
    other = make_member("parish2", parish)
    other.email = "p2@example.org"
    other.save()
    q = ask(people, phenomena, organisations, parish, closes_on=timezone.localdate() + dt.timedelta(days=2))
    answer_record(question=q, respondent=other, client_uuid=uuid.uuid4(), trend="same")
    call_command("remind_questions", verbosity=0)
    assert [m.to for m in mail.outbox] == [["pw@example.org"]]
    assert q.text in mail.outbox[0].body
    call_command("remind_questions", verbosity=0)
    assert len(mail.outbox) == 1


def test_review_date_asks_responsible_organisations_for_feedback_and_timeline_shows_it(
        people, phenomena, organisations, parish):
    today = timezone.localdate()
    rovaniemi = organisations["698"].municipalities.get()
    initiative_create(
        created_by=people["coord_698"], title="Village coffee", goal="Fewer lonely older people",
        phenomena=[phenomena["yksinaisyys"]], municipalities=[rovaniemi], responsible_organisations=[parish],
        measures=["Weekly coffee", "Visits"], starts_on=today - dt.timedelta(days=30),
        review_dates=[today, today + dt.timedelta(days=90)])
    assert not Question.objects.asked_to(people["parish_worker"]).exists()
    call_command("request_initiative_reviews", verbosity=0)
    assert reviews_request_due() == []  # each review is asked once
    question = Question.objects.asked_to(people["parish_worker"]).get()
    assert (question.kind, question.options) == (Kind.REVIEW, ["Weekly coffee", "Visits"])
    assert list(Review.objects.get(review_on=today).questions.all()) == [question]
    answer_record(question=question, respondent=people["parish_worker"], client_uuid=uuid.uuid4(), trend="less",
                  progress=["done", "ongoing"], text="Coffee every Tuesday")

    [entry] = municipality_timeline(rovaniemi, people["coord_698"])
    assert [(e.date, e.kind) for e in entry.events] == [
        (today - dt.timedelta(days=30), "start"), (today, "review"), (today + dt.timedelta(days=90), "review")]
    assert [a.trend for a in entry.events[1].answers] == ["less"]
    [outside] = municipality_timeline(rovaniemi, people["field_320"])
    assert [e.answers for e in outside.events] == [[], [], []]


def test_openapi_schema_documents_the_question_endpoints(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert {"/api/questions/", "/api/questions/{id}/", "/api/questions/{id}/answers/"} <= set(paths)
    assert "post" in paths["/api/questions/{id}/answers/"]


# ---------- research extracts ----------

def read_csv(directory, name):
    with open(Path(directory) / f"{name}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def extract_data(people, record, phenomena, organisations, parish):
    """6 person observations of loneliness in 99001 and 6 in 99002 this year (both at or over k = 5); one
    object observation with its point; texts: one reviewed, one reviewed and then edited, the rest unreviewed."""
    observations = [record(*INSIDE_ALFA, description="checked village note")]
    observations += [record(*INSIDE_ALFA, description=f"unreviewed alfa {i}") for i in range(1, 6)]
    observations += [record(*IN_BETA, description=f"unreviewed beta {i}") for i in range(6)]
    object_obs = record(66.0512, 25.1234, subject="object", description="broken bench")
    ReviewedDescription.objects.create(observation=observations[0], checked_text=observations[0].description,
                                       reviewed_by=people["admin"])
    ReviewedDescription.objects.create(observation=observations[1], checked_text="an older text")
    q = ask(people, phenomena, organisations, parish, kind=Kind.TEXT)
    answer_record(question=q, respondent=people["parish_worker"], client_uuid=uuid.uuid4(), text="unchecked answer")
    return {"reviewed": observations[0].description, "object": object_obs}


def test_research_extract_validates_and_keeps_points_and_unreviewed_text_out(extract_data, people, tmp_path):
    year = timezone.localdate().year
    extract = extract_make(made_by=people["admin"], year_from=year, year_to=year, purpose="Loneliness study",
                           recipient="University of Lapland", directory=tmp_path)
    directory = Path(extract.path)
    assert Package(str(directory / "datapackage.json")).validate().valid
    everything = "\n".join(p.read_text(encoding="utf-8") for p in directory.iterdir())
    for text in ("unreviewed alfa", "unreviewed beta", "broken bench", "unchecked answer", "an older text",
                 "66.051", "25.123", "66.05,", "25.1,"):
        assert text not in everything
    for name in ("observations", "observation_counts", "questions_answers"):
        header = read_csv(directory, name)[0].keys() if read_csv(directory, name) else []
        assert not {"lat", "lon", "location", "geometry", "point", "x", "y"} & set(header)

    counts = {(r["postcode"], r["phenomenon"]): r["count"] for r in read_csv(directory, "observation_counts")}
    rows = read_csv(directory, "observations")
    per_cell = {}
    for row in rows:
        per_cell[row["postcode"], row["phenomenon"]] = per_cell.get((row["postcode"], row["phenomenon"]), 0) + 1
    # Record rows only in cells published with a number, and exactly as many as published.
    assert per_cell and all(counts[cell] == str(n) for cell, n in per_cell.items())
    # 6 persons + 1 object in 99001 and 6 persons in 99002: both over k, nothing small to protect in 698.
    assert (counts["99001", "yksinaisyys"], counts["99002", "yksinaisyys"]) == ("7", "6")
    assert extract_data["reviewed"] in everything
    assert [r["text"] for r in read_csv(directory, "questions_answers")] == [""]

    event = AuditEvent.objects.get(action=AUDIT_ACTION)
    assert (event.actor_username, event.object_id) == ("root", str(extract.pk))
    assert event.detail["purpose"] == "Loneliness study" and event.detail["recipient"] == "University of Lapland"
    descriptor = json.loads((directory / "datapackage.json").read_text())
    assert descriptor["licenses"] and descriptor["provenance"]["purpose"] == "Loneliness study"


def test_pseudonyms_are_consistent_within_one_extract_and_new_in_the_next(extract_data, people, tmp_path):
    year = timezone.localdate().year

    def pseudonyms():
        e = extract_make(made_by=people["admin"], year_from=year, year_to=year, purpose="p", recipient="r",
                         directory=tmp_path)
        rows = read_csv(e.path, "questions_answers")
        return rows[0]["asked_by"], rows[0]["answered_by"], {r["organisation"] for r in read_csv(e.path, "observations")}

    asked_1, answered_1, recorded_1 = pseudonyms()
    asked_2, answered_2, recorded_2 = pseudonyms()
    # coord698 asked and field698 recorded every observation: one organisation, one pseudonym per extract
    assert recorded_1 == {asked_1} and recorded_2 == {asked_2}
    assert asked_1 != answered_1 and asked_1 != asked_2 and answered_1 != answered_2
    assert ResearchExtract.objects.count() == 2


def test_only_administrators_make_extracts(extract_data, people, tmp_path):
    with pytest.raises(PermissionDenied):
        extract_make(made_by=people["coord_698"], year_from=2026, year_to=2026, purpose="p", recipient="r",
                     directory=tmp_path)
    assert not AuditEvent.objects.filter(action=AUDIT_ACTION).exists()


def test_coordinator_creates_an_initiative_through_the_api_and_others_are_refused(
        people, phenomena, organisations, parish, client):
    today = timezone.localdate()
    body = {"title": "Village coffee", "goal": "Fewer lonely older people", "phenomena": ["yksinaisyys"],
            "municipalities": ["698"], "responsible_organisations": [parish.pk], "measures": ["Weekly coffee"],
            "starts_on": today.isoformat(), "review_dates": [(today + dt.timedelta(days=90)).isoformat()]}
    client.force_login(people["field_698"])
    assert client.post("/api/initiatives/", body, content_type="application/json").status_code == 403
    client.force_login(people["coord_698"])
    bad = client.post("/api/initiatives/", {**body, "review_dates": [today.isoformat()],
                                            "responsible_organisations": [organisations["320"].pk]},
                      content_type="application/json")
    assert bad.status_code == 400
    assert {"review_dates", "responsible_organisations"} <= set(bad.json()["errors"])
    created = client.post("/api/initiatives/", body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["review_dates"] == [(today + dt.timedelta(days=90)).isoformat()]
    client.force_login(people["parish_worker"])
    assert [i["title"] for i in client.get("/api/initiatives/").json()["results"]] == ["Village coffee"]
    client.force_login(people["field_320"])
    assert client.get("/api/initiatives/").json()["results"] == []
