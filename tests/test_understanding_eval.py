"""Issue 23: grouping measured on hand-written notes nobody tuned on, and the lemma step's fixes.

tests/data/notes_handwritten.csv (docs/phenomena.md says how it was written and split): the weight
and threshold were chosen on the `dev` part only; these tests hold the figures of the `heldout` part
as floors. The targets of issue 23 (ARI ≥ 0.35 at purity ≥ 0.8) are not met; the floors are the
figures honestly reached, so a regression shows and an improvement can raise them.
"""
import csv
from collections import Counter

import pytest

from geo_indi.analysis.grouping import (DISTANCE_THRESHOLD, cluster_labels, evaluate, group_texts, is_noun,
                                        languages_meeting, plain_tokens)
from geo_indi.language.lemmas import lemmas, within_one_edit

from .conftest import TEST_DATA
from .data.split_notes_handwritten import parts

# Held-out figures measured with SNN (5 % neighbours, DISTANCE_THRESHOLD 0.65) and VECTOR_WEIGHT 0.6
# (docs/phenomena.md): ARI 0.242, purity 0.784; lemmas alone 0.112 / 0.583; plain tokens 0.031 / 0.343;
# fi+sv meet in 9 of 12 themes.
HELD_OUT_ARI = 0.24
HELD_OUT_PURITY = 0.78
THEMES_FI_SV_MEETING = 9
# The old generated set (tests/data/phenomena_eval.csv) as regression: ARI 0.643, purity 0.961.
OLD_SET_ARI = 0.6
OLD_SET_PURITY = 0.94


