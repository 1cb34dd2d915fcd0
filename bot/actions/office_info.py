"""action_office_info: where an office is and when it is open (today, with holidays)."""

from __future__ import annotations

from typing import Any

from bot.actions.protocol import Action, Dispatcher, Event, Tracker, slot_set
from bot.dialogue.answers import office_answer
from bot.dialogue.office_hours import OfficeCalendar
from bot.knowledge import KnowledgeHolder
from retrieval.german_text import fold
from retrieval.offices import Office


def find_office(offices: dict[str, Office], text: str) -> Office | None:
    """The office whose name words appear in the text ('Standesamt', 'Bürgerbüro Nord')."""
    folded = fold(text)
    best, best_hits = None, 0
    for office in offices.values():
        words = [w for w in fold(office.name).replace("(", " ").replace(")", " ").split() if len(w) > 3]
        hits = sum(1 for w in words if w in folded)
        if hits > best_hits:
            best, best_hits = office, hits
    return best


class OfficeInfo(Action):
    name = "action_office_info"

    def __init__(self, knowledge: KnowledgeHolder):
        self.knowledge = knowledge

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        build = self.knowledge.build
        # Named in the question, else the office just discussed ("und am Samstag?"), else the
        # last service's office ("wann hat das offen?" after an answer about a service).
        office = find_office(build.offices, tracker.entity("office") or tracker.text)
        office = office or build.offices.get(tracker.slot("last_office") or "")
        last = build.documents.get(tracker.slot("last_service") or "")
        if office is None and last:
            office = next((build.offices[o] for o in last.meta.offices if o in build.offices), None)
        calendar = self.knowledge.calendar
        if office is None:
            names = ", ".join(o.name for o in list(build.offices.values())[:6])
            dispatcher.utter(f"Welche Stelle meinen Sie? Zum Beispiel: {names}.", custom={"kind": "clarify"})
            return []
        return answer_with_office(dispatcher, office, calendar)


def answer_with_office(dispatcher: Dispatcher, office: Office, calendar: OfficeCalendar) -> list[Event]:
    """Address, today's and the week's hours, contact and notes (such as "Vorsprache mit Termin")."""
    dispatcher.utter(office_answer(office, calendar, calendar.now()),
                     custom={"kind": "answer", "office_id": office.id,
                             "sources": [{"title": office.name, "url": str(office.url)}] if office.url else []})
    return [slot_set("last_office", office.id)]
