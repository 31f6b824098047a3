"""Texts as vectors by meaning: TF-IDF over Finnish-space lemmas joined with floret word vectors.

The word vectors are the Finnish floret table inside the `spacy-fi-experimental-web-md` wheel
(50,000 × 300 hashed subword rows, MIT), read with spaCy's `Vectors` from the installed package —
no download at run time. Floret builds a vector for any string from its 4–5-letter pieces, so a
misspelt or unseen compound still lands near its word. A text's dense vector is the IDF-weighted mean
of its lemmas' vectors, centred on the mean of the texts being compared (otherwise every Finnish text
looks alike). The representation joined for grouping and search is
  [sqrt(1 − w) · tfidf_row, sqrt(w) · dense_row]   (both rows L2-normalised),
so the cosine of two texts is (1 − w) · lexical cosine + w · vector cosine; w = VECTOR_WEIGHT was
chosen on the development part of tests/data/notes_handwritten.csv (docs/phenomena.md). Without the
package the dense part is left out and grouping is lexical only.
"""
import functools
import threading

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from geo_indi.language.lemmas import lemmas

VECTOR_WEIGHT = 0.6
# Centring estimates the direction all texts share; a handful of near-identical texts has none to remove
# (centring them would leave noise that splits them), so fewer texts than this are not centred.
CENTRE_MIN_TEXTS = 50
_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def word_vectors():
    """spaCy floret Vectors of the Finnish model package, or None when it is not installed."""
    try:
        import importlib.resources

        import srsly
        from spacy.vectors import Vectors
    except ImportError:
        return None
    try:
        root = importlib.resources.files("spacy_fi_experimental_web_md")
    except ModuleNotFoundError:
        return None
    folders = [p for p in root.iterdir() if p.name.startswith("fi_experimental_web_md")]
    if not folders:
        return None
    vocab = folders[0] / "vocab"
    cfg = srsly.read_json(str(vocab / "vectors.cfg"))
    data = np.load(str(vocab / "vectors"), allow_pickle=False)
    return Vectors(data=data, mode="floret", minn=cfg["minn"], maxn=cfg["maxn"], hash_count=cfg["hash_count"],
                   hash_seed=cfg["hash_seed"], bow=cfg["bow"], eow=cfg["eow"])


@functools.lru_cache(maxsize=100_000)
def lemma_vector(lemma: str) -> np.ndarray:
    vectors = word_vectors()
    with _lock:
        row = np.asarray(vectors.get_batch([lemma])[0], dtype=np.float32)
    norm = np.linalg.norm(row)
    return row / norm if norm else row


def represent(texts: list[str], *, weight: float = VECTOR_WEIGHT, analyzer=lemmas, fit_texts=None,
              centre: bool = True):
    """(vectorizer, matrix) — one L2-normalised row per text, lexical and vector parts joined by `weight`."""
    vectorizer = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=1)
    vectorizer.fit(fit_texts if fit_texts is not None else texts)
    lexical = vectorizer.transform(texts).toarray()
    if weight <= 0 or word_vectors() is None or not lexical.shape[1]:
        return vectorizer, lexical
    terms = vectorizer.get_feature_names_out()
    table = np.vstack([lemma_vector(str(t)) for t in terms])
    weights = lexical / np.maximum(lexical.sum(axis=1, keepdims=True), 1e-12)
    dense = weights @ table
    empty = lexical.sum(axis=1) == 0
    if centre and (~empty).sum() >= CENTRE_MIN_TEXTS:  # search compares one query with few texts: no centring there
        dense[~empty] -= dense[~empty].mean(axis=0)
    dense[empty] = 0
    dense /= np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-12)
    joined = np.hstack([np.sqrt(1 - weight) * lexical, np.sqrt(weight) * dense])
    return vectorizer, joined
