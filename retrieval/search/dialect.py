"""Dialect and spoken German to written German, word by word, before a German question is searched:
"muas i mi do ummeldn?" -> "muss ich mich da ummelden?". The model and the word search know the
written language, and the colloquial lexicon's entries ("mich ummeld*") match afterwards. The
table is ``lexicon/mundart.yaml``; measured in docs/experiments.md.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from retrieval.german_text import fold
from retrieval.search.spelling import german_words

DIALECT_TABLE = Path(__file__).parent / "lexicon" / "mundart.yaml"
_WORD = re.compile(r"[^\W\d_]+")  # "kost'n" is "kost" and "n"


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    raw = yaml.safe_load(DIALECT_TABLE.read_text(encoding="utf-8"))
    bad = [key for key, value in raw.items() if not isinstance(key, str) or not isinstance(value, str)]
    if bad:  # YAML reads "no" or "on" as booleans: such an entry needs quotes
        raise ValueError(f"{DIALECT_TABLE}: Eintrag ohne Text links oder rechts: {bad} (in Anführungszeichen setzen)")
    return {fold(key): value for key, value in raw.items()}


def written_german(text: str) -> str:
    """``text`` with each dialect word of the table replaced by its written form, and each other word
    that German does not know replaced by its regular written form, if German knows that one
    (regular_form)."""
    table = _table()

    def written(match: re.Match[str]) -> str:
        word = match.group()
        return table.get(fold(word)) or regular_form(word) or word

    return _WORD.sub(written, text)


# Two sound changes of spoken German that spelling keeps: "-en" as "-n" after a consonant (Bavarian
# and Swabian "lassn", "tauschn", "Gartn"; "angln" for "angeln"), and "g" as "j" at the start of a
# word (Berlin "jezogen", "jut").
_SYLLABIC_N = re.compile(r"(?<=[^\Waeiouäöüy\d_])n$", re.IGNORECASE)
_SYLLABIC_LN = re.compile(r"(?<=[^\Waeiouäöüy\d_])([lr])n$", re.IGNORECASE)  # "angln" -> "angeln"
_BERLIN_J = re.compile(r"^j(?=[^\W\d_])", re.IGNORECASE)


def regular_form(word: str) -> str | None:
    """The written form of a word German does not know, by the two sound changes above, if German
    knows that form ("lassn" -> "lassen", "jezogen" -> "gezogen"); None otherwise. Known words stay
    ("Bahn", "Jahr"): only the word lists of spacy-lookups-data decide, never a guess."""
    known = german_words()
    if len(word) < 4 or fold(word) in known:
        return None
    for candidate in (_SYLLABIC_N.sub("en", word), _SYLLABIC_LN.sub(r"e\1n", word),
                      _BERLIN_J.sub(lambda j: "G" if j.group() == "J" else "g", word)):
        if candidate != word and fold(candidate) in known:
            return candidate
    return None


def dialect_words(text: str) -> list[str]:
    """The words of ``text`` that the table replaces."""
    table = _table()
    return [word for word in _WORD.findall(text) if fold(word) in table]
