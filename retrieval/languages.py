"""The languages the bot speaks, as codes used everywhere: API, store, catalogue, knowledge base.

``de-x-ls`` is Leichte Sprache (easy-to-read German, a private-use subtag of BCP 47): the widget
offers it as a switch, the catalogue and the knowledge base carry it, detection never returns it.
"""

from __future__ import annotations

from typing import Final

GERMAN: Final = "de"
EASY_GERMAN: Final = "de-x-ls"
DETECTED: Final = ("de", "en", "tr", "uk", "ar", "pl", "ru", "ro")  # what a message can be detected as
ALL: Final = (*DETECTED, EASY_GERMAN)

# Each language's name in German (for staff) and in itself (for the widget's language menu).
NAME_IN_GERMAN: Final = {"de": "Deutsch", "de-x-ls": "Leichte Sprache", "en": "Englisch", "tr": "Türkisch",
                         "uk": "Ukrainisch", "ar": "Arabisch", "pl": "Polnisch", "ru": "Russisch", "ro": "Rumänisch"}


def supported(lang: str | None) -> str | None:
    """The code if the bot speaks it; ``en-GB`` -> ``en``; anything else -> None."""
    if not lang:
        return None
    lang = lang.strip().lower().replace("_", "-")
    if lang in ALL:
        return lang
    base = lang.split("-")[0]
    return base if base in DETECTED else None


def is_german(lang: str | None) -> bool:
    return (lang or GERMAN).startswith(GERMAN)