def notes(part=None):
    with (TEST_DATA / "notes_handwritten.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if part is None or r["part"] == part]


def test_the_handwritten_set_is_large_varied_and_in_lapland_proportions():
    rows = notes()
    themes = Counter(r["theme"] for r in rows if r["theme"] != "noise")
    languages = Counter(r["language"] for r in rows)
    assert len(rows) >= 500 and len(themes) >= 12 and any(r["theme"] == "noise" for r in rows)
    assert 0.7 <= languages["fi"] / len(rows) <= 0.8 and 0.12 <= languages["sv"] / len(rows) <= 0.18
    assert 0.07 <= languages["en"] / len(rows) <= 0.13
    assert len({r["text"] for r in rows}) == len(rows)


def test_the_split_is_the_one_fixed_rule_and_holds_out_forty_percent():
    rows = notes()
    assert {r["id"]: r["part"] for r in rows} == parts(rows)
    assert sum(r["part"] == "heldout" for r in rows) / len(rows) >= 0.4


def test_held_out_grouping_holds_the_measured_figures():
    rows = notes("heldout")
    ari, purity = evaluate([(r["text"], r["theme"]) for r in rows])
    plain_ari, _ = evaluate([(r["text"], r["theme"]) for r in rows], analyzer=plain_tokens,
                            threshold=DISTANCE_THRESHOLD)
    lexical_ari, _ = evaluate([(r["text"], r["theme"]) for r in rows], weight=0.0)
    assert ari >= HELD_OUT_ARI and purity >= HELD_OUT_PURITY
    assert ari >= lexical_ari + 0.1 and ari >= plain_ari + 0.2


def test_held_out_finnish_and_swedish_notes_of_a_theme_meet_in_one_group():
    rows = notes("heldout")
    labels = cluster_labels([r["text"] for r in rows])
    met = languages_meeting([(r["text"], r["theme"], r["language"]) for r in rows], labels)
    assert len(met) >= THEMES_FI_SV_MEETING


def test_the_old_generated_set_still_groups_as_before():
    with (TEST_DATA / "phenomena_eval.csv").open(encoding="utf-8") as f:
        rows = [(row["text"], row["theme"]) for row in csv.DictReader(f)]
    ari, purity = evaluate(rows)
    assert ari >= OLD_SET_ARI and purity >= OLD_SET_PURITY


@pytest.mark.parametrize("text", ["Oppilas ollut pois", "Asia on oltu tiedossa", "Hän oli kotona"])
def test_no_form_of_olla_is_a_term(text):
    assert not {"olla", "ollut", "oltu", "ol"} & set(lemmas(text))


def test_common_nouns_before_proper_names_and_adjectives():
    assert lemmas("Vanhemmat ja ainoa lapsi") == ["vanhempi", "ainoa", "lapsi"]


def test_abbreviations_are_expanded():
    assert lemmas("Ikäihm. yksin")[:1] == ["ikäihminen"] and "ihme" not in lemmas("Ikäihm. yksin")
    assert "kotihoito" not in lemmas("kotih. käynnillä")  # expanded, then dropped as a reporter word
    assert lemmas("nuor. tupakoivat")[0] == "nuori"


def test_a_generic_compound_head_never_stands_alone():
    assert "kunta" not in lemmas("Seurakunnan kerho") and "seurakunta" in lemmas("Seurakunnan kerho")


def test_typos_are_corrected_only_within_one_edit():
    assert within_one_edit("yksinäisyts", "yksinäisyys") and within_one_edit("ab", "ba")
    assert not within_one_edit("huoltoasma", "astma")
    assert "yksinäisyys" in lemmas("Vanhusta vaivaa yksinäisyts")
    assert not within_one_edit("hiekotettu", "hekottaa") and not within_one_edit("kaveri", "kutukaveri")
    assert lemmas("omaishoitjaa")[0] == "omaishoitaja"


def test_reporter_words_are_not_terms():
    assert lemmas("Asiakas kertoi kotihoitajalle") == []


def test_swedish_and_english_reach_finnish_lemmas():
    assert "poro" in lemmas("En ren sprang ut på vägen") and "puhdas" not in lemmas("En ren sprang ut på vägen")
    assert "yksinäinen" in lemmas("She feels lonely") and "yksinäinen" in lemmas("Hon är ensam")


def test_a_mixed_note_is_read_sentence_by_sentence():
    terms = lemmas("Mummo on tosi yksinäinen, hon bor ensam")
    assert terms.count("yksinäinen") == 2 and "mummo" in terms


def test_a_group_is_named_by_nouns_and_lists_typical_members_first():
    texts = ["Poro juoksi auton eteen tiellä", "Porot seisoo tiellä pimeässä", "Porokolari tiellä taas",
             "Poro jäi auton alle", "Nuoret juo kaljaa koulun takana", "Nuoret humalassa rannalla",
             "Alaikäiset nuoret juo olutta"]
    groups = group_texts(texts)
    assert groups and all(is_noun(w) for g in groups for w in g.name_words)
    assert all(not is_noun(w) for w in ["juoda", "käyttää"])
    reindeer = next(g for g in groups if 0 in g.members)
    assert "poro" in reindeer.name_words


@pytest.mark.django_db
def test_a_group_mostly_of_one_phenomenon_says_it_repeats_it(record, users, phenomena):
    from geo_indi.analysis import grouping_runs, services
    from geo_indi.analysis.models import SuggestedGroup

    from .conftest import INSIDE_ALFA

    texts = ["Katuvalo rikki koulun luona", "Katuvalot ovat rikki", "Katuvalo on rikki", "Katuvalo rikki taas"]
    made = [record(*INSIDE_ALFA, subject="object", phenomenon="turvallisuus-ymparistossa", description=t)
            for t in texts[:3]] + [record(*INSIDE_ALFA, phenomenon="yksinaisyys", description=texts[3])]
    for t in ["Nuoret joivat alkoholia kaupan takana", "Nuoria humalassa, alkoholia", "Alkoholia nuorilla"]:
        record(*INSIDE_ALFA, phenomenon="nuorten-paihteet", description=t)
    run = grouping_runs.grouping_start(user=users["coord_698"], deferred=False)
    group = next(g for g in run.groups.all() if {o.pk for o in made} <= set(g.observations.values_list("id", flat=True)))
    assert services.repeated_phenomenon(group) == phenomena["turvallisuus-ymparistossa"]
    group.observations.set([made[0], made[3]])
    assert services.repeated_phenomenon(SuggestedGroup.objects.get(pk=group.pk)) is None


# Indicator suggestions for the themes of the hand-written notes (labels: tests/data/notes_handwritten_indicators.json,
# made from the indicator titles before measuring). Measured (docs/phenomena.md): held-out p@3 0.485, dev 0.500.
HELD_OUT_P_AT_3 = 0.45


def test_held_out_indicator_suggestions_hold_the_measured_precision_at_3():
    import json

    from geo_indi.indicators.suggestions import rank

    labels = json.loads((TEST_DATA / "notes_handwritten_indicators.json").read_text(encoding="utf-8"))["themes"]
    listed = json.loads((TEST_DATA / "indicator_suggestion_eval.json").read_text(encoding="utf-8"))["indicators"]
    indicators = {i["id"]: f"{i['title_fi']} {i['description_fi']}" for i in listed}
    rows = notes("heldout")
    ranked = rank({t: " ".join(r["text"] for r in rows if r["theme"] == t) for t in labels}, indicators)
    precision = [len(set(relevant) & {key for key, _s, _w in ranked[t][:3]}) / min(3, len(relevant))
                 for t, relevant in labels.items()]
    assert sum(precision) / len(precision) >= HELD_OUT_P_AT_3
