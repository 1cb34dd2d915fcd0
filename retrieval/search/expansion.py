"""Add official terms to a colloquial question ("Perso" -> "Personalausweis").

The municipality's own name is replaced by "der Stadt" first: every page is the city's, but the
name pulls pages whose titles contain it ("Umschreibung Fahrzeug – von außerhalb nach München")
above the service asked for ("Wohnung in München anmelden"); see docs/retrieval.md.

The lexicons are ``retrieval/search/lexicon/alltagssprache.yaml`` (colloquial German) and
``mehrsprachig.yaml`` (the same terms in the seven other languages residents write in); a
knowledge base may bring its own ``lexicon.yaml`` with local additions. Typos are corrected first (spelling.py), so that
"Persso" expands like "Perso". Words are compared by their Snowball stem, so an entry matches
its inflected forms too: "grauer Lappen" also finds "den alten grauen Lappen", "gelber Sack"
finds "gelbe Säcke".
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import Stemmer
import yaml

from retrieval.german_text import fold
from retrieval.search.spelling import SpellingCorrector

DEFAULT_LEXICON = Path(__file__).parent / "lexicon" / "alltagssprache.yaml"
# Municipal terms in the other languages residents write in -> the German terms of the pages.
MULTILINGUAL_LEXICON = Path(__file__).parent / "lexicon" / "mehrsprachig.yaml"


_WORD = re.compile(r"\w+")  # words of a question; "ID-Karte" is two, as in the entry "id-karte"
_local = threading.local()  # a PyStemmer object must not be shared between threads


# Arabic writes the article and some prepositions onto the word: "التكلفة" (the cost), "بالتكلفة",
# "والرسوم". Matched like an inflection, so one entry "تكلفة" finds them all.
_ARABIC_PROCLITICS = re.compile(r"^(?:وال|بال|فال|كال|لل|ال)(?=[\u0621-\u064a]{3})")


def _stem(word: str) -> str:
    if _ARABIC_PROCLITICS.match(word):
        return _ARABIC_PROCLITICS.sub("", word)
    if not hasattr(_local, "stemmer"):
        _local.stemmer = Stemmer.Stemmer("german")
    return fold(_local.stemmer.stemWord(unicodedata.normalize("NFC", word).lower()))  # Snowball wants NFC


# Many residents type Polish, Romanian or Turkish on a German keyboard: "moj maz zmarl" for "mój mąż
# zmarł", "sedere" for "ședere". A word of a multilingual entry also matches its form without the
# accents of Latin letters (and ł, ı, ё); measured in docs/experiments.md.
_BARE_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "ı": "i", "đ": "d", "ø": "o", "ё": "е", "Ё": "Е"})
_GERMAN_KEYBOARD = frozenset("äöüÄÖÜß")


def without_diacritics(text: str, keep: frozenset[str] = frozenset()) -> str:
    """``text`` with the accents of Latin letters removed, except the letters in ``keep``."""
    out = []
    for char in unicodedata.normalize("NFC", text).translate(_BARE_LETTERS):
        if char in keep or not ("A" <= char <= "\u024f") or char.isascii():
            out.append(char)
        else:
            out.append("".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)))
    return "".join(out)


def as_typed_on_a_german_keyboard(text: str) -> str:
    return without_diacritics(text, _GERMAN_KEYBOARD)


# Snowball stemmers of the other languages residents write in (Ukrainian has none; Arabic is read
# by its proclitics above). A word of a multilingual entry matches a question's word with the same
# stem in any of them: "registering" -> "register", "pasaportumu" -> "pasaport", "паспорта" -> "паспорт".
OTHER_STEMMERS = ("english", "turkish", "russian", "polish", "romanian")


@lru_cache(maxsize=65536)
def _other_stems(folded: str) -> tuple[str, ...]:
    if not hasattr(_local, "others"):
        _local.others = [Stemmer.Stemmer(language) for language in OTHER_STEMMERS]
    return tuple(stemmer.stemWord(folded) for stemmer in _local.others)


# German inflection endings are at most two letters (-en, -er, -es, -em, -e, -n, -s). Snowball
# also strips derivations (-ung, -lich): "Ausweisung" has the stem of "Ausweis" but is no ID card.
MAX_INFLECTION = 2

# Polish, Ukrainian, Russian, Romanian and Turkish inflect by endings the German stemmer does not
# know: "karta parkingowa" is asked as "kartę parkingową", "domiciliu" as "domiciliul". A word of a
# multilingual entry (from 5 letters) also matches a word with the same Snowball stem in one of
# OTHER_STEMMERS, or one that shares its letters up to the last two (a five-letter word: up to the
# last one; a six-letter word: five) and then ends in at most 3 other letters; measured in
# docs/experiments.md.
LOOSE_MIN_LETTERS = 5
LOOSE_ENDING = 2
LOOSE_OTHER_ENDING = 3


@dataclass(frozen=True)
class KeyWord:
    """One word of a lexicon key ("grauer"), or a prefix ("umzieh*")."""

    word: str  # folded
    stem: str
    prefix: bool
    inflected: bool = False  # other endings match (LOOSE_*): a word of another language than German
    bare: str = ""  # an inflected word without accents ("maz" for "mąż"), matched by the bare question word
    gap_before: int = 0  # words that may stand before this one: "…" in the key ("nach … gezogen")

    def matches(self, folded: str, stem: str, bare: str = "") -> bool:
        if self.prefix:
            return folded.startswith(self.word) or (self.inflected and bare.startswith(self.bare))
        return (folded == self.word or (stem == self.stem and (abs(len(folded) - len(self.word)) <= MAX_INFLECTION
                                                               or bool(_ARABIC_PROCLITICS.match(folded))))
                or (self.inflected and (_same_word_inflected(self.word, folded)
                                        or bare == self.bare or _same_word_inflected(self.bare, bare))))


def _same_word_inflected(word: str, folded: str) -> bool:
    if len(word) < LOOSE_MIN_LETTERS:
        return False
    if any(a == b for a, b in zip(_other_stems(word), _other_stems(folded))):
        return True
    # A short word may only end differently in its last letter ("karta" / "kartę"), a word of six
    # letters keeps five: "украли" (stolen) is not "України" (Ukraine).
    shared = max(len(word) - LOOSE_ENDING, min(len(word) - 1, 5))
    return folded[:shared] == word[:shared] and len(folded) - shared <= LOOSE_OTHER_ENDING


# German puts words between the parts of an expression: "nach München gezogen", "nach Bad Tölz
# gezogen". A key says where with "…" ("nach … gezogen"): up to this many words may stand there.
GAP_MARKS = frozenset({"…", "..."})
WRITTEN_GAP = 3


def _key_words(key: str, inflected: bool = False) -> tuple[KeyWord, ...]:
    words: list[KeyWord] = []
    gap = 0
    for part in key.split():
        if part in GAP_MARKS:
            gap = WRITTEN_GAP
            continue
        tokens = _WORD.findall(part)  # "id-karte" is two words, as in the question
        for n, token in enumerate(tokens):
            folded = fold(token)
            words.append(KeyWord(folded, _stem(token), part.endswith("*") and n == len(tokens) - 1, inflected,
                                 without_diacritics(folded) if inflected else "", gap))
            gap = 0
    return tuple(words)


# Other languages put a word inside a term: "обменять российские права", "kartę parkingową
# mieszkańca", "my used car registered". Between two words of a multilingual entry one other
# word may stand; measured in docs/experiments.md.
INFLECTED_GAP = 1
# An empty entry ("wohnung gefunden": "") cancels a shorter one inside it. German puts the participle
# at the end of the clause: "ne Wohnung in der Altstadt gefunden" is no lost property either. Up to
# this many words may stand between its words, but no article or possessive: that starts the thing
# found ("auf dem Platz eine Geldbörse gefunden"); measured in docs/experiments.md.
CANCELLING_GAP = 3
_OBJECT_STARTS = frozenset({
    "ein", "eine", "einen", "ne", "nen", "den", "das", "die", "kein", "keine", "keinen", "etwas", "was",
    "mein", "meine", "meinen", "dein", "deine", "deinen", "sein", "seine", "seinen", "ihr", "ihre", "ihren",
    "unser", "unsere", "unseren", "euer", "eure", "euren"})


@dataclass(frozen=True)
class QuestionWords:
    """A question's words as the keys compare them: folded, stemmed, and folded without accents."""

    folded: list[str]
    stems: list[str]
    bare: list[str]

    @classmethod
    def of(cls, words: Sequence[str]) -> QuestionWords:
        folded = [fold(w) for w in words]
        return cls(folded, [_stem(w) for w in words], [without_diacritics(f) for f in folded])


