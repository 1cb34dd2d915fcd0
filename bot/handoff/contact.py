"""A callback contact a citizen gives on purpose: validated, normalised, kept apart from the dialogue."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

# What Rasa sees instead of a callback contact: the chat service keeps the contact itself.
CONTACT_MARKER = "KONTAKT-ANGEGEBEN"


def normalise_contact(value: str) -> str | None:
    """A valid e-mail address or phone number in canonical form, else None."""
    value = value.strip()
    if "@" in value:
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            return None
    try:
        number = phonenumbers.parse(value, "DE")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_contact(text: str) -> bool:
    """A mistyped number or address still has digits or an @ ("meine Nummer ist 12")."""
    return "@" in text or any(ch.isdigit() for ch in text)
