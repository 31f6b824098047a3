"""Grouping similar descriptions: lemmas, the measured quality against plain tokens, runs and decisions."""
import csv

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from geo_indi.analysis import grouping_runs, services
from geo_indi.analysis.grouping import DISTANCE_THRESHOLD, evaluate, group_texts
from geo_indi.analysis.models import GroupingRun, SuggestedGroup
from geo_indi.language.lemmas import lemmas, plain_tokens
from geo_indi.observations.models import Observation, Phenomenon

from .conftest import INSIDE_ALFA, TEST_DATA

# Measured on tests/data/phenomena_eval.csv at DISTANCE_THRESHOLD 0.93 (docs/phenomena.md):
# lemmas ARI 0.568, purity 0.943; plain tokens ARI 0.358, purity 0.943.
ARI_MARGIN = 0.12
MIN_PURITY = 0.9
IN_GAMMA = (66.05, 25.5)


def eval_rows():
    with (TEST_DATA / "phenomena_eval.csv").open(encoding="utf-8") as f:
        return [(row["text"], row["theme"]) for row in csv.DictReader(f)]


def test_inflected_finnish_forms_share_a_lemma():
    assert "yksinäinen" in lemmas("Yksinäisyydestä kärsivä mies")
    assert "yksinäinen" in lemmas("yksinäisten vanhusten kylä")
    assert "pysäkki" in lemmas("Bussipysäkillä rikottu lasi")


def test_finnish_typo_is_corrected_and_swedish_is_stemmed():
    assert "yksinäisyys" in lemmas("Vanhusta vaivaa yksinäisyts kovasti")
    assert lemmas("Ungdomarna drack alkohol")[:1] == lemmas("Ungdomar drack")[:1]


def test_evaluation_set_is_large_and_varied():
    rows = eval_rows()
    themes = {theme for _text, theme in rows if theme != "noise"}
    assert len(rows) >= 400 and len(themes) >= 10
    assert any(theme == "noise" for _text, theme in rows)


def test_lemma_grouping_beats_plain_tokens_by_the_measured_margin():
    rows = eval_rows()
    lemma_ari, lemma_purity = evaluate(rows, analyzer=lemmas, threshold=DISTANCE_THRESHOLD)
    plain_ari, _plain_purity = evaluate(rows, analyzer=plain_tokens, threshold=DISTANCE_THRESHOLD)
    assert lemma_ari >= plain_ari + ARI_MARGIN
    assert lemma_purity >= MIN_PURITY


def test_group_texts_names_the_shared_words():
    texts = ["Katuvalo rikki koulun luona", "Katuvalot rikki taas", "Katuvaloja rikki kylällä",
             "Nuoret joivat alkoholia", "Nuoria humalassa, alkoholia", "Alkoholia nuorilla"]
    groups = group_texts(texts, min_size=3)
    members = sorted(sorted(g.members) for g in groups)
    assert members == [[0, 1, 2], [3, 4, 5]]
    words = {tuple(sorted(g.members)): g.shared_words for g in groups}
    assert "katuvalo" in words[(0, 1, 2)] and "alkoholi" in words[(3, 4, 5)]


@pytest.fixture
def described(record):
    """Rovaniemi (698): four street-light and three drinking descriptions; Kemijärvi (320, another org): two."""
    lights = ["Katuvalo rikki koulun luona", "Katuvalot ovat rikki", "Katuvaloja rikki tiellä", "Katuvalo on rikki"]
    drinking = ["Nuoret joivat alkoholia kaupan takana", "Nuoria humalassa, alkoholia", "Alkoholia nuorilla taas"]
    made = {"lights": [record(*INSIDE_ALFA, subject="object", phenomenon="turvallisuus-ymparistossa", description=t)
                       for t in lights],
            "drinking": [record(*INSIDE_ALFA, phenomenon="nuorten-paihteet", description=t) for t in drinking],
            "other_org": [record(*IN_GAMMA, user="field_320", subject="object", phenomenon="turvallisuus-ymparistossa",
                                 description=t) for t in lights[:2]]}
    return made


