"""A callback contact a citizen gives on purpose: validated, normalised, kept apart from the dialogue."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

# What Rasa sees instead of a callback contact: the chat service keeps the contact itself.
CONTACT_MARKER = "KONTAKT-ANGEGEBEN"


# An e-mail address inside a sentence ("my email is max@example.org, thanks").
_EMAIL_IN_TEXT = re.compile(r"[^\s,;:<>()\"'„“]+@[^\s,;:<>()\"'„“]+")


def normalise_contact(value: str) -> str | None:
    """A valid e-mail address or phone number in canonical form, else None; also inside a sentence
    ("meine Nummer ist 0151 23456789", "my email is max@example.org")."""
    value = value.strip()
    if "@" in value:
        for candidate in _EMAIL_IN_TEXT.findall(value):
            try:
                return validate_email(candidate.rstrip(".!?"), check_deliverability=False).normalized
            except EmailNotValidError:
                continue
        return None
    match = next(iter(phonenumbers.PhoneNumberMatcher(value, "DE")), None)  # valid numbers only
    return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164) if match else None


def looks_like_contact(text: str) -> bool:
    """A mistyped number or address still has digits or an @ ("meine Nummer ist 12")."""
    return "@" in text or any(ch.isdigit() for ch in text)
