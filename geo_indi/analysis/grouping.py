"""Similar descriptions grouped: TF-IDF over lemmas, then average-linkage clustering with cosine distance.

scikit-learn does both: `TfidfVectorizer` weighs each lemma by how rare it is
across the texts being grouped (sublinear term frequency, L2-normalised rows),
and `AgglomerativeClustering` merges texts while the average cosine distance
between two groups stays under DISTANCE_THRESHOLD — no number of groups is
given in advance. Groups smaller than MIN_GROUP_SIZE are not suggested. The
threshold comes from the labelled evaluation set (docs/phenomena.md).
"""
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from geo_indi.core.lemmas import lemmas, plain_tokens

DISTANCE_THRESHOLD = 0.93
MIN_GROUP_SIZE = 3
SHARED_WORDS = 6
# A shared word occurs in at least this share of a group's members.
SHARED_WORD_SHARE = 0.3


@dataclass
class TextGroup:
    members: list  # indexes into the grouped texts
    shared_words: list  # the group's weightiest lemmas, most weight first


def _vectors(texts, analyzer):
    vectorizer = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=1)
    return vectorizer, vectorizer.fit_transform(texts)


def cluster_labels(texts, *, analyzer=lemmas, threshold=DISTANCE_THRESHOLD):
    """One cluster label per text (a text without any term gets a label of its own)."""
    if len(texts) < 2:
        return list(range(len(texts)))
    _vectorizer, matrix = _vectors(texts, analyzer)
    empty = np.asarray(matrix.getnnz(axis=1) == 0)
    labels = np.full(len(texts), -1)
    rows = np.flatnonzero(~empty)
    if len(rows) >= 2:
        model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                        distance_threshold=threshold)
        labels[rows] = model.fit_predict(matrix[rows].toarray())
    elif len(rows) == 1:
        labels[rows] = 0
    next_label = labels.max() + 1
    for i in np.flatnonzero(empty):
        labels[i] = next_label
        next_label += 1
    return labels.tolist()


def group_texts(texts, *, threshold=DISTANCE_THRESHOLD, min_size=MIN_GROUP_SIZE):
    """Groups of at least `min_size` similar texts, largest first, with the words they share."""
    if len(texts) < min_size:
        return []
    vectorizer, matrix = _vectors(texts, lemmas)
    labels = np.asarray(cluster_labels(texts, threshold=threshold))
    terms = vectorizer.get_feature_names_out()
    groups = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < min_size:
            continue
        block = matrix[members]
        weight = np.asarray(block.mean(axis=0)).ravel()
        share = np.asarray((block > 0).mean(axis=0)).ravel()
        order = [i for i in np.argsort(-weight) if weight[i] > 0 and share[i] >= SHARED_WORD_SHARE]
        groups.append(TextGroup(members=members.tolist(), shared_words=[str(terms[i]) for i in order[:SHARED_WORDS]]))
    groups.sort(key=lambda g: (-len(g.members), g.members[0]))
    return groups


def purity(labels_true, labels_pred):
    """Share of texts whose cluster's most common true label is their own."""
    from collections import Counter

    by_cluster = {}
    for true, pred in zip(labels_true, labels_pred):
        by_cluster.setdefault(pred, Counter())[true] += 1
    return sum(c.most_common(1)[0][1] for c in by_cluster.values()) / len(labels_true)


def evaluate(rows, *, analyzer, threshold):
    """(adjusted Rand index, purity) over the themed texts of (text, theme) rows; noise texts are grouped too."""
    from sklearn.metrics import adjusted_rand_score

    labels = cluster_labels([text for text, _theme in rows], analyzer=analyzer, threshold=threshold)
    themed = [(theme, label) for (_text, theme), label in zip(rows, labels) if theme != "noise"]
    truth, predicted = [t for t, _ in themed], [p for _, p in themed]
    return adjusted_rand_score(truth, predicted), purity(truth, predicted)


__all__ = ["DISTANCE_THRESHOLD", "MIN_GROUP_SIZE", "TextGroup", "cluster_labels", "evaluate", "group_texts",
           "lemmas", "plain_tokens", "purity"]
