"""Words of a text as Finnish lemmas: the terms grouping, semantic search and indicator suggestions weigh.

Each sentence of a note is taken as Finnish, Swedish or English on its own (a mixed note "Mummo on
tosi yksinäinen, hon bor ensam" has a Finnish and a Swedish clause). Everything ends up as Finnish
base forms, so one theme written in three languages shares terms:

* Finnish (most words known to Voikko): abbreviations expanded first (ABBREVIATIONS: "ikäihm." ->
  ikäihminen); every word becomes its base form — a common noun's analysis before an adjective's and
  a proper name's ("vanhemmat" -> vanhempi, not vanha; "ainoa" -> ainoa, not Aino) — plus its
  compound head or derivation root, unless that head is GENERIC_HEADS ("seurakunta" does not add
  kunta). A word Voikko does not know is corrected only to a suggestion within edit distance 1
  ("Huoltoasma" is not made astma only when no such suggestion exists). Function words, every form
  of olla (also "ollut", "oltu"), and STOP_LEMMAS (reporter words: kertoa, asiakas, kotihoito …) are
  dropped.
* Swedish and English: simplemma's lemma (its tables ship inside the wheel), then translated to
  Finnish by GLOSSARY (a small curated domain list where a dictionary's first sense is wrong: ren ->
  poro, not puhdas) or else by the first sense in Debian's FreeDict dictionaries
  (dict-freedict-swe-fin, dict-freedict-eng-fin, read from /usr/share/dictd; without them only the
  glossary bridges). An untranslated word stays as its lemma ("cannabis").

* Phrases that mean one thing (CONCEPT_PHRASES, curated beside the glossary): a sentence whose terms hold
  both words of a pair ("kaipaa seuraa": kaivata + seura) also gets the concept's term (yksinäinen), so a
  paraphrase meets the word a coordinator searches for.

No network: Voikko, simplemma and FreeDict are local files.
"""
import functools
import gzip
import re
import threading
from pathlib import Path

try:
    import libvoikko
except ImportError:  # without Voikko a Finnish word stays as written
    libvoikko = None

try:
    import simplemma
except ImportError:
    simplemma = None

WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
SENTENCE_RE = re.compile(r"[.!?;,:]+\s+|\n+")
FINNISH_WORD_SHARE = 0.5
MIN_LEMMA = 2
DICTD = Path("/usr/share/dictd")
DROPPED_CLASSES = {"asemosana", "sidesana", "kieltosana", "suhdesana", "huudahdussana"}
PROPER_CLASSES = {"nimi", "etunimi", "sukunimi", "paikannimi"}
# Preferred analysis when Voikko offers several: common noun, then the rest, proper names last.
CLASS_ORDER = {"nimisana": 0, "nimisana_laatusana": 0, "teonsana": 1, "laatusana": 2}

# Abbreviations of field notes, matched with their dot (lower-cased).
ABBREVIATIONS = {
    "ikäihm.": "ikäihminen", "ikäih.": "ikäihminen", "kotih.": "kotihoito", "nuor.": "nuori",
    "omaishoit.": "omaishoitaja", "esim.": "", "mm.": "", "ns.": "", "yms.": "", "jne.": "", "klo": "",
    "n.": "", "v.": "", "ym.": "", "tk.": "terveyskeskus", "srk.": "seurakunta", "lastensuoj.": "lastensuojelu",
    "kunn.": "kunnan", "vapaaeht.": "vapaaehtoinen",
}
# Compound heads too generic to link two notes on their own.
GENERIC_HEADS = {"kunta", "talo", "asema", "tie", "paikka", "työ", "toiminta", "asia", "aika", "osa", "kerta",
                 "tila", "puoli", "määrä", "laji", "ala", "alue", "keskus", "palvelu", "väki", "asu", "ihme"}
