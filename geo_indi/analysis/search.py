"""Semantic search for coordinators: observations a user may read, ranked by meaning in fi/sv/en.

The query and the candidate descriptions become rows of `semantic.represent` (Finnish-space lemmas
joined with floret vectors, fitted on the candidates), ranked by cosine. A description's words whose
lemmas are the query's, or whose vector is close to one of them (HIGHLIGHT_SIMILARITY), are the
matched phrase a page highlights (`segments`). A coordinator can turn a result set into a suggested group
(`group_from_search`), decided like any other on the groups page.
"""
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from geo_indi.accounts import roles
from geo_indi.observations.models import Observation

from geo_indi.language.lemmas import CONCEPT_PHRASES, WORD_RE, lemmas, sentence_language, word_lemmas
from .grouping import MIN_GROUP_SIZE, describe_texts
from .grouping_runs import scope_of
from .models import GroupingRun, SuggestedGroup
from .semantic import lemma_vector, represent, word_vectors

MAX_CANDIDATES = 3000
MIN_SCORE = 0.2
# Floret's shared suffix pieces put e.g. nainen at 0.553 from yksinäinen: below 0.6 a match is a look-alike.
HIGHLIGHT_SIMILARITY = 0.6


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
    terms_of = [word_lemmas(m.group(0).lower(), language) for m in words]
    present = {t for terms in terms_of for t in terms}
    # The words of a phrase that says a searched concept ("kaipaa seuraa" for yksinäinen) are matched too.
    phrase_words = {t for pair, concept in CONCEPT_PHRASES.items() if concept in query_terms and pair <= present
                    for t in pair}
    spans = []
    for match, terms in zip(words, terms_of):
        if any(t in query_terms or t in phrase_words for t in terms) or (
                query_rows is not None and terms and max(
                    float((query_rows @ lemma_vector(t)).max()) for t in terms) >= HIGHLIGHT_SIMILARITY):
            spans.append((match.start(), match.end()))
    return spans


def segments(description: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The description cut into (text, matched) pieces, for a page to mark the matched words."""
    pieces, at = [], 0
    for start, end in spans:
        if start > at:
            pieces.append((description[at:start], False))
        pieces.append((description[start:end], True))
        at = end
    if at < len(description):
        pieces.append((description[at:], False))
    return pieces


QUERY_MAX = 200


def group_from_search(user, query: str, observation_ids: list[int]) -> SuggestedGroup:
    """A suggested group of the chosen search results, open for the groups page's decisions (confirm, merge,
    dismiss). Only observations the person may group count; fewer than MIN_GROUP_SIZE is refused."""
    query = (query or "").strip()[:QUERY_MAX]
    rows = list(scope_of(user).filter(pk__in=observation_ids).order_by("id").values_list("id", "description"))
    if len(rows) < MIN_GROUP_SIZE:
        raise ValidationError(_("Choose at least %(n)d observations for a group.") % {"n": MIN_GROUP_SIZE},
                              code="too_few")
    described = describe_texts([text for _id, text in rows])
    ids = [rows[i][0] for i in described.members]
    with transaction.atomic():
        now = timezone.now()
        run = GroupingRun.objects.create(started_by=user, organisation=roles.organisation_of(user), query=query,
                                         status=GroupingRun.Status.DONE, finished_at=now, step=3,
                                         observation_count=len(ids))
        group = SuggestedGroup.objects.create(run=run, shared_words=described.shared_words, member_order=ids)
        group.observations.set(ids)
    return group


def search(user, query: str, *, limit: int = 20, queryset=None, filters: Q | None = None) -> list[Hit]:
    """The `limit` readable observations most similar in meaning to `query`, best first."""
    query_terms = lemmas(query or "")
    if not query_terms:
        return []
    base = queryset if queryset is not None else Observation.objects.visible_to(user).with_text()
    if filters is not None:
        base = base.filter(filters)
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
