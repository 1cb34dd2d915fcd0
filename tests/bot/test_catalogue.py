"""The bot's own texts: complete in every language, with the same placeholders, and used."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.i18n.catalogue import LOCALES, catalogue, text
from retrieval.languages import ALL

ROOT = Path(__file__).resolve().parents[2]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("lang", ALL)
def test_every_message_exists_in_every_language_with_the_same_placeholders(lang):
    german, other = catalogue("de"), catalogue(lang)
    assert set(other) == set(german), f"{lang}.po: fehlt {set(german) - set(other)}, zu viel {set(other) - set(german)}"
    for msgid, template in other.items():
        assert placeholders(template) == placeholders(german[msgid]), f"{lang}.po, {msgid}"


def test_there_is_a_catalogue_for_each_language_and_no_other():
    assert sorted(p.stem for p in LOCALES.glob("*.po")) == sorted(ALL)


def test_every_message_id_the_code_asks_for_exists():
    """say("…") / Say(…, "…") / lead="…" in the code: each id must be in the catalogue."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))
    asked = set(re.findall(r'\bsay\(\s*"(\w+)"', code)) | set(re.findall(r'\bSay\("action_\w+", "(\w+)"', code))
    asked |= set(re.findall(r'_system_message\([^)]*?"(\w+)"', code))
    assert asked and asked <= set(catalogue("de")), asked - set(catalogue("de"))


def test_a_text_is_in_the_asked_language_with_its_values_and_german_where_unknown():
    assert text("staff_joined", "en", name="Anna") == "Anna from the citizens' service has joined the chat."
    assert text("greet", "en-GB") == text("greet", "en")
    assert text("greet", "fr") == text("greet", "de")
    assert text("greet", "de-x-ls") != text("greet", "de")
