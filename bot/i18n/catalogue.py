"""The bot's own texts in every language it speaks: gettext catalogues, read with Babel.

One ``.po`` file per language in ``locales/`` (``de.po``, ``en.po`` … and ``de-x-ls.po`` for Leichte
Sprache). The message ids are names ("greet", "unsure"); the German catalogue holds the reference
text, and each other catalogue shows it as a comment above its translation, so translators edit
the files with any gettext tool (Poedit, Weblate) or by hand. tests/bot/test_catalogue.py checks
that every id exists in every language with the same placeholders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from retrieval.languages import GERMAN, supported

LOCALES = Path(__file__).parent / "locales"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Message id -> text of one language's catalogue (empty translations left out)."""
    with (LOCALES / f"{lang}.po").open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id and m.string}


def text(msgid: str, lang: str | None = GERMAN, **values: object) -> str:
    """The message in ``lang`` (German where the catalogue lacks it), with its placeholders filled."""
    template = catalogue(supported(lang) or GERMAN).get(msgid) or catalogue(GERMAN)[msgid]
    return template.format(**values)
