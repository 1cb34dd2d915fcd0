"""Correct citizens' typos against the knowledge base's own words ("Fürerschein" -> "Führerschein").

A word is left alone when it is known: it occurs in the knowledge base, in the colloquial
lexicon, or in the German word lists of spacy-lookups-data (the lemma table and the 200,000
most frequent web forms, so "selber" is never "corrected" to "gelber"). Only unknown words get
a correction, and only to a word of the knowledge base within a small edit distance (SymSpell;
a swap of two letters counts as one edit) that starts with the same letter (first letters are
rarely mistyped). Umlauts typed as ae/oe/ue ("fuehrerschein") are resolved first. The correction
is added to the question, the typed word stays: a wrong guess costs little.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files

from symspellpy import SymSpell, Verbosity

from retrieval.german_text import STOP, fold

MIN_LENGTH = 4  # shorter words are mostly abbreviations and particles; too many neighbours
LONG_WORD = 8  # from this length on, two typos are allowed
FREQUENT_FORMS = 200_000  # below this rank the web list holds typos itself ("eienn")
_ASCII_UMLAUT = re.compile(r"[aou]e")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def lookup_table(name: str) -> dict:
    with gzip.open(str(files("spacy_lookups_data") / "data" / f"{name}.json.gz"), "rt", encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=1)
def german_words() -> frozenset[str]:
    """Folded German words: the lemma table's forms and lemmas, and the most frequent web forms."""
    lemma_table: dict[str, str] = lookup_table("de_lemma_lookup")
    probabilities: dict[str, float] = lookup_table("de_lexeme_prob")
    frequent = sorted(probabilities, key=probabilities.__getitem__, reverse=True)[:FREQUENT_FORMS]
    forms = [*lemma_table, *lemma_table.values(), *frequent]
    return frozenset(key for w in forms if len(key := fold(w)) >= MIN_LENGTH)  # shorter ones are never corrected


def words(text: str) -> list[str]:
    return _WORD.findall(text)


class SpellingCorrector:
    def __init__(self, vocabulary_texts: Iterable[str]):
        spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)  # folded word -> forms in the pages
        for text in vocabulary_texts:
            for word in words(text):
                spellings[fold(word)][word] += 1
        german_words()  # loaded now (~2 s, once per process), not during a citizen's first question
        # The most frequent spelling in the pages ("Führerschein", not "führerschein").
        self._display = {key: forms.most_common(1)[0][0] for key, forms in spellings.items()}
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for key, forms in spellings.items():
            if len(key) >= MIN_LENGTH:
                self._symspell.create_dictionary_entry(key, forms.total())

    def correction(self, word: str) -> str | None:
        """The knowledge base's word the citizen most likely meant, or None if ``word`` is fine."""
        key = fold(word)
        if key in self._display:
            return None
        # Umlauts typed as ae/oe/ue ("fuehrerschein"): also in the web list, so checked first.
        ascii_umlauts = _ASCII_UMLAUT.sub(lambda m: m.group()[0], key)
        if ascii_umlauts in self._display:
            return self._display[ascii_umlauts]
        if len(key) < MIN_LENGTH or key in STOP or key in german_words():
            return None
        distance = 2 if len(key) >= LONG_WORD else 1
        found = self._symspell.lookup(key, Verbosity.ALL, max_edit_distance=distance)  # nearest, then most frequent
        return next((self._display[s.term] for s in found if s.term[0] == key[0]), None)

    def corrections(self, text: str) -> list[str]:
        out: list[str] = []
        for word in words(text):
            for part in word.split("-"):
                fixed = self.correction(part)
                if fixed and fixed not in out:
                    out.append(fixed)
        return out
