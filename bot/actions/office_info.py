"""action_office_info: where an office is and when it is open (today, with holidays)."""

from __future__ import annotations

from typing import Any, Protocol

from bot.actions.protocol import Action, Dispatcher, Event, Tracker, slot_set
from bot.dialogue.answers import office_answer
from bot.dialogue.facets import facets_of
from bot.dialogue.office_hours import OfficeCalendar
from bot.knowledge import KnowledgeHolder
from retrieval.german_text import fold
from retrieval.index_store import IndexBuild
from retrieval.offices import Office
from retrieval.searcher import SearchResult


class ServiceAnswerer(Protocol):
    """action_answer_from_kb's replies, for office questions that turn out to name a service."""

    def answer(self, dispatcher: Dispatcher, doc_id: str, facets: list[str], snippet: tuple[str, str] | None,
               confidence: float | None) -> list[Event]: ...

    def ask_back(self, dispatcher: Dispatcher, tracker: Tracker, result: SearchResult) -> list[Event]: ...


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


def office_in_context(build: IndexBuild, tracker: Tracker) -> Office | None:
    """The office just discussed, else the office of the service just answered."""
    office = build.offices.get(tracker.slot("last_office") or "")
    last = build.documents.get(tracker.slot("last_service") or "")
    if office is None and last:
        office = next((build.offices[o] for o in last.meta.offices if o in build.offices), None)
    return office


class OfficeInfo(Action):
    name = "action_office_info"

    def __init__(self, knowledge: KnowledgeHolder, services: ServiceAnswerer, general_office: str):
        self.knowledge, self.services = knowledge, services
        self.general_office = general_office  # the city's general enquiries (settings.handoff_office)

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        build = self.knowledge.build
        # Named in the question, else a service the search is sure of ("wo kann ich einen Reisepass
        # beantragen?": its page names the office), else the office just discussed ("und am
        # Samstag?"), else the last service's ("wann hat das offen?").
        office = find_office(build.offices, tracker.entity("office") or tracker.text)
        if office is None:
            result = self.knowledge.search(tracker.text)
            level = self.knowledge.searcher.level(result)
            if level == "answer" and result.top.doc_id != tracker.slot("last_service"):
                facets = facets_of(tracker.text) or ["where"]
                return self.services.answer(dispatcher, result.top.doc_id, facets, None, result.confidence)
            office = office_in_context(build, tracker)
            if office is None:
                return self.without_office(dispatcher, tracker, result, level)
        return answer_with_office(dispatcher, office, self.knowledge.calendar)

    def without_office(self, dispatcher: Dispatcher, tracker: Tracker, result: SearchResult,
                       level: str) -> list[Event]:
        build = self.knowledge.build
        last = build.documents.get(tracker.slot("last_service") or "")
        general = build.offices.get(self.general_office)
        if last is not None and general is not None:  # the page just answered names no office
            lead = f"Für „{last.meta.title}“ ist keine eigene Stelle angegeben. Allgemeine Auskunft gibt:"
            return answer_with_office(dispatcher, general, self.knowledge.calendar, lead)
        if level == "clarify":  # no context, and the search hesitates between services: which one?
            return self.services.ask_back(dispatcher, tracker, result)
        names = ", ".join(o.name for o in list(build.offices.values())[:6])
        dispatcher.utter(f"Welche Stelle meinen Sie? Zum Beispiel: {names}.", custom={"kind": "clarify"})
        return []


def answer_with_office(dispatcher: Dispatcher, office: Office, calendar: OfficeCalendar,
                       lead: str | None = None) -> list[Event]:
    """Address, today's and the week's hours, contact and notes (such as "Vorsprache mit Termin")."""
    text = office_answer(office, calendar, calendar.now())
    dispatcher.utter(f"{lead}\n{text}" if lead else text,
                     custom={"kind": "answer", "office_id": office.id,
                             "sources": [{"title": office.name, "url": str(office.url)}] if office.url else []})
    return [slot_set("last_office", office.id)]
