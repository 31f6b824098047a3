"""Suggest phenomenon–indicator links by lemma-based, weighted similarity; a person confirms every link.

A phenomenon's text is its name and description (counted twice), examples plus the descriptions
recorded under it (its confirmed members, the MEMBER_TEXTS most recent); an
indicator's text is its title and description. Both become lemmas
(geo_indi.language.lemmas: Voikko base forms, compound heads and roots), weighted
by TF-IDF over all phenomena and indicators together, and each pair is scored
by cosine similarity. Each phenomenon gets its PER_PHENOMENON best unlinked
indicators above MIN_SIMILARITY, with the shared lemmas that weigh most as the
reason. Measured against the earlier 5-letter prefix match in docs/phenomena.md.
"""
from dataclasses import dataclass

import numpy as np
from django.db import IntegrityError, transaction
from sklearn.feature_extraction.text import TfidfVectorizer

from geo_indi.language.lemmas import lemmas
from geo_indi.observations.models import Observation, Phenomenon

from .models import Indicator, PhenomenonIndicatorLink

MIN_SIMILARITY = 0.05
PER_PHENOMENON = 5
MEMBER_TEXTS = 200
SHOWN_LEMMAS = 6
# Statistical boilerplate of indicator titles ("osuus (%) 20–64-vuotiaista asukkaista") says nothing of meaning.
BOILERPLATE_LEMMAS = {"osuus", "vuotias", "vuotia", "asukas", "prosentti", "henkilö", "väestö", "kunta", "vuosi",
                      "indikaattori", "ilmaista", "täyttää", "täyttänyt", "vastaava", "ikäinen", "kuvata", "suuri"}


def terms(text):
    return [lemma for lemma in lemmas(text) if lemma not in BOILERPLATE_LEMMAS]


def matched_words(phenomenon_text, indicator_text):
    """Sorted lemmas the two texts share."""
    return sorted(set(terms(phenomenon_text)) & set(terms(indicator_text)))


def rank(phenomenon_texts, indicator_texts):
    """{phenomenon key: [(indicator key, similarity, shared lemmas by weight)]}, best first, similarity > 0."""
    p_keys, i_keys = list(phenomenon_texts), list(indicator_texts)
    if not p_keys or not i_keys:
        return {key: [] for key in p_keys}
    vectorizer = TfidfVectorizer(analyzer=terms, sublinear_tf=True)
    vectorizer.fit(list(indicator_texts.values()))
    vocabulary = vectorizer.get_feature_names_out()
    p_matrix = vectorizer.transform(list(phenomenon_texts.values())).toarray()
    i_matrix = vectorizer.transform(list(indicator_texts.values())).toarray()
    similarity = p_matrix @ i_matrix.T
    ranked = {}
    for row, p_key in enumerate(p_keys):
        order = sorted((j for j in range(len(i_keys)) if similarity[row, j] > 0),
                       key=lambda j: (-similarity[row, j], str(i_keys[j])))
        found = []
        for j in order:
            contribution = p_matrix[row] * i_matrix[j]
            shared = [str(vocabulary[t]) for t in np.argsort(-contribution) if contribution[t] > 0][:SHOWN_LEMMAS]
            found.append((i_keys[j], float(similarity[row, j]), shared))
        ranked[p_key] = found
    return ranked


@dataclass
class Suggestion:
    phenomenon: Phenomenon
    indicator: Indicator
    words: list
    similarity: float

    @property
    def score(self):
        return round(self.similarity, 3)


def phenomenon_text(p, member_texts=()):
    """Name and description (twice: the curated meaning), examples and member descriptions."""
    return " ".join([p.name_fi, p.name_fi, p.description_fi, p.description_fi, p.examples_fi, *member_texts])


def _indicator_text(i):
    return " ".join([i.title_fi, i.description_fi])


def _member_texts(phenomenon):
    return list(Observation.objects.filter(phenomenon=phenomenon).exclude(description="")
                .order_by("-observed_on", "-id").values_list("description", flat=True)[:MEMBER_TEXTS])


def suggest_links():
    """Unlinked (phenomenon, indicator) pairs, the best PER_PHENOMENON per phenomenon, most similar first."""
    linked = set(PhenomenonIndicatorLink.objects.values_list("phenomenon_id", "indicator_id"))
    phenomena = {p.pk: p for p in Phenomenon.objects.filter(is_active=True)}
    indicators = {i.pk: i for i in Indicator.objects.all()}
    ranked = rank({pk: phenomenon_text(p, _member_texts(p)) for pk, p in phenomena.items()},
                  {pk: _indicator_text(i) for pk, i in indicators.items()})
    result = []
    for p_pk, found in ranked.items():
        kept = [(i_pk, sim, shared) for i_pk, sim, shared in found
                if sim >= MIN_SIMILARITY and (p_pk, i_pk) not in linked][:PER_PHENOMENON]
        result.extend(Suggestion(phenomena[p_pk], indicators[i_pk], shared, sim) for i_pk, sim, shared in kept)
    result.sort(key=lambda s: (-s.similarity, s.phenomenon.name_fi, s.indicator.sotkanet_id))
    return result


def confirm_link(phenomenon, indicator, user):
    """A person links an indicator to a phenomenon. Returns (link, created)."""
    found = matched_words(phenomenon_text(phenomenon), _indicator_text(indicator))
    try:
        with transaction.atomic():
            link = PhenomenonIndicatorLink.objects.create(
                phenomenon=phenomenon, indicator=indicator, confirmed_by=user, matched_words=", ".join(found)[:500])
        return link, True
    except IntegrityError:
        return PhenomenonIndicatorLink.objects.get(phenomenon=phenomenon, indicator=indicator), False