def _groups(run):
    return {frozenset(g.observations.values_list("id", flat=True)): g for g in run.groups.all()}


def test_grouping_run_groups_the_coordinators_scope(described, users):
    run = grouping_runs.grouping_start(user=users["coord_698"], deferred=False)
    run.refresh_from_db()
    assert run.status == GroupingRun.Status.DONE and run.percent == 100
    assert run.observation_count == 7  # the other organisation's two in Kemijärvi are not the coordinator's to read
    groups = _groups(run)
    assert frozenset(o.pk for o in described["lights"]) in groups
    assert frozenset(o.pk for o in described["drinking"]) in groups


def test_confirming_a_group_makes_a_phenomenon_and_moves_its_members(described, users):
    run = grouping_runs.grouping_start(user=users["coord_698"], deferred=False)
    group = _groups(run)[frozenset(o.pk for o in described["lights"])]
    services.group_confirm_new(group, user=users["coord_698"], name_fi="Rikkinäiset katuvalot")
    group.refresh_from_db()
    new = Phenomenon.objects.get(name_fi="Rikkinäiset katuvalot")
    assert new.visibility == Phenomenon.Visibility.INTERNAL
    assert set(Observation.objects.filter(phenomenon=new).values_list("id", flat=True)) == {
        o.pk for o in described["lights"]}
    old = Phenomenon.objects.get(slug="turvallisuus-ymparistossa").pk
    assert group.moved == {str(o.pk): old for o in described["lights"]}
    assert (group.status, group.decided_by, group.phenomenon) == (SuggestedGroup.Status.CONFIRMED, users["coord_698"], new)
    assert group.decided_at is not None
    with pytest.raises(ValidationError):
        services.group_dismiss(group, user=users["coord_698"])
    again = grouping_runs.grouping_start(user=users["coord_698"], deferred=False)
    again.refresh_from_db()
    assert again.observation_count == 3  # the confirmed members are not suggested again


def test_merge_and_dismiss_and_who_may_decide(described, users, phenomena):
    run = grouping_runs.grouping_start(user=users["coord_698"], deferred=False)
    groups = _groups(run)
    drinking = groups[frozenset(o.pk for o in described["drinking"])]
    with pytest.raises(PermissionDenied):
        services.group_dismiss(drinking, user=users["field_320"])
    services.group_merge(drinking, user=users["coord_698"], phenomenon=phenomena["yksinaisyys"])
    assert Observation.objects.filter(pk__in=[o.pk for o in described["drinking"]],
                                      phenomenon=phenomena["yksinaisyys"]).count() == 3
    lights = groups[frozenset(o.pk for o in described["lights"])]
    services.group_dismiss(lights, user=users["coord_698"])
    assert Observation.objects.filter(pk__in=[o.pk for o in described["lights"]],
                                      phenomenon=phenomena["turvallisuus-ymparistossa"]).count() == 4


def test_group_pages_are_for_coordinators(client, described, users):
    client.force_login(users["field_698"])
    assert client.get("/analysis/groups/").status_code == 403
    client.force_login(users["coord_698"])
    run = grouping_runs.grouping_start(user=users["coord_698"], deferred=False)
    page = client.get("/analysis/groups/").content.decode()
    assert "Katuvalo rikki koulun luona" in page and "katuvalo" in page
    assert client.get(f"/analysis/groups/runs/{run.pk}/?format=json").json()["status"] == "done"
    group = run.groups.first()
    response = client.post(f"/analysis/groups/{group.pk}/decide/", {"action": "confirm", "name_fi": ""})
    assert response.status_code == 400  # the preview says a name is needed
    group.refresh_from_db()
    assert group.status == SuggestedGroup.Status.OPEN  # a name is required
    client.post(f"/analysis/groups/{group.pk}/decide/", {"action": "dismiss"})
    group.refresh_from_db()
    assert group.status == SuggestedGroup.Status.DISMISSED
