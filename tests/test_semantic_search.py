"""Semantic search (issue 23): meaning across fi/sv/en, only what the user may read, the matched phrase."""
from geo_indi.analysis.search import matched_spans, search
from geo_indi.language.lemmas import lemmas

from .conftest import INSIDE_ALFA

IN_GAMMA = (66.05, 25.5)


def test_search_finds_loneliness_in_three_languages_and_not_in_other_organisations(record, users):
    lonely = [record(*INSIDE_ALFA, description=t) for t in
              ["Mummo kaipaa seuraa, kukaan ei käy", "Äldre kvinna bor ensam och saknar sällskap",
               "Old man feels lonely and has no company"]]
    other = [record(*INSIDE_ALFA, subject="object", phenomenon="turvallisuus-ymparistossa", description=t)
             for t in ["Katuvalo rikki koulun luona", "Bussikatoksen lasit rikottu"]]
    hidden = record(*IN_GAMMA, user="field_320", description="Yksinäinen vanhus kaipaa seuraa")
    hits = search(users["coord_698"], "yksinäisyys ja seura", limit=3)
    ids = [h.observation_id for h in hits]
    assert set(ids) == {o.pk for o in lonely}
    assert hidden.pk not in ids and not {o.pk for o in other} & set(ids)


def test_the_matched_phrase_is_highlighted():
    text = "Mummo kaipaa seuraa, kukaan ei käy"
    spans = matched_spans(text, lemmas("seura"))
    assert [text[a:b] for a, b in spans] == ["seuraa"]


def test_an_empty_query_finds_nothing(users):
    assert search(users["coord_698"], "   ") == [] and search(users["coord_698"], "ja on") == []
