"""Similar descriptions grouped by meaning: lemmas + word vectors, then average-linkage clustering.

Each text becomes one row of `semantic.represent` (TF-IDF over Finnish-space lemmas joined with
floret word vectors; Swedish and English bridged into Finnish by `language`). Two texts are then
compared by their shared nearest neighbours (SNN: the share of their k most similar texts they have
in common, k = SNN_NEIGHBOUR_SHARE of the texts compared, at most SNN_MAX_NEIGHBOURS) rather than by their cosine alone — cosine similarities of short notes are
dominated by a few hub texts, and the neighbour overlap is not. scikit-learn's
`AgglomerativeClustering` merges texts while the average SNN distance between two groups stays under
DISTANCE_THRESHOLD — no number of groups is given in advance. A set too small to have that many
neighbours per text (fewer than SNN_MIN_TEXTS) is clustered on the cosine distance under
SMALL_SET_THRESHOLD instead. Groups smaller than MIN_GROUP_SIZE are not suggested. The weight, the
neighbour count and the thresholds were chosen on the development part of
tests/data/notes_handwritten.csv only (docs/phenomena.md).

A group's shared words are its weightiest lemmas that a share of members have; its proposed name is
made of nouns only (never a verb); its members come most typical first (nearest the group's centre).
"""
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import AgglomerativeClustering

from geo_indi.language.lemmas import finnish_voikko, lemmas, plain_tokens
from .semantic import VECTOR_WEIGHT, represent

DISTANCE_THRESHOLD = 0.65
# k grows with the set so that a theme's notes stay each other's neighbours whatever the set's size
# (chosen on subsamples of 120–293 development notes, docs/phenomena.md).
SNN_NEIGHBOUR_SHARE = 0.05
SNN_MAX_NEIGHBOURS = 100
SNN_MIN_TEXTS = 100
SMALL_SET_THRESHOLD = 0.84
MIN_GROUP_SIZE = 3
SHARED_WORDS = 6
NAME_WORDS = 2
# A shared word occurs in at least this share of a group's members.
SHARED_WORD_SHARE = 0.3


@dataclass
class TextGroup:
    members: list  # indexes into the grouped texts, most typical first
    shared_words: list  # the group's weightiest lemmas, most weight first
    name_words: list = field(default_factory=list)  # nouns among them, for a proposed name


def is_noun(lemma: str) -> bool:
    """True when Voikko reads the lemma as a noun (without Voikko: any word)."""
    voikko = finnish_voikko()
    if voikko is None:
        return True
    classes = {a.get("CLASS") for a in voikko.analyze(lemma)}
    return bool(classes & {"nimisana", "nimisana_laatusana"}) and "teonsana" not in classes


def snn_neighbours(count: int) -> int:
    return max(2, min(SNN_MAX_NEIGHBOURS, round(SNN_NEIGHBOUR_SHARE * count)))


def shared_neighbour_distance(matrix: np.ndarray, neighbours: int) -> np.ndarray:
    """1 − the share of their `neighbours` most cosine-similar other rows that two rows have in common."""
    from scipy import sparse

    similarity = matrix @ matrix.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argpartition(-similarity, neighbours - 1, axis=1)[:, :neighbours]
    rows = np.repeat(np.arange(len(matrix)), neighbours)
    membership = sparse.csr_matrix((np.ones(rows.size, dtype=np.float32), (rows, nearest.ravel())),
                                   shape=similarity.shape)
    distance = 1.0 - (membership @ membership.T).toarray() / neighbours
    np.fill_diagonal(distance, 0.0)
    return distance


def _labels(matrix: np.ndarray, threshold: float = DISTANCE_THRESHOLD) -> np.ndarray:
    n = matrix.shape[0]
    empty = np.asarray(np.abs(matrix).sum(axis=1) == 0).ravel()
    labels = np.full(n, -1)
    rows = np.flatnonzero(~empty)
    if len(rows) >= SNN_MIN_TEXTS:
        model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                        distance_threshold=threshold)
        labels[rows] = model.fit_predict(shared_neighbour_distance(matrix[rows], snn_neighbours(len(rows))))
    elif len(rows) >= 2:
        model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                        distance_threshold=SMALL_SET_THRESHOLD)
        labels[rows] = model.fit_predict(matrix[rows])
    elif len(rows) == 1:
        labels[rows] = 0
    next_label = labels.max() + 1
    for i in np.flatnonzero(empty):
        labels[i] = next_label
        next_label += 1
    return labels


