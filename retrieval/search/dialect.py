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
    """``text`` with each dialect word of the table replaced by its written form."""
    table = _table()
    return _WORD.sub(lambda word: table.get(fold(word.group()), word.group()), text)


def dialect_words(text: str) -> list[str]:
    """The words of ``text`` that the table replaces."""
    table = _table()
    return [word for word in _WORD.findall(text) if fold(word) in table]
