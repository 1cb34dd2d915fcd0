"""Mask personal data in citizen messages before they are stored, logged or sent to Rasa.

Detected: e-mail addresses, phone numbers (libphonenumber), IBANs (python-stdnum checksum, and
anything shaped like a German IBAN), tax ids (Steuer-IdNr, checksum), ID-card and passport
numbers, names given in self-introductions ("ich heiße …", "mein Name ist …", sign-offs) and
street addresses. Masking errs on the side of hiding: a false positive costs a word of
context, a false negative leaks personal data.
"""

from __future__ import annotations

import re

import phonenumbers
from stdnum import iban
from stdnum.de import idnr

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IBAN_LIKE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
GERMAN_IBAN = re.compile(r"^DE\d{20}$", re.IGNORECASE)
ELEVEN_DIGITS = re.compile(r"(?<![\d.,])\d{2}[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}(?![\d.,])")
# German ID card / passport serial numbers: 9 characters from a restricted alphabet, with digits.
ID_DOCUMENT = re.compile(r"\b(?=[A-Z0-9]*\d)[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}\b")
ID_CONTEXT = re.compile(r"(?i)\b(ausweis|pass|personalausweis|reisepass|dokumenten|serien)[- ]?(nummer|nr\.?)\s*(ist|lautet|:)?\s*([A-Z0-9]{6,10})\b")
UPPER = "A-ZÄÖÜÀ-ÖØ-ÞŁŚŠŽŞĞİĆČ"
NAME_WORD = rf"[{UPPER}][^\W\d_]+(?:-[{UPPER}][^\W\d_]+)?"
NAME_INTRO = re.compile(
    r"(?i:\b(?:ich\s+hei(?:ß|ss)e|mein\s+name\s+(?:ist|lautet)|name\s*:|hier\s+(?:ist|spricht|schreibt)|"
    r"ich\s+bin\s+(?:der|die|frau|herr))\s+)"
    rf"((?:(?i:frau|herr|dr\.)\s+)?{NAME_WORD}(?:\s+(?:von\s+|van\s+|de\s+)?{NAME_WORD})?)")
SIGN_OFF = re.compile(rf"(?i:\b(?:mit\s+freundlichen\s+grüßen|mfg|viele\s+grüße|lg|beste\s+grüße|gruß)[,!]?\s+)({NAME_WORD}(?:\s+{NAME_WORD})?)\s*$")
STREET = re.compile(
    r"\b(?:(?:Am|An der|An den|Im|In der|Auf dem|Zum|Zur)\s+[A-ZÄÖÜ][\wäöüß-]+|"
    r"[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|steig|pfad))"
    r"\s+\d{1,4}(?:\s?[a-zA-Z]\b)?(?:,?\s+\d{5}(?:\s+[A-ZÄÖÜ][a-zäöüß]+)?)?")
POSTCODE_CITY = re.compile(r"\b\d{5}\s+[A-ZÄÖÜ][a-zäöüß]+(?:\s+[a-z]{2,3}\s+[A-ZÄÖÜ][a-zäöüß]+)?\b")

MASK = {"email": "[E-Mail]", "phone": "[Telefon]", "iban": "[IBAN]", "tax_id": "[Steuer-ID]",
        "id_document": "[Ausweisnummer]", "name": "[Name]", "address": "[Adresse]"}


def _replace_spans(text: str, spans: list[tuple[int, int, str]]) -> str:
    out, last = [], 0
    for start, end, label in sorted(spans):
        if start < last:
            continue  # overlapping: the first (outer) one wins
        out += [text[last:start], MASK[label]]
        last = end
    return "".join(out) + text[last:]


def _phones(text: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in phonenumbers.PhoneNumberMatcher(text, "DE", leniency=phonenumbers.Leniency.POSSIBLE):
        digits = re.sub(r"\D", "", match.raw_string)
        if len(digits) >= 6:
            spans.append((match.start, match.end, "phone"))
    return spans


def mask_pii(text: str) -> str:
    """Text with personal data replaced by [E-Mail], [Telefon], [IBAN], [Name], … placeholders."""
    spans: list[tuple[int, int, str]] = [(m.start(), m.end(), "email") for m in EMAIL.finditer(text)]
    for m in IBAN_LIKE.finditer(text):
        compact = m.group().replace(" ", "").upper()
        if iban.is_valid(compact) or GERMAN_IBAN.match(compact):
            spans.append((m.start(), m.end(), "iban"))
    for m in ELEVEN_DIGITS.finditer(text):
        if idnr.is_valid(m.group().replace(" ", "")) or re.search(r"(?i)steuer", text[max(0, m.start() - 40):m.start()]):
            spans.append((m.start(), m.end(), "tax_id"))
    spans += [(m.start(), m.end(), "id_document") for m in ID_DOCUMENT.finditer(text)]
    spans += [(m.start(4), m.end(4), "id_document") for m in ID_CONTEXT.finditer(text)]
    spans += [(m.start(1), m.end(1), "name") for m in NAME_INTRO.finditer(text)]
    spans += [(m.start(1), m.end(1), "name") for m in SIGN_OFF.finditer(text)]
    spans += [(m.start(), m.end(), "address") for m in STREET.finditer(text)]
    spans += [(m.start(), m.end(), "address") for m in POSTCODE_CITY.finditer(text)]
    taken = [(s, e) for s, e, _ in spans]
    spans += [p for p in _phones(text) if not any(s <= p[0] < e or p[0] <= s < p[1] for s, e in taken)]
    return _replace_spans(text, spans)
