"""Decisions on suggested groups (issue 21, item 6): preview, confirmation, undo within a set time, no default
merge target, a name from nouns. The clock is frozen, and moved on explicitly to pass the undo time."""
import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError

from geo_indi.analysis import grouping_runs, services
from geo_indi.analysis.models import GroupDecision, SuggestedGroup
from geo_indi.observations.models import Category, Observation, Phenomenon

from .conftest import INSIDE_ALFA

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def described(record, phenomena, clock):
    """Rovaniemi: four street-light descriptions (object, three of them with a category) and one already in
    loneliness; three drinking descriptions. A grouping run by the coordinator."""
    category = Category.objects.filter(phenomenon=phenomena["turvallisuus-ymparistossa"]).first()
    lights = ["Katuvalo rikki koulun luona", "Katuvalot ovat rikki", "Katuvaloja rikki tiellä", "Katuvalo on rikki"]
    made = {"lights": [record(*INSIDE_ALFA, subject="object", phenomenon="turvallisuus-ymparistossa",
                              description=t, **({"category": category} if category and i else {}))
                       for i, t in enumerate(lights)],
            "category": category}
    made["lights"].append(record(*INSIDE_ALFA, phenomenon="yksinaisyys", description="Katuvalo rikki taas"))
    made["drinking"] = [record(*INSIDE_ALFA, phenomenon="nuorten-paihteet", description=t) for t in
                        ["Nuoret joivat alkoholia kaupan takana", "Nuoria humalassa, alkoholia", "Alkoholia nuorilla"]]
    return made


def _group_of(run, observations):
    wanted = {o.pk for o in observations}
    return next(g for g in run.groups.all() if wanted <= set(g.observations.values_list("id", flat=True)))


@pytest.fixture
def lights_group(described, users):
    run = grouping_runs.grouping_start(user=users["coord_698"], deferred=False)
    return _group_of(run, described["lights"][:4])


def test_the_preview_says_what_moves_from_where_to_where(lights_group, users, phenomena):
    members = set(lights_group.observations.values_list("id", flat=True))
    plan = services.decision_plan(lights_group, user=users["coord_698"], action="merge",
                                  phenomenon=phenomena["yksinaisyys"])
    in_loneliness = Observation.objects.filter(pk__in=members, phenomenon=phenomena["yksinaisyys"]).count()
    assert plan.members == len(members) and plan.moving == len(members) - in_loneliness
    assert plan.staying == in_loneliness >= 1
    assert dict(plan.sources) == {phenomena["turvallisuus-ymparistossa"].name: plan.moving}
    assert Observation.objects.filter(pk__in=members, phenomenon=phenomena["yksinaisyys"]).count() == in_loneliness


