"""The coordinator's semantic search page (issue 23, item 4): by meaning, only what they may read, the matched
words marked, filters, and a result set turned into a suggested group decided like any other."""
import pytest
from django.urls import reverse

from geo_indi.analysis.models import GroupingRun, SuggestedGroup
from geo_indi.analysis.services import members_typical_first, repeated_phenomenon

from .conftest import INSIDE_ALFA

IN_GAMMA = (66.05, 25.5)
LONELY = ["Mummo kaipaa seuraa, kukaan ei käy", "Äldre kvinna bor ensam och saknar sällskap",
          "Old man feels lonely and has no company", "Yksinäinen vanhus odottaa soittoa"]


@pytest.fixture
def notes(record):
    lonely = [record(*INSIDE_ALFA, description=t) for t in LONELY]
    lights = [record(*INSIDE_ALFA, subject="object", phenomenon="turvallisuus-ymparistossa", description=t)
              for t in ["Katuvalo rikki koulun luona", "Bussikatoksen lasit rikottu"]]
    hidden = record(*IN_GAMMA, user="field_320", description="Yksinäinen vanhus kaipaa seuraa")
    return {"lonely": lonely, "lights": lights, "hidden": hidden}


def search_page(client, **params):
    return client.get(reverse("analysis:search"), params)


def test_search_finds_by_meaning_in_three_languages_and_marks_the_words(client, users, notes):
    client.force_login(users["coord_698"])
    response = search_page(client, q="yksinäisyys")
    assert response.status_code == 200
    shown = {h["observation"].pk for h in response.context["hits"]}
    assert {o.pk for o in notes["lonely"]} <= shown
    assert notes["hidden"].pk not in shown  # another organisation's, outside the coordinator's municipalities
    html = response.content.decode()
    assert "<mark>ensam</mark>" in html and "<mark>lonely</mark>" in html
    assert f'id="hit-{notes["hidden"].pk}"' not in html


def test_filters_narrow_the_search_and_a_bad_filter_is_a_400_with_its_message(client, users, notes, phenomena):
    client.force_login(users["coord_698"])
    other = phenomena["turvallisuus-ymparistossa"].pk
    response = search_page(client, q="yksinäisyys", phenomenon=other)
    assert not {h["observation"].pk for h in response.context["hits"]} & {o.pk for o in notes["lonely"]}
    bad = search_page(client, q="yksinäisyys", municipality="abc")
    assert bad.status_code == 400 and bad.context["hits"] == []
    assert "error-municipality" in bad.content.decode()


def test_a_field_worker_cannot_search(client, users, notes):
    client.force_login(users["field_698"])
    assert search_page(client, q="yksinäisyys").status_code == 403


def test_the_chosen_results_become_a_suggested_group_on_the_groups_page(client, users, notes, phenomena):
    client.force_login(users["coord_698"])
    ids = [o.pk for o in notes["lonely"]] + [notes["hidden"].pk]  # one the coordinator may not read
    response = client.post(reverse("analysis:search-group"), {"q": "yksinäisyys", "observation": ids})
    group = SuggestedGroup.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#group-{group.pk}")
    assert set(group.observations.values_list("pk", flat=True)) == {o.pk for o in notes["lonely"]}
    assert sorted(group.member_order) == sorted(o.pk for o in notes["lonely"])
    assert group.run.query == "yksinäisyys" and group.run.status == GroupingRun.Status.DONE
    page = client.get(reverse("analysis:groups")).content.decode()
    assert f'id="group-{group.pk}"' in page and "yksinäisyys" in page
    # All four are already loneliness: the page says the group repeats it and offers merge into it.
    assert repeated_phenomenon(group) == phenomena["yksinaisyys"]
    assert f'id="repeats-{group.pk}"' in page and "merge-repeated" in page


def test_fewer_than_three_chosen_is_refused_and_writes_nothing(client, users, notes):
    client.force_login(users["coord_698"])
    response = client.post(reverse("analysis:search-group"),
                           {"q": "yksinäisyys", "observation": [notes["lonely"][0].pk, notes["hidden"].pk, "x"]},
                           follow=True)
    assert not SuggestedGroup.objects.exists() and not GroupingRun.objects.exists()
    assert "at least 3" in response.content.decode() or "vähintään 3" in response.content.decode()


def test_members_come_most_typical_first_as_stored(users, notes):
    from geo_indi.analysis import grouping_runs

    run = grouping_runs.grouping_start(user=users["coord_698"], deferred=False)
    for group in run.groups.all():
        assert [o.pk for o in members_typical_first(group)] == group.member_order
