"""Similar descriptions grouped by meaning: lemmas + word vectors, then average-linkage clustering.

Each text becomes one row of `semantic.represent` (TF-IDF over Finnish-space lemmas joined with
floret word vectors; Swedish and English bridged into Finnish by `language`). scikit-learn's
`AgglomerativeClustering` merges texts while the average cosine distance between two groups stays
under DISTANCE_THRESHOLD — no number of groups is given in advance. Groups smaller than
MIN_GROUP_SIZE are not suggested. The weight and threshold were chosen for purity on the development
part of tests/data/notes_handwritten.csv only (docs/phenomena.md).

A group's shared words are its weightiest lemmas that a share of members have; its proposed name is
made of nouns only (never a verb); its members come most typical first (nearest the group's centre).
"""
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import AgglomerativeClustering

from geo_indi.language.lemmas import finnish_voikko, lemmas, plain_tokens
from .semantic import VECTOR_WEIGHT, represent

DISTANCE_THRESHOLD = 0.84
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


def _labels(matrix, threshold):
    n = matrix.shape[0]
    empty = np.asarray(np.abs(matrix).sum(axis=1) == 0).ravel()
    labels = np.full(n, -1)
    rows = np.flatnonzero(~empty)
    if len(rows) >= 2:
        model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                        distance_threshold=threshold)
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


def group_texts(texts, *, threshold=DISTANCE_THRESHOLD, min_size=MIN_GROUP_SIZE, weight=VECTOR_WEIGHT):
    """Groups of at least `min_size` similar texts, largest first, with the words they share."""
    if len(texts) < min_size:
        return []
    vectorizer, matrix = represent(texts, weight=weight)
    labels = _labels(matrix, threshold)
    terms = vectorizer.get_feature_names_out()
    lexical = matrix[:, :len(terms)]
    groups = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < min_size:
            continue
        block = lexical[members]
        weight_ = block.mean(axis=0)
        share = (block > 0).mean(axis=0)
        order = [i for i in np.argsort(-weight_) if weight_[i] > 0 and share[i] >= SHARED_WORD_SHARE]
        shared = [str(terms[i]) for i in order[:SHARED_WORDS]]
        centre = matrix[members].mean(axis=0)
        typical = members[np.argsort(-(matrix[members] @ centre), kind="stable")]
        nouns = [w for w in (str(terms[i]) for i in np.argsort(-weight_) if weight_[i] > 0) if is_noun(w)]
        groups.append(TextGroup(members=typical.tolist(), shared_words=shared, name_words=nouns[:NAME_WORDS]))
    groups.sort(key=lambda g: (-len(g.members), min(g.members)))
    return groups


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


__all__ = ["DISTANCE_THRESHOLD", "MIN_GROUP_SIZE", "TextGroup", "cluster_labels", "evaluate", "group_texts",
           "is_noun", "languages_meeting", "lemmas", "plain_tokens", "purity"]