def _spans(key: tuple[KeyWord, ...], question: QuestionWords, cancelling: bool = False) -> list[tuple[int, int]]:
    """Where the key's words appear one after another in the question: (first, past last) word."""
    if not key:
        return []
    gap = INFLECTED_GAP if key[0].inflected else CANCELLING_GAP if cancelling else 0
    gap_ends_at = _OBJECT_STARTS if cancelling else frozenset()
    spans = []
    for i in range(len(question.folded)):
        end = _match_from(key, question, i, gap, gap_ends_at)
        if end is not None:
            spans.append((i, end))
    return spans


def _match_from(key: tuple[KeyWord, ...], question: QuestionWords, i: int, gap: int,
                gap_ends_at: frozenset[str]) -> int | None:
    """Past the last word of ``key`` matched from word ``i`` on, each next key word at most ``gap``
    words further than adjacent, none of them in ``gap_ends_at``; None if it does not match there."""
    if i >= len(question.folded) or not key[0].matches(question.folded[i], question.stems[i], question.bare[i]):
        return None
    if len(key) == 1:
        return i + 1
    for skip in range(max(gap, key[1].gap_before) + 1):
        if skip and (i + skip >= len(question.folded) or question.folded[i + skip] in gap_ends_at):
            break  # words i+1 … i+skip are skipped; the next key word would stand at i+1+skip
        end = _match_from(key[1:], question, i + 1 + skip, gap, gap_ends_at)
        if end is not None:
            return end
    return None