def test_nothing_moves_without_the_confirmation(client, lights_group, users, phenomena):
    client.force_login(users["coord_698"])
    before = dict(Observation.objects.values_list("id", "phenomenon_id"))
    page = client.get(f"/analysis/groups/{lights_group.pk}/preview/",
                      {"action": "merge", "phenomenon": phenomena["yksinaisyys"].pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r"\d+ observations move to Loneliness|\d+ observation moves to Loneliness", html), html
    # The old one-click post (no confirmation) shows the preview again and moves nothing.
    response = client.post(f"/analysis/groups/{lights_group.pk}/decide/",
                           {"action": "merge", "phenomenon": phenomena["yksinaisyys"].pk})
    assert response.status_code == 200 and 'id="confirm-decision"' in response.content.decode()
    assert dict(Observation.objects.values_list("id", "phenomenon_id")) == before
    lights_group.refresh_from_db()
    assert lights_group.status == SuggestedGroup.Status.OPEN and not GroupDecision.objects.exists()


def test_no_default_merge_target(client, lights_group, users):
    client.force_login(users["coord_698"])
    html = client.get("/analysis/groups/").content.decode()
    select = html[html.index(f'id="merge-{lights_group.pk}"'):html.index("</select>", html.index(f'id="merge-{lights_group.pk}"'))]
    assert " required" in select
    first = re.search(r"<option ([^>]*)>", select).group(1)
    assert 'value=""' in first and "selected" in first
    assert len(re.findall(r"<option [^>]*selected", select)) == 1
    response = client.get(f"/analysis/groups/{lights_group.pk}/preview/", {"action": "merge"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Choose the phenomenon to merge into." in response.content.decode()
    response = client.post(f"/analysis/groups/{lights_group.pk}/decide/",
                           {"action": "merge", "confirmed": "yes", "fingerprint": "x"})
    assert response.status_code == 400 and not GroupDecision.objects.exists()


def test_confirm_then_undo_puts_everything_back_and_keeps_both_in_the_trail(client, lights_group, users, described):
    client.force_login(users["coord_698"])
    members = set(lights_group.observations.values_list("id", flat=True))
    before = dict(Observation.objects.filter(pk__in=members).values_list("id", "phenomenon_id"))
    categories = dict(Observation.objects.filter(pk__in=members).values_list("id", "category_id"))
    assert any(categories.values())  # some had a category: the undo must bring it back
    plan = services.decision_plan(lights_group, user=users["coord_698"], action="confirm", name_fi="Katuvalot")
    response = client.post(f"/analysis/groups/{lights_group.pk}/decide/", {
        "action": "confirm", "name_fi": "Katuvalot", "confirmed": "yes", "fingerprint": plan.fingerprint})
    assert response.status_code == 302
    new = Phenomenon.objects.get(name_fi="Katuvalot")
    assert set(Observation.objects.filter(phenomenon=new).values_list("id", flat=True)) == members
    page = client.get("/analysis/groups/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'action="/analysis/groups/{lights_group.pk}/undo/"' in page

    response = client.post(f"/analysis/groups/{lights_group.pk}/undo/")
    assert response.status_code == 302
    assert dict(Observation.objects.filter(pk__in=members).values_list("id", "phenomenon_id")) == before
    assert dict(Observation.objects.filter(pk__in=members).values_list("id", "category_id")) == categories
    new.refresh_from_db()
    assert not new.is_active  # the phenomenon the decision made is out of use, empty
    lights_group.refresh_from_db()
    assert lights_group.status == SuggestedGroup.Status.OPEN and lights_group.decided_by is None
    decision, undo = GroupDecision.objects.order_by("at", "id")
    assert (decision.action, decision.by, decision.phenomenon_name) == ("confirm", users["coord_698"], "Katuvalot")
    assert (undo.action, undo.undoes, undo.by) == ("undo", decision, users["coord_698"])
    assert len(decision.moved) == len(members)
    trail = client.get("/analysis/groups/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = trail[trail.index('id="decisions"'):]
    assert "Undone" in table and "Confirmed as a new phenomenon" in table
    # Open again: it can be decided anew, and the group is back in the scope of the next grouping.
    services.group_dismiss(lights_group, user=users["coord_698"])


def test_undo_only_within_the_configured_time(settings, clock, lights_group, users, phenomena):
    settings.GROUP_DECISION_UNDO_MINUTES = 10
    plan = services.decision_plan(lights_group, user=users["coord_698"], action="merge",
                                  phenomenon=phenomena["yksinaisyys"])
    services.group_merge(lights_group, user=users["coord_698"], phenomenon=phenomena["yksinaisyys"],
                         fingerprint=plan.fingerprint)
    clock.shift(dt.timedelta(minutes=10, seconds=1))
    with pytest.raises(ValidationError, match="10 minutes"):
        services.group_undo(lights_group, user=users["coord_698"])
    assert not services.undoable_decisions(users["coord_698"]).exists()
    settings.GROUP_DECISION_UNDO_MINUTES = 30
    undo, back, kept = services.group_undo(lights_group, user=users["coord_698"])
    assert back == plan.moving and kept == 0


def test_undo_leaves_a_record_moved_again_since(clock, lights_group, users, phenomena):
    from geo_indi.observations.services import update_observation

    plan = services.decision_plan(lights_group, user=users["coord_698"], action="merge",
                                  phenomenon=phenomena["yksinaisyys"])
    services.group_merge(lights_group, user=users["coord_698"], phenomenon=phenomena["yksinaisyys"],
                         fingerprint=plan.fingerprint)
    moved_id = int(next(iter(GroupDecision.objects.get().moved)))
    update_observation(Observation.objects.get(pk=moved_id), {"phenomenon": phenomena["digitaalisuus"]})
    _undo, back, kept = services.group_undo(lights_group, user=users["coord_698"])
    assert (back, kept) == (plan.moving - 1, 1)
    assert Observation.objects.get(pk=moved_id).phenomenon == phenomena["digitaalisuus"]


def test_a_changed_group_is_not_decided_on_an_old_preview(client, lights_group, users, phenomena):
    from geo_indi.observations.services import update_observation

    plan = services.decision_plan(lights_group, user=users["coord_698"], action="merge",
                                  phenomenon=phenomena["digitaalisuus"])
    member = lights_group.observations.order_by("id").first()
    update_observation(member, {"phenomenon": phenomena["ilkivalta"], "category": None})
    client.force_login(users["coord_698"])
    response = client.post(f"/analysis/groups/{lights_group.pk}/decide/", {
        "action": "merge", "phenomenon": phenomena["digitaalisuus"].pk, "confirmed": "yes",
        "fingerprint": plan.fingerprint}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409 and "changed since the preview" in response.content.decode()
    assert not GroupDecision.objects.exists()


def test_a_second_confirmation_does_not_decide_twice(lights_group, users, phenomena):
    plan = services.decision_plan(lights_group, user=users["coord_698"], action="merge",
                                  phenomenon=phenomena["yksinaisyys"])
    services.group_merge(lights_group, user=users["coord_698"], phenomenon=phenomena["yksinaisyys"],
                         fingerprint=plan.fingerprint)
    with pytest.raises(ValidationError):
        services.group_merge(lights_group, user=users["coord_698"], phenomenon=phenomena["digitaalisuus"],
                             fingerprint=plan.fingerprint)
    assert GroupDecision.objects.count() == 1


def test_dismissal_is_undone_too(lights_group, users):
    services.group_dismiss(lights_group, user=users["coord_698"])
    services.group_undo(lights_group, user=users["coord_698"])
    lights_group.refresh_from_db()
    assert lights_group.status == SuggestedGroup.Status.OPEN
    assert list(GroupDecision.objects.order_by("at", "id").values_list("action", flat=True)) == ["dismiss", "undo"]


def test_others_cannot_undo(client, lights_group, users):
    services.group_dismiss(lights_group, user=users["coord_698"])
    client.force_login(users["field_698"])
    assert client.post(f"/analysis/groups/{lights_group.pk}/undo/").status_code == 403
    lights_group.refresh_from_db()
    assert lights_group.status == SuggestedGroup.Status.DISMISSED


# The suggested name: a noun, never a verb.

@pytest.mark.parametrize("words, name", [
    (["käyttää", "nuori", "alkoholi"], "Alkoholi"),  # "nuori" is an adjective to Voikko
    (["käyttää", "juoda", "alkoholi"], "Alkoholi"),
    (["rikki", "katuvalo"], "Katuvalo"),
    (["käyttää", "juoda"], ""),
])
def test_the_suggested_name_is_a_noun(words, name, db):
    assert services.suggested_name(SuggestedGroup(shared_words=words)) == name


def test_the_page_suggests_a_noun_and_puts_the_controls_first(client, lights_group, users):
    client.force_login(users["coord_698"])
    html = client.get("/analysis/groups/").content.decode()
    section = html[html.index(f'id="group-{lights_group.pk}"'):]
    section = section[:section.index("</section>")]
    value = re.search(rf'id="name-{lights_group.pk}" [^>]*value="([^"]*)"', section).group(1)
    assert value == services.suggested_name(lights_group) and value == "Katuvalo"
    assert section.index("group-decisions") < section.index("<table")
