"""Add official terms to a colloquial question ("Perso" -> "Personalausweis").

The municipality's own name is replaced by "der Stadt" first: every page is the city's, but the
name pulls pages whose titles contain it ("Umschreibung Fahrzeug – von außerhalb nach München")
above the service asked for ("Wohnung in München anmelden"); see docs/retrieval.md.

The lexicon is ``retrieval/lexicon/alltagssprache.yaml``; a knowledge base may bring its own
``lexicon.yaml`` with local additions. Typos are corrected first (spelling.py), so that
"Persso" expands like "Perso".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from retrieval.german_text import fold
from retrieval.spelling import SpellingCorrector

DEFAULT_LEXICON = Path(__file__).parent / "lexicon" / "alltagssprache.yaml"


def _pattern(key: str) -> re.Pattern[str]:
    words = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in fold(key).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


@dataclass(frozen=True)
class Lexicon:
    entries: dict[str, str]  # colloquial expression -> official terms
    patterns: tuple[tuple[re.Pattern[str], str], ...]

    @property
    def words(self) -> list[str]:
        """Every word on either side, e.g. as spelling targets ("persso" -> "perso")."""
        return [w.rstrip("*") for pair in self.entries.items() for side in pair for w in side.split()]


@lru_cache(maxsize=8)
def load_lexicon(*paths: Path) -> Lexicon:
    entries: dict[str, str] = {}
    for path in paths:
        if path.is_file():
            entries.update({str(k): str(v) for k, v in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items()})
    return Lexicon(entries, tuple((_pattern(k), v) for k, v in entries.items()))


_UMLAUTS = {"ä": "(?:ä|ae|a)", "ö": "(?:ö|oe|o)", "ü": "(?:ü|ue|u)", "ß": "(?:ß|ss)"}


def place_pattern(name: str) -> re.Pattern[str]:
    """The town's name as typed ('München', 'Muenchen', 'Münchens', 'Stadt München'), any case."""
    spelled = "".join(_UMLAUTS.get(c, re.escape(c)) for c in name.lower())
    return re.compile(rf"(?<!\w)(?:(?:der\s+|die\s+)?(?:landeshaupt)?stadt\s+)?{spelled}s?(?!\w)", re.IGNORECASE)


def without_place_name(query: str, place: re.Pattern[str] | None) -> str:
    return place.sub("der Stadt", query) if place else query


def expand_query(query: str, lexicon: Lexicon, corrector: SpellingCorrector | None = None) -> str:
    """The query plus, in brackets, corrected spellings and the official terms for colloquial words."""
    additions: list[str] = corrector.corrections(query) if corrector else []
    folded = fold(" ".join([query, *additions]))
    for pattern, terms in lexicon.patterns:
        if pattern.search(folded):
            for term in terms.split():
                if term not in additions and fold(term) not in folded:
                    additions.append(term)
    return f"{query} ({' '.join(additions)})" if additions else query
