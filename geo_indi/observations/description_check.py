"""Entry-time check of a person observation's description for names, addresses and places.

A warning, never a refusal: the reporter sees the flagged words before saving
and may edit them or save anyway. Finnish text is analysed with Voikko
(libvoikko + the voikko-fi dictionary): a word whose analysis is a proper noun
(first name, surname, place name, other name) is flagged in any inflected form
("Mattia", "Rovaniemellä"), and so is a capitalised word whose base form is a
street name ("Koskikadulla" -> koskikatu). A street-address pattern ("Koskikatu
12", "Ratavägen 3") is checked in every language. Without Voikko, or for text
that is not Finnish (Swedish, English), every capitalised word that does not
begin a sentence is flagged instead: cruder, but it errs towards warning.
"""
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geo_indi.language.lemmas import finnish_voikko

KINDS = {
    "first_name": gettext_lazy("first name"),
    "surname": gettext_lazy("surname"),
    "place": gettext_lazy("place name"),
    "name": gettext_lazy("name"),
    "street": gettext_lazy("street or address"),
    "capitalised": gettext_lazy("possible name"),
}
VOIKKO_CLASSES = {"etunimi": "first_name", "sukunimi": "surname", "paikannimi": "place", "nimi": "name"}
# Base forms of Finnish street names end with these; Swedish and English ones are matched as written.
STREET_BASE_SUFFIXES = ("katu", "tie", "kuja", "polku", "väylä", "raitti", "kaari", "tanhua", "aukio", "tori",
                        "puistikko", "rinne", "ranta", "piha", "vägen", "gatan", "gränd", "stigen", "torget")
STREET_ADDRESS_RE = re.compile(
    r"\b(?:[A-ZÅÄÖ][\w-]*?(?:katu|kadu\w*|tie\w*|kuja\w*|polku\w*|polu\w*|väylä\w*|raitti\w*|raiti\w*|"
    r"kaari\w*|kaare\w*|tanhua\w*|vägen|gatan|gränd)"
    r"|[A-Z][a-z]+ (?:Street|Road|Lane|Avenue|Way))\s+\d+\s?[a-zA-Z]?\b"
)
WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
SENTENCE_END_RE = re.compile(r"[.!?:]\s*$")
# Share of words Voikko must know for a text to be treated as Finnish.
FINNISH_WORD_SHARE = 0.6


@dataclass
class DescriptionCheck:
    flagged: list = field(default_factory=list)  # [{"word": ..., "kind": ...}] in text order, each word once
    analyser: str = "fallback"  # "voikko" when the Finnish analysis ran

    def as_dict(self):
        warning = None
        if self.flagged:
            warning = _("The description may identify a person or a place: %(words)s. "
                        "Edit it, or save anyway.") % {"words": ", ".join(item["word"] for item in self.flagged)}
        return {
            "flagged": [{**item, "kind_label": str(KINDS[item["kind"]])} for item in self.flagged],
            "warning": warning,
            "analyser": self.analyser,
        }


def voikko_available():
    return finnish_voikko() is not None


def _words(text):
    """(word, offset, starts a sentence) for every word of the text."""
    for match in WORD_RE.finditer(text):
        before = text[: match.start()]
        yield match.group(), match.start(), not before.strip() or bool(SENTENCE_END_RE.search(before))


def _finnish_kind(voikko, word):
    analyses = voikko.analyze(word)
    proper = [VOIKKO_CLASSES[a["CLASS"]] for a in analyses if a.get("CLASS") in VOIKKO_CLASSES]
    common = [a for a in analyses if a.get("CLASS") not in VOIKKO_CLASSES]
    if proper and (word[0].isupper() or not common):
        return proper[0]
    if word[0].isupper() and any(a.get("BASEFORM", "").lower().endswith(STREET_BASE_SUFFIXES) for a in common):
        return "street"
    return None


def check_description(text):
    """Flag the words of `text` that may identify a person or a place. Returns a DescriptionCheck."""
    result = DescriptionCheck()
    if not text or not text.strip():
        return result
    seen = set()

    def flag(word, kind):
        if word not in seen:
            seen.add(word)
            result.flagged.append({"word": word, "kind": kind})

    flagged = [(match.start(), match.group().strip(), "street") for match in STREET_ADDRESS_RE.finditer(text)]
    addresses = [(start, start + len(address)) for start, address, _kind in flagged]
    voikko = finnish_voikko()
    words = list(_words(text))
    finnish = voikko is not None and words and (
        sum(1 for word, _start, _first in words if voikko.spell(word)) >= FINNISH_WORD_SHARE * len(words))
    result.analyser = "voikko" if finnish else "fallback"
    for word, start, starts_sentence in words:
        if any(a <= start < b for a, b in addresses):
            continue
        kind = None
        if finnish and voikko.spell(word):
            kind = _finnish_kind(voikko, word)
        elif word[0].isupper() and not starts_sentence:
            # Not Finnish, or unknown to the dictionary: a foreign name, a village, a nickname.
            kind = "capitalised"
        if kind:
            flagged.append((start, word, kind))
    for _position, word, kind in sorted(flagged, key=lambda item: item[0]):
        flag(word, kind)
    return result
