"""Add official terms to a colloquial question ("Perso" -> "Personalausweis").

The lexicon is ``retrieval/lexicon/alltagssprache.yaml``; a knowledge base may bring its own
``lexicon.yaml`` with local additions.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from retrieval.german_text import fold

DEFAULT_LEXICON = Path(__file__).parent / "lexicon" / "alltagssprache.yaml"


def _pattern(key: str) -> re.Pattern[str]:
    words = [re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in fold(key).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


@lru_cache(maxsize=8)
def load_lexicon(*paths: Path) -> tuple[tuple[re.Pattern[str], str], ...]:
    entries: dict[str, str] = {}
    for path in paths:
        if path.is_file():
            entries.update({str(k): str(v) for k, v in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items()})
    return tuple((_pattern(k), v) for k, v in entries.items())


def expand_query(query: str, lexicon: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    """The query plus, in brackets, the official terms for the colloquial words it contains."""
    folded = fold(query)
    additions: list[str] = []
    for pattern, terms in lexicon:
        if pattern.search(folded):
            for term in terms.split():
                if term not in additions and fold(term) not in folded:
                    additions.append(term)
    return f"{query} ({' '.join(additions)})" if additions else query
