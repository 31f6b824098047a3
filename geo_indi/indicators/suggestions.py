"""Suggest phenomenon–indicator links by shared words (Finnish, simple prefix stemming).

Two words match when both have at least MIN_WORD characters and share their
first STEM characters (or are equal): "päihteiden" ~ "päihteet",
"yksinäisyys" ~ "yksinäisten". Crude on purpose: it is explainable (the
matched words are shown) and a person confirms every link.
"""
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from geo_indi.observations.models import Phenomenon

from .models import Indicator, PhenomenonIndicatorLink

MIN_WORD = 4
STEM = 5
STOPWORDS = {
    "ja", "tai", "sekä", "eli", "kuin", "joka", "jotka", "jonka", "tämä", "myös", "ovat", "oli", "olla", "sen",
    "niiden", "heidän", "kaikista", "osuus", "prosenttia", "vuotta", "vuotiaat", "vuotiaista", "ikävuotta",
    "henkilöä", "kohden", "asukasta", "väestöstä", "kunnan", "kunnassa", "mukaan", "vuoden", "aikana",
    "with", "from", "that", "this", "which", "ent",
}
WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def words(text):
    return {w for w in (m.lower() for m in WORD_RE.findall(text or "")) if len(w) >= MIN_WORD and w not in STOPWORDS}


def stem(word):
    return word[:STEM]


def matched_words(phenomenon_text, indicator_text):
    """Sorted indicator words that match some phenomenon word."""
    phenomenon_stems = {stem(w) for w in words(phenomenon_text)}
    return sorted(w for w in words(indicator_text) if stem(w) in phenomenon_stems)


@dataclass
class Suggestion:
    phenomenon: Phenomenon
    indicator: Indicator
    words: list

    @property
    def score(self):
        return len(self.words)


def _phenomenon_text(p):
    return " ".join([p.name_fi, p.description_fi])


def _indicator_text(i):
    return " ".join([i.title_fi, i.description_fi])


def suggest_links():
    """Unlinked (phenomenon, indicator) pairs with shared words, best first."""
    linked = set(PhenomenonIndicatorLink.objects.values_list("phenomenon_id", "indicator_id"))
    indicators = [(i, _indicator_text(i)) for i in Indicator.objects.all()]
    result = []
    for phenomenon in Phenomenon.objects.filter(is_active=True):
        text = _phenomenon_text(phenomenon)
        for indicator, indicator_text in indicators:
            if (phenomenon.pk, indicator.pk) in linked:
                continue
            found = matched_words(text, indicator_text)
            if found:
                result.append(Suggestion(phenomenon, indicator, found))
    result.sort(key=lambda s: (-s.score, s.phenomenon.name_fi, s.indicator.sotkanet_id))
    return result


def confirm_link(phenomenon, indicator, user):
    """A person links an indicator to a phenomenon. Returns (link, created)."""
    found = matched_words(_phenomenon_text(phenomenon), _indicator_text(indicator))
    try:
        with transaction.atomic():
            link = PhenomenonIndicatorLink.objects.create(
                phenomenon=phenomenon, indicator=indicator, confirmed_by=user, matched_words=", ".join(found)[:500])
        return link, True
    except IntegrityError:
        return PhenomenonIndicatorLink.objects.get(phenomenon=phenomenon, indicator=indicator), False
