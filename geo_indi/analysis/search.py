"""Semantic search for coordinators: observations a user may read, ranked by meaning in fi/sv/en.

The query and the candidate descriptions become rows of `semantic.represent` (Finnish-space lemmas
joined with floret vectors, fitted on the candidates), ranked by cosine. A description's words whose
lemmas are the query's, or whose vector is close to one of them (HIGHLIGHT_SIMILARITY), are the
matched phrase a page highlights. The web page and a "suggest a group" action on a result set are not
built yet (docs/phenomena.md).
"""
from dataclasses import dataclass

import numpy as np

from geo_indi.observations.models import Observation

from geo_indi.language.lemmas import WORD_RE, lemmas, sentence_language, word_lemmas
from .semantic import lemma_vector, represent, word_vectors

MAX_CANDIDATES = 3000
MIN_SCORE = 0.2
HIGHLIGHT_SIMILARITY = 0.55


@dataclass
class Hit:
    observation_id: int
    description: str
    score: float
    matched: list  # (start, end) character spans of the description that match the query


def matched_spans(description: str, query_terms: list[str]) -> list[tuple[int, int]]:
    """Spans of the words of `description` whose lemmas meet a query lemma (same, or close by vector)."""
    if not query_terms:
        return []
    vectors = word_vectors()
    query_rows = np.vstack([lemma_vector(t) for t in query_terms]) if vectors is not None else None
    words = [m for m in WORD_RE.finditer(description)]
    language = sentence_language([m.group(0).lower() for m in words])
    spans = []
    for match in words:
        terms = word_lemmas(match.group(0).lower(), language)
        if any(t in query_terms for t in terms) or (query_rows is not None and terms and max(
                float((query_rows @ lemma_vector(t)).max()) for t in terms) >= HIGHLIGHT_SIMILARITY):
            spans.append((match.start(), match.end()))
    return spans


def search(user, query: str, *, limit: int = 20, queryset=None) -> list[Hit]:
    """The `limit` readable observations most similar in meaning to `query`, best first."""
    query_terms = lemmas(query or "")
    if not query_terms:
        return []
    base = queryset if queryset is not None else Observation.objects.visible_to(user)
    rows = list(base.exclude(description="").order_by("-observed_on", "-id")
                .values_list("id", "description")[:MAX_CANDIDATES])
    if not rows:
        return []
    texts = [text for _id, text in rows]
    _vectorizer, matrix = represent([query, *texts], centre=False)
    scores = matrix[1:] @ matrix[0]
    order = [i for i in np.argsort(-scores, kind="stable") if scores[i] >= MIN_SCORE][:limit]
    return [Hit(rows[i][0], rows[i][1], round(float(scores[i]), 3), matched_spans(rows[i][1], query_terms))
            for i in order]