def _inside_longer(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(o[0] <= span[0] and span[1] <= o[1] and o[1] - o[0] > span[1] - span[0] for o in others)


# A prefix key word ("umzieh*") is indexed by its first letters; shorter prefixes are tried everywhere.
PREFIX_INDEX_LETTERS = 3


@dataclass(frozen=True)
class Lexicon:
    entries: dict[str, str]  # colloquial expression -> official terms
    keys: tuple[tuple[tuple[KeyWord, ...], str], ...]
    # Which keys can start at a word, by the first key word: "w:" + folded word, "s:" + stem,
    # "p:" + a prefix's first letters; a question's words then try a handful of keys, not all 2,000.
    starts: dict[str, tuple[int, ...]]
    short_prefixes: tuple[int, ...]  # keys whose first word is a prefix shorter than PREFIX_INDEX_LETTERS

    @property
    def words(self) -> list[str]:
        """Every word on either side, e.g. as spelling targets ("persso" -> "perso")."""
        return [w.rstrip("*") for pair in self.entries.items() for side in pair for w in side.split()
                if w not in GAP_MARKS]

    def candidates(self, question: QuestionWords) -> list[int]:
        """The keys (indices, in lexicon order) whose first word matches some word of the question:
        every key ``KeyWord.matches`` could accept, and some it will not."""
        found = set(self.short_prefixes)
        for folded, stem, bare in zip(question.folded, question.stems, question.bare):
            for entry in (f"w:{folded}", f"s:{stem}", f"p:{folded[:PREFIX_INDEX_LETTERS]}",
                          f"w:{bare}", f"p:{bare[:PREFIX_INDEX_LETTERS]}"):
                found.update(self.starts.get(entry, ()))
        return sorted(found)


@lru_cache(maxsize=8)
def load_lexicon(*paths: Path) -> Lexicon:
    entries: dict[str, str] = {}
    inflected: set[str] = set()  # keys of the multilingual lexicon
    for path in paths:
        if path.is_file():
            own = {str(k): str(v) for k, v in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items()}
            entries.update(own)
            inflected = inflected | set(own) if path == MULTILINGUAL_LEXICON else inflected - set(own)
    keys = tuple((_key_words(k, k in inflected), v) for k, v in entries.items())
    starts: dict[str, list[int]] = {}
    short_prefixes: list[int] = []
    for n, (key, _) in enumerate(keys):
        if not key:
            continue
        first = key[0]
        if first.inflected and not first.prefix and len(first.word) >= LOOSE_MIN_LETTERS:
            starts.setdefault(f"p:{first.word[:PREFIX_INDEX_LETTERS]}", []).append(n)  # other endings
        if first.inflected and first.bare != first.word:  # typed without accents
            starts.setdefault(f"p:{first.bare[:PREFIX_INDEX_LETTERS]}", []).append(n)
        if first.prefix and len(first.word) < PREFIX_INDEX_LETTERS:
            short_prefixes.append(n)
        elif first.prefix:
            starts.setdefault(f"p:{first.word[:PREFIX_INDEX_LETTERS]}", []).append(n)
        else:
            starts.setdefault(f"w:{first.word}", []).append(n)
            starts.setdefault(f"s:{first.stem}", []).append(n)
    return Lexicon(entries, keys, {k: tuple(v) for k, v in starts.items()}, tuple(short_prefixes))


_UMLAUTS = {"ä": "(?:ä|ae|a)", "ö": "(?:ö|oe|o)", "ü": "(?:ü|ue|u)", "ß": "(?:ß|ss)"}


# The names of the larger German towns in the other languages residents write in.
TOWN_NAMES = Path(__file__).parent / "lexicon" / "ortsnamen.yaml"


@lru_cache(maxsize=1)
def _town_names() -> dict[str, list[str]]:
    names = yaml.safe_load(TOWN_NAMES.read_text(encoding="utf-8")) or {}
    return {str(town): [str(name) for name in other] for town, other in names.items()}


def place_pattern(name: str) -> re.Pattern[str]:
    """The town's name as typed ('München', 'Muenchen', 'Münchens', 'Stadt München'), any case, and
    its names in other languages with their endings ('Munich', "Münih'e", 'Мюнхені', 'بميونخ')."""
    spelled = "".join(_UMLAUTS.get(c, re.escape(c)) for c in name.lower())
    german = rf"(?<!\w)(?:(?:der\s+|die\s+)?(?:landeshaupt)?stadt\s+)?{spelled}s?(?!\w)"
    others = "|".join(re.escape(n) for n in _town_names().get(name, []))
    if not others:
        return re.compile(german, re.IGNORECASE)
    # Arabic attaches "in"/"to"/"and" in front (ب ل و ف); Turkish appends after an apostrophe;
    # Slavic and Romanian decline the name ("Мюнхені", "Kolonii").
    foreign = rf"(?<!\w)[وفبل]{{0,2}}(?:{others})(?:['’]\w+|\w{{0,3}})(?!\w)"
    return re.compile(f"{german}|{foreign}", re.IGNORECASE)


def without_place_name(query: str, place: re.Pattern[str] | None) -> str:
    return place.sub("der Stadt", query) if place else query


def phrases_found(text: str, lexicon: Lexicon) -> list[tuple[tuple[int, int], str]]:
    """The lexicon's expressions in ``text``: ((first word, past last word), official terms), words
    counted as ``words_of`` counts them. The longest expression wins: "zaświadczenie o zameldowaniu"
    is a registration certificate, not also the registration that "zameldowaniu" alone would mean."""
    question = QuestionWords.of(words_of(text))
    matched = [(span, terms) for n in lexicon.candidates(question)
               for key, terms in (lexicon.keys[n],) for span in _spans(key, question, not terms)]
    every_span = [span for span, _ in matched]
    # An empty entry also cancels one over the same words: "in Betracht gezogen" is no move ("in … gezogen").
    cancelled = {span for span, terms in matched if not terms}
    return [(span, terms) for span, terms in matched
            if not _inside_longer(span, every_span) and not (terms and span in cancelled)]


def words_of(text: str) -> list[str]:
    return _WORD.findall(text)


def expand_query(query: str, lexicon: Lexicon, corrector: SpellingCorrector | None = None,
                 words: Sequence[str] = ()) -> str:
    """The query plus, in brackets, corrected spellings, ``words`` (e.g. separated verbs joined
    again) and the official terms for colloquial words (the lexicon reads the added words too)."""
    additions: list[str] = [*(corrector.corrections(query) if corrector else []),
                            *(w for w in words if fold(w) not in fold(query))]
    text = " ".join([query, *additions])
    folded = fold(text)
    for _, terms in phrases_found(text, lexicon):
        for term in terms.split():
            if term not in additions and fold(term) not in folded:
                additions.append(term)
    return f"{query} ({' '.join(additions)})" if additions else query
