"""The office reply: address, today's and the week's hours, contact, notes."""

from __future__ import annotations

from datetime import datetime

from bot.dialogue.answers import office_answer
from bot.dialogue.office_hours import OfficeCalendar
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