# Function-like lemmas and the words of reporting itself, which every theme's notes share.
STOP_LEMMAS = {
    "olla", "ei", "myös", "kun", "niin", "nyt", "vain", "vaan", "jo", "vielä", "sitten", "siellä", "täällä",
    "paljon", "hyvin", "aina", "taas", "kanssa", "mukaan", "eri", "yksi", "kaksi", "kolme", "usea", "tosi", "ihan",
    "aivan", "kertoa", "sanoa", "kuulla", "kysyä", "asiakas", "kotihoito", "kotihoitaja", "käynti", "kotikäynti",
    "huoli", "huolissaan", "huolestuttaa", "huolena", "tulla", "mennä", "saada", "voida", "tehdä", "jäädä", "joku",
    "kukaan", "mikään", "ollut", "olo", "oma", "enää", "kuulemma", "kovasti", "selvästi", "ainakin", "kyllä",
    "juuri", "jälkeen", "aikana", "takia", "vuoksi", "välillä", "jopa", "melkein", "lähes", "joka", "kaikki",
    "koko", "muu", "uusi", "viikko", "päivä", "kuukausi", "vuosi", "ilta", "aamu", "yö",
}
SWEDISH_STOPWORDS = {
    "och", "att", "är", "på", "som", "det", "en", "ett", "i", "av", "för", "med", "till", "den", "har", "de", "om",
    "inte", "var", "vi", "han", "hon", "sig", "men", "så", "kan", "ska", "vid", "efter", "också", "från", "nu",
    "där", "här", "man", "blev", "hade", "mycket", "flera", "under", "igen", "sina", "sin", "sitt", "inga", "ingen",
    "hennes", "hans", "hem", "nån", "någon", "inget", "längre", "varje", "säger", "sa", "berättar", "berättade",
    "vet", "vill", "får", "bor", "jag", "utan", "mitt", "två", "tre", "allt", "fler", "denna", "hela",
}
ENGLISH_STOPWORDS = {
    "the", "a", "an", "and", "or", "is", "are", "was", "were", "of", "to", "in", "on", "at", "for", "with", "by",
    "it", "he", "she", "they", "we", "there", "this", "that", "be", "been", "has", "have", "had", "not", "no", "from",
    "as", "his", "her", "their", "again", "very", "near", "says", "said", "told", "us", "who", "him", "them", "but",
    "about", "so", "anymore", "since", "every", "all", "more", "its", "into", "any", "anyone", "nobody", "cannot",
    "doesnt", "didnt", "hasnt", "wont", "get", "got", "know", "knows", "over", "after", "before", "mostly", "some",
    "someone", "three", "two", "also", "just", "own", "besides", "next", "out",
}
# sv/en lemma -> Finnish lemma(s), where the dictionary lacks the word or its first sense is wrong here.
GLOSSARY = {
    "ren": "poro", "renhjord": "porotokka", "renkollision": "porokolari", "renbeteslag": "paliskunta",
    "reindeer": "poro", "raindeer": "poro", "moose": "hirvi", "älg": "hirvi", "collision": "kolari",
    "ensam": "yksinäinen", "lonely": "yksinäinen", "lonley": "yksinäinen", "alone": "yksin", "isolerad": "eristäytynyt",
    "sällskap": "seura", "company": "seura", "besöksvän": "ystävä vierailu", "visitor": "vierailu", "visit": "vierailu",
    "hälsa": "vierailu", "änkeman": "leski", "widow": "leski", "mormor": "mummo", "farmor": "mummo",
    "grandma": "mummo", "pensionär": "eläkeläinen", "pensioner": "eläkeläinen", "elderly": "vanhus", "äldre": "vanhus",
    "gammal": "vanha", "old": "vanha", "nätbank": "verkkopankki", "banking": "verkkopankki", "online": "netti",
    "nätet": "netti", "nät": "netti", "smarttelefon": "älypuhelin", "smartphone": "älypuhelin", "app": "sovellus",
    "appen": "sovellus", "bankkod": "pankkitunnus", "code": "tunnus", "bedrägeri": "huijaus", "scam": "huijaus",
    "dator": "tietokone", "computer": "tietokone", "digital": "digi", "räkning": "lasku", "bill": "lasku",
    "obetald": "maksamaton", "unpaid": "maksamaton", "ungdom": "nuori", "tonåring": "teini", "teenager": "teini",
    "kid": "nuori", "youth": "nuori", "young": "nuori", "minderårig": "alaikäinen", "underage": "alaikäinen",
    "berusad": "humala", "drunk": "humala", "full": "humala", "öl": "olut", "beer": "olut", "snusa": "nuuska",
    "snus": "nuuska", "vape": "sähkötupakka", "vaping": "sähkötupakka", "vapeing": "sähkötupakka",
    "e-cigarett": "sähkötupakka", "röka": "tupakoida", "cannabis": "kannabis", "drinking": "juoda", "drink": "juoda",
    "dricka": "juoda", "rast": "välitunti", "busskur": "bussikatos", "shelter": "katos", "glas": "lasi",
    "window": "ikkuna", "krossa": "rikkoa", "smash": "rikkoa", "sönderslagen": "rikkoa", "broken": "rikkoa",
    "kick": "potkia", "graffiti": "graffiti", "klotter": "töhry", "spreja": "spreijata", "spray": "spreijata",
    "parkbänk": "penkki", "bench": "penkki", "papperskorg": "roskis", "bin": "roskis", "gunga": "keinu",
    "lekpark": "leikkipuisto", "byagård": "kylätalo", "village": "kylä", "hall": "talo", "kyrka": "kirkko",
    "församling": "seurakunta", "street": "katu", "light": "valo", "närståendevårdare": "omaishoitaja",
    "anhörigvårdare": "omaishoitaja", "carer": "omaishoitaja", "slut": "uupunut", "exhausted": "uupunut",
    "utmattad": "uupunut", "utbränd": "uupunut", "burnt": "uupunut", "trötthet": "väsymys", "tiredness": "väsymys",
    "orka": "jaksaa", "avlösning": "sijainen", "respite": "vapaa", "dement": "dementia", "dementia": "dementia",
    "vaka": "valvoa", "sleep": "nukkua", "sova": "nukkua", "elev": "oppilas", "pupil": "oppilas", "skola": "koulu",
    "school": "koulu", "frånvaro": "poissaolo", "skolfrånvaro": "poissaolo", "absent": "poissa", "truancy": "lintsaus",
    "skolka": "lintsata", "skolkare": "lintsata", "skip": "lintsata", "refuse": "kieltäytyä", "vägra": "kieltäytyä",
    "kurator": "kuraattori", "rektor": "rehtori", "class": "tunti", "pengar": "raha", "money": "raha",
    "hyra": "vuokra", "rent": "vuokra", "skuld": "velka", "utsökning": "ulosotto", "matkö": "leipäjono",
    "food": "ruoka", "bank": "pankki", "queue": "jono", "afford": "varaa", "medicin": "lääke", "medicine": "lääke",
    "elräkning": "sähkölasku", "avstängning": "katkaisu", "ensamstående": "yksinhuoltaja", "single": "yksinhuoltaja",
    "payday": "palkka", "granne": "naapuri", "neighbour": "naapuri", "skrik": "huuto", "shouting": "huuto",
    "shoutin": "huuto", "smäll": "paukahdus", "banging": "paukahdus", "blåmärke": "mustelma", "bruise": "mustelma",
    "rädd": "pelätä", "scared": "pelätä", "afraid": "pelätä", "slå": "lyödä", "hit": "lyödä", "hits": "lyödä",
    "våld": "väkivalta", "skyddshem": "turvakoti", "husband": "mies", "man": "mies", "mum": "äiti", "dad": "isä",
    "pappa": "isä", "mamma": "äiti", "bostad": "asunto", "flat": "asunto", "lägenhet": "asunto",
    "hyreslägenhet": "vuokra-asunto", "vräka": "häätää", "evict": "häätää", "hemlös": "asunnoton",
    "homeless": "asunnoton", "mögel": "home", "mould": "home", "fukt": "kosteus", "damp": "kosteus",
    "hyresvärd": "vuokranantaja", "landlord": "vuokranantaja", "soffa": "sohva", "sofa": "sohva", "car": "auto",
    "bil": "auto", "fängelse": "vankila", "trång": "ahdas", "ångestfylld": "ahdistunut", "anxious": "ahdistunut",
    "ångest": "ahdistus", "skära": "viillellä", "harm": "viillellä", "depression": "masennus", "självmordstanke":
    "itsemurha-ajatus", "suicidal": "itsemurha", "ungdomspsykiatri": "nuorisopsykiatria", "skolpsykolog":
    "koulupsykologi", "må": "voida", "ungdomsgård": "nuorisotalo", "talko": "talkoot", "volunteer": "vapaaehtoinen",
    "frivillig": "vapaaehtoinen", "pensionärsklubb": "eläkeläiskerho", "club": "kerho", "klubb": "kerho",
    "kör": "kuoro", "choir": "kuoro", "äldreboende": "vanhainkoti", "care": "hoito", "home": "koti",
    "julfest": "joulujuhla", "byaförening": "kyläyhdistys", "badstrand": "uimaranta", "beach": "ranta",
    "brygga": "laituri", "jetty": "laituri", "bulle": "pulla", "baka": "leipoa", "matlagningsklubb": "kokkikerho",
    "skrivare": "tulostin", "printer": "tulostin", "toner": "väri", "möte": "kokous", "meeting": "kokous",
    "timesheet": "tuntikirjaus", "test": "testi", "kaffebryggare": "kahvinkeitin", "highway": "valtatie",
    "riksväg": "valtatie", "väg": "tie", "road": "tie", "mörker": "pimeä", "bus": "bussi", "skolbuss": "koulubussi",
    "stod": "seistä", "salt": "suola", "nurse": "terveydenhoitaja", "skolhälsovårdare": "terveydenhoitaja",
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


def _word_bases(analysis: dict) -> list[str]:
    bases = []
    for part in re.findall(r"\(([^)]*)\)", analysis.get("WORDBASES", "")):
        if part and not part.startswith("+"):
            bases.append(part.replace("=", "").lower())
    return bases


def within_one_edit(a: str, b: str) -> bool:
    """True when b is a within one insertion, deletion, substitution or adjacent transposition."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]


@functools.lru_cache(maxsize=50_000)
def finnish_lemmas(word: str):
    """Lemmas of one lower-cased Finnish word; () for a dropped word; None when Voikko does not know it."""
    voikko = finnish_voikko()
    if voikko is None:
        return None
    analyses = voikko.analyze(word)
    if not analyses:
        return None
    if any(a.get("BASEFORM", "").lower() == "olla" or "olla" in _word_bases(a) for a in analyses):
        return ()
    def prefix(a):  # "katuvaloja": katuvalo (shares 8 letters) before katuvala (7)
        base_ = a.get("BASEFORM", "").lower()
        return next((i for i, (x, y) in enumerate(zip(word, base_)) if x != y), min(len(word), len(base_)))

    ordered = sorted(analyses, key=lambda a: (a.get("CLASS") in PROPER_CLASSES, CLASS_ORDER.get(a.get("CLASS"), 5),
                                              -prefix(a)))
    first = ordered[0]
    if first.get("CLASS") in DROPPED_CLASSES:
        return ()
    base = first.get("BASEFORM", word).lower().replace("=", "")
    if base in STOP_LEMMAS:
        return ()
    bases = _word_bases(first)
    extra = bases[-1] if bases else base
    if extra == base or len(extra) <= MIN_LEMMA or extra in GENERIC_HEADS or extra in STOP_LEMMAS:
        return (base,)
    return (base, extra)


@functools.lru_cache(maxsize=20_000)
def corrected_lemmas(word: str):
    """A misspelt Finnish word's lemmas from Voikko's first suggestion within edit distance 1, else None."""
    voikko = finnish_voikko()
    if voikko is None or len(word) <= 3:
        return None
    for suggestion in voikko.suggest(word):
        if within_one_edit(word, suggestion.lower()):
            return finnish_lemmas(suggestion.lower())
    return None


def _read_freedict(name: str) -> dict[str, str]:
    """headword -> first Finnish translation of its first sense, from a dictd .dict.dz file."""
    path = DICTD / f"freedict-{name}.dict.dz"
    if not path.exists():
        return {}
    found: dict[str, str] = {}
    head = None
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.rstrip("\n")
            match = re.match(r"^(\S[^/<]*?)\s+(?:/[^<]*/\s*)?<[^>]*>$", line)
            if match:
                head = match.group(1).strip().lower()
                continue
            if head is not None:
                text = re.sub(r"^\d+\.\s*", "", line).strip()
                text = re.sub(r"\s+\d+\.$", "", text)
                first = text.split(",")[0].strip()
                if first and head not in found:
                    found[head] = first.lower()
                head = None
    return found


@functools.lru_cache(maxsize=2)
def freedict(language: str) -> dict[str, str]:
    return _read_freedict({"sv": "swe-fin", "en": "eng-fin"}[language])


def foreign_lemma(word: str, language: str) -> str:
    if simplemma is None:
        return word
    try:
        return simplemma.lemmatize(word, lang=language).lower()
    except ValueError:
        return word


@functools.lru_cache(maxsize=20_000)
def bridged(word: str, language: str) -> tuple:
    """Finnish lemmas for one sv/en word (lower-cased): glossary, then FreeDict, else the word's own lemma."""
    stopwords = SWEDISH_STOPWORDS if language == "sv" else ENGLISH_STOPWORDS
    if word in stopwords:
        return ()
    lemma = foreign_lemma(word, language)
    translation = GLOSSARY.get(word) or GLOSSARY.get(lemma) or freedict(language).get(lemma) or freedict(
        language).get(word)
    if not translation:
        return (lemma,) if len(lemma) > MIN_LEMMA else ()
    terms = []
    for part in WORD_RE.findall(translation):
        found = finnish_lemmas(part) if finnish_voikko() is not None else (part,)
        terms.extend(found if found is not None else (part,))
    return tuple(terms)


def sentence_language(words: list[str]) -> str:
    """'fi', 'sv' or 'en' for the lower-cased words of one sentence."""
    if not words:
        return "fi"
    if finnish_voikko() is not None:
        # A misspelt word counts as Finnish only when it stands alone (a one-word note).
        known = sum(1 for w in words if finnish_lemmas(w) is not None
                    or (len(words) == 1 and corrected_lemmas(w) is not None))
        if known / len(words) >= FINNISH_WORD_SHARE and not (
                sum(w in SWEDISH_STOPWORDS or w in ENGLISH_STOPWORDS for w in words) > len(words) / 3):
            return "fi"
    swedish = sum(w in SWEDISH_STOPWORDS or "å" in w for w in words)
    english = sum(w in ENGLISH_STOPWORDS for w in words)
    if not swedish and not english and simplemma is not None:
        text = " ".join(words)
        swedish = simplemma.in_target_language(text, lang="sv")
        english = simplemma.in_target_language(text, lang="en")
    if not swedish and not english:
        return "fi"
    return "en" if english > swedish else "sv"


text_language = sentence_language


# (one term, another term) of one sentence -> the concept they say together. Written from the themes'
# vocabulary (issue 23's own examples), never from evaluation errors.
CONCEPT_PHRASES = {
    frozenset({"kaivata", "seura"}): "yksinäinen", frozenset({"ikävöidä", "seura"}): "yksinäinen",
    frozenset({"kaivata", "juttukaveri"}): "yksinäinen", frozenset({"puuttua", "seura"}): "yksinäinen",
    frozenset({"raha", "loppua"}): "toimeentulo", frozenset({"raha", "loppu"}): "toimeentulo",
    frozenset({"ruoka", "loppua"}): "toimeentulo",
}


def concepts(terms: list[str]) -> list[str]:
    present = set(terms)
    return [concept for pair, concept in CONCEPT_PHRASES.items() if pair <= present and concept not in present]


def expand_abbreviations(text: str) -> str:
    def replace(match):
        return " " + ABBREVIATIONS[match.group(0).lower()] + " "
    pattern = "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True))
    return re.sub(rf"(?<![\w])(?:{pattern})(?![\w])", replace, text, flags=re.IGNORECASE)


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_RE.split(expand_abbreviations(text or "")) if s.strip()]


def word_lemmas(word: str, language: str) -> tuple:
    """The Finnish-space terms of one lower-cased word in a sentence of `language`."""
    if language != "fi":
        return bridged(word, language)
    found = finnish_lemmas(word)
    if found is None:
        found = corrected_lemmas(word)
    if found is None:
        found = (word,) if finnish_voikko() is not None else (word,)
    return found


def lemmas(text: str) -> list[str]:
    """The terms of a text, in order, repeated as often as they occur."""
    terms = []
    for sentence in sentences(text):
        words = [w.lower() for w in WORD_RE.findall(sentence)]
        language = sentence_language(words)
        found = [t for word in words for t in word_lemmas(word, language) if len(t) >= MIN_LEMMA and t not in STOP_LEMMAS]
        terms.extend(found + concepts(found))
    return terms


def plain_tokens(text: str) -> list[str]:
    """The baseline: lower-cased words as written."""
    return [w.lower() for w in WORD_RE.findall(text or "")]