def cluster_labels(texts, *, analyzer=lemmas, threshold=DISTANCE_THRESHOLD, weight=None):
    """One cluster label per text (a text without any term gets a label of its own)."""
    if len(texts) < 2:
        return list(range(len(texts)))
    if weight is None:
        weight = VECTOR_WEIGHT if analyzer is lemmas else 0.0
    _vectorizer, matrix = represent(texts, weight=weight, analyzer=analyzer)
    return _labels(matrix, threshold).tolist()


def _described(matrix: np.ndarray, terms: np.ndarray, members: np.ndarray) -> TextGroup:
    lexical = matrix[:, :len(terms)]
    block = lexical[members]
    weight_ = block.mean(axis=0)
    share = (block > 0).mean(axis=0)
    order = [i for i in np.argsort(-weight_) if weight_[i] > 0 and share[i] >= SHARED_WORD_SHARE]
    shared = [str(terms[i]) for i in order[:SHARED_WORDS]]
    centre = matrix[members].mean(axis=0)
    typical = members[np.argsort(-(matrix[members] @ centre), kind="stable")]
    nouns = [w for w in (str(terms[i]) for i in np.argsort(-weight_) if weight_[i] > 0) if is_noun(w)]
    return TextGroup(members=typical.tolist(), shared_words=shared, name_words=nouns[:NAME_WORDS])


def group_texts(texts, *, threshold=DISTANCE_THRESHOLD, min_size=MIN_GROUP_SIZE, weight=VECTOR_WEIGHT):
    """Groups of at least `min_size` similar texts, largest first, with the words they share."""
    if len(texts) < min_size:
        return []
    vectorizer, matrix = represent(texts, weight=weight)
    labels = _labels(matrix, threshold)
    terms = vectorizer.get_feature_names_out()
    groups = [_described(matrix, terms, members) for members in (np.flatnonzero(labels == label)
                                                                 for label in np.unique(labels))
              if len(members) >= min_size]
    groups.sort(key=lambda g: (-len(g.members), min(g.members)))
    return groups


def describe_texts(texts: list[str], *, weight: float = VECTOR_WEIGHT) -> TextGroup:
    """The texts taken as one group (a person chose them, e.g. from a search): shared words, name, typical first."""
    vectorizer, matrix = represent(texts, weight=weight)
    return _described(matrix, vectorizer.get_feature_names_out(), np.arange(len(texts)))


def purity(labels_true, labels_pred):
    """Share of texts whose cluster's most common true label is their own."""
    by_cluster = {}
    for true, pred in zip(labels_true, labels_pred):
        by_cluster.setdefault(pred, Counter())[true] += 1
    return sum(c.most_common(1)[0][1] for c in by_cluster.values()) / len(labels_true)


def evaluate(rows, *, analyzer=lemmas, threshold=DISTANCE_THRESHOLD, weight=None):
    """(adjusted Rand index, purity) over the themed texts of (text, theme) rows; noise texts are grouped too."""
    from sklearn.metrics import adjusted_rand_score

    labels = cluster_labels([text for text, _theme in rows], analyzer=analyzer, threshold=threshold, weight=weight)
    themed = [(theme, label) for (_text, theme), label in zip(rows, labels) if theme != "noise"]
    truth, predicted = [t for t, _ in themed], [p for _, p in themed]
    return adjusted_rand_score(truth, predicted), purity(truth, predicted)


def languages_meeting(rows, labels, *, first="fi", second="sv", min_size=MIN_GROUP_SIZE):
    """Themes whose `first`- and `second`-language notes meet in one group the theme leads.

    rows: (text, theme, language); a group counts when it has ≥ min_size members and its most common
    theme is the theme.
    """
    by_label = {}
    for (_text, theme, language), label in zip(rows, labels):
        by_label.setdefault(label, []).append((theme, language))
    met = set()
    for members in by_label.values():
        if len(members) < min_size:
            continue
        leader = Counter(t for t, _ in members).most_common(1)[0][0]
        langs = {lang for t, lang in members if t == leader}
        if leader != "noise" and first in langs and second in langs:
            met.add(leader)
    return met


__all__ = ["DISTANCE_THRESHOLD", "MIN_GROUP_SIZE", "describe_texts", "SNN_NEIGHBOUR_SHARE", "SMALL_SET_THRESHOLD", "TextGroup", "cluster_labels", "evaluate", "group_texts",
           "is_noun", "languages_meeting", "lemmas", "plain_tokens", "purity"]
