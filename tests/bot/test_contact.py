"""Callback contacts: what counts as an e-mail address or phone number, in canonical form."""

from __future__ import annotations

import pytest

from bot.handoff.contact import normalise_contact


@pytest.mark.parametrize(("raw", "expected"), [
    ("max.mustermann@example.org", "max.mustermann@example.org"),
    ("0151 23456789", "+4915123456789"),
    ("+49 (30) 1234567", "+49301234567"),
    ("max@", None), ("12", None), ("ruf mich an", None),
    # inside a sentence, as people write it
    ("my email is max.mustermann@example.org.", "max.mustermann@example.org"),
    ("Meine Nummer ist 0151 23456789, danke", "+4915123456789"),
    ("meine Nummer ist 12", None), ("schreib an max@ bitte", None),
])
def test_contact_validation(raw, expected):
    assert normalise_contact(raw) == expected
