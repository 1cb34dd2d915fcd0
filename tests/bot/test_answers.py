"""Chat replies built from pages and offices: the shortened section, the office reply."""

from __future__ import annotations

from datetime import datetime

from bot.dialogue.answers import MAX_ANSWER_CHARS, office_answer, shorten
from bot.dialogue.office_hours import OfficeCalendar, day_asked
from retrieval.offices import Office

WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0)
CALENDAR = OfficeCalendar("BY")


def test_a_note_that_stands_in_for_the_hours_is_shown_once():
    # Munich's export has no hours, only this note: it is the hours line and must not come again.
    office = Office(id="10470", name="Standesamt München", phone="089 233-96060",
                    note="Öffnungszeiten: siehe Terminvereinbarung")
    text = office_answer(office, CALENDAR, WEDNESDAY_10)
    assert text.count("siehe Terminvereinbarung") == 1
    assert text.splitlines() == ["**Standesamt München**", "Öffnungszeiten: siehe Terminvereinbarung.",
                                 "Tel. 089 233-96060"]


def test_a_note_beside_opening_hours_is_shown():
    office = Office(id="bb", name="Bürgerbüro", opening_hours={"mi": "08:00-12:00"}, note="Vorsprache nur mit Termin")
    lines = office_answer(office, CALENDAR, WEDNESDAY_10).splitlines()
    assert lines[1] == "Heute 08:00–12:00 Uhr." and lines[-1] == "Vorsprache nur mit Termin"


def test_a_shortened_section_keeps_its_lines():
    # Munich's fees: an amount, a paragraph, then bank details one per line.
    fees = ("13 Euro\nWenn Sie den Antrag postalisch stellen, überweisen Sie die Gebühr bitte vorab.\n"
            "**Kontodaten**\n  Stadtsparkasse München\nIBAN: DE86 7015 0000 0000 2030 00")
    assert shorten(fees).splitlines() == [
        "13 Euro", "Wenn Sie den Antrag postalisch stellen, überweisen Sie die Gebühr bitte vorab.",
        "Kontodaten", "Stadtsparkasse München", "IBAN: DE86 7015 0000 0000 2030 00"]


def test_a_long_section_is_cut_after_a_whole_sentence():
    text = "\n".join(f"Absatz {n}. Der zweite Satz von Absatz {n} ist etwas länger als der erste." for n in range(20))
    short = shorten(text)
    assert len(short) <= MAX_ANSWER_CHARS and short.endswith(".") and not short.endswith("…")
    assert short.splitlines()[0] == "Absatz 0. Der zweite Satz von Absatz 0 ist etwas länger als der erste."


def test_the_day_asked_about_replaces_today():
    office = Office(id="bb", name="Bürgerbüro", opening_hours={"mi": "08:00-12:00", "sa": "09:00-12:00"})
    assert day_asked("und am Samstag?", WEDNESDAY_10).isoformat() == "2026-11-28"
    assert day_asked("Hat das samstags offen?", WEDNESDAY_10).isoformat() == "2026-11-28"
    assert day_asked("Hat das morgens offen?", WEDNESDAY_10) is None  # in the morning, not tomorrow
    saturday = office_answer(office, CALENDAR, WEDNESDAY_10, day_asked("und am Samstag?", WEDNESDAY_10))
    assert saturday.splitlines()[1] == "Am Samstag, 28.11., 09:00–12:00 Uhr."
    tomorrow = office_answer(office, CALENDAR, WEDNESDAY_10, day_asked("und morgen?", WEDNESDAY_10))
    assert tomorrow.splitlines()[1] == "Morgen geschlossen."
    # A public holiday on the day asked about (Christmas Day 2026 is a Friday).
    monday = datetime(2026, 12, 21, 10)
    christmas = office_answer(office, CALENDAR, monday, day_asked("am Freitag?", monday))
    assert christmas.splitlines()[1] == "Am Freitag, 25.12., geschlossen (Erster Weihnachtstag)."
