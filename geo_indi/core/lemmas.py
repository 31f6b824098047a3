"""Words of a text as lemmas: the terms that grouping (analysis) and indicator suggestions (indicators) weigh.

Finnish (a text where most words are known to Voikko) is analysed with Voikko:
every word becomes its base form plus the base forms of its compound parts and
derivation roots ("bussipysäkillä" -> bussipysäkki, bussi, pysäkki;
"yksinäisyydestä" -> yksinäisyys, yksinäinen), so inflection and compounding
stop splitting one meaning into many terms. A word Voikko does not know in a
Finnish text is taken as a typo and replaced by Voikko's first spelling
suggestion. Function words (pronouns, conjunctions, negation, "olla") are
dropped by Voikko's word class.

Swedish and English have no Voikko; their words are stemmed with the Snowball
stemmers (the same algorithms as PostgreSQL's `swedish`/`english` text-search
configurations, without a database round trip per text) after a short stop-word
list. A text is taken as Swedish when it has more Swedish than English stop words.
"""
import functools
import re
import threading

import snowballstemmer

try:
    import libvoikko
except ImportError:  # grouping then stems Finnish with Snowball too
    libvoikko = None

WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# Share of words Voikko must know for a text to be treated as Finnish.
FINNISH_WORD_SHARE = 0.5
MIN_LEMMA = 2
DROPPED_CLASSES = {"asemosana", "sidesana", "kieltosana", "suhdesana", "huudahdussana"}
FINNISH_STOP_LEMMAS = {"olla", "ei", "myös", "kun", "niin", "nyt", "vain", "jo", "vielä", "sitten", "siellä", "täällä",
                       "paljon", "hyvin", "aina", "taas", "kanssa", "mukaan", "eri", "yksi", "kaksi", "usea"}
SWEDISH_STOPWORDS = {
    "och", "att", "är", "på", "som", "det", "en", "ett", "i", "av", "för", "med", "till", "den", "har", "de", "om",
    "inte", "var", "vi", "han", "hon", "sig", "men", "så", "kan", "ska", "vid", "efter", "också", "från", "nu",
    "där", "här", "man", "blev", "hade", "mycket", "flera", "under", "igen", "sina", "sin", "sitt", "inga", "ingen",
}
ENGLISH_STOPWORDS = {
    "the", "a", "an", "and", "or", "is", "are", "was", "were", "of", "to", "in", "on", "at", "for", "with", "by",
    "it", "he", "she", "they", "we", "there", "this", "that", "be", "been", "has", "have", "had", "not", "no", "from",
    "as", "his", "her", "their", "again", "very", "near",
}

_local = threading.local()


def finnish_voikko():
    """A Voikko handle per thread (handles are not thread-safe), or None without Voikko."""
    if not hasattr(_local, "voikko"):
        _local.voikko = None
        if libvoikko is not None:
            try:
                _local.voikko = libvoikko.Voikko("fi")
            except (OSError, libvoikko.VoikkoException):
                pass
    return _local.voikko


@functools.lru_cache(maxsize=8)
def _stemmer(language):
    return snowballstemmer.stemmer(language)


def _word_bases(analysis):
    """Base forms of the compound parts and derivation roots in a Voikko WORDBASES string."""
    bases = []
    for part in re.findall(r"\(([^)]*)\)", analysis.get("WORDBASES", "")):
        if part and not part.startswith("+"):
            bases.append(part.replace("=", ""))
    return bases


@functools.lru_cache(maxsize=50_000)
def finnish_lemmas(word):
    """Lemmas of one lower-cased Finnish word; () for a function word; None when Voikko does not know it.

    A participle adds its verb ("revitty" -> revitty, repiä). A compound adds its head, the last part
    ("bussipysäkki" -> pysäkki), not its modifiers, which would link unrelated texts ("koulu" in
    "koulumatka", "koulutie"). A derived word adds its root ("yksinäisyys" -> yksinäinen).
    """
    voikko = finnish_voikko()
    analyses = voikko.analyze(word)
    if not analyses:
        return None
    first = analyses[0]
    if first.get("CLASS") in DROPPED_CLASSES:
        return ()
    base = first.get("BASEFORM", word).lower().replace("=", "")
    if base in FINNISH_STOP_LEMMAS:
        return ()
    heads = {(_word_bases(a) or [base])[-1].lower() for a in analyses if a.get("BASEFORM", "").lower() == base}
    heads.add((_word_bases(first) or [base])[-1].lower())
    extra = heads.pop() if len(heads) == 1 else base  # analyses that disagree on the root add none
    return (base,) if extra == base or len(extra) <= MIN_LEMMA else (base, extra)


@functools.lru_cache(maxsize=20_000)
def _corrected(word):
    suggestions = finnish_voikko().suggest(word)
    return finnish_lemmas(suggestions[0].lower()) if suggestions else None


def text_language(words):
    """'fi', 'sv' or 'en' for a list of lower-cased words."""
    if finnish_voikko() is not None and words:
        known = sum(1 for w in words if finnish_lemmas(w) is not None)
        if known / len(words) >= FINNISH_WORD_SHARE:
            return "fi"
    swedish = sum(1 for w in words if w in SWEDISH_STOPWORDS) + sum(1 for w in words if "å" in w or "ä" in w or "ö" in w)
    english = sum(1 for w in words if w in ENGLISH_STOPWORDS)
    return "en" if english > swedish else "sv"


def lemmas(text):
    """The terms of a text, in order, repeated as often as they occur."""
    words = [w.lower() for w in WORD_RE.findall(text or "")]
    language = text_language(words)
    terms = []
    if language == "fi":
        for word in words:
            found = finnish_lemmas(word)
            if found is None and len(word) > 3:
                found = _corrected(word)
            if found is None:
                found = (_stemmer("finnish").stemWord(word),)
            terms.extend(t for t in found if len(t) >= MIN_LEMMA)
        return terms
    stopwords, stemmer = (SWEDISH_STOPWORDS, _stemmer("swedish")) if language == "sv" else (
        ENGLISH_STOPWORDS, _stemmer("english"))
    return [stem for stem in (stemmer.stemWord(w) for w in words if w not in stopwords) if len(stem) >= MIN_LEMMA]


def plain_tokens(text):
    """The baseline: lower-cased words as written."""
    return [w.lower() for w in WORD_RE.findall(text or "")]
