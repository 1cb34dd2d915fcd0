"""action_office_info: where an office is and when it is open (today, with holidays)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from typing import Any, Protocol

from bot.actions.protocol import Action, Dispatcher, Event, Tracker, slot_set
from bot.dialogue.answers import contact_line, office_answer
from bot.dialogue.facets import asks_only_for_contact_details, facets_asked, topic_words
from bot.dialogue.office_hours import OfficeCalendar, day_asked
from bot.i18n.catalogue import text as say
from bot.live_index import LiveIndex
from bot.reply import BotMessage, Button, Kind, Source
from retrieval.german_text import fold
from retrieval.index.store import IndexBuild
from retrieval.kb.offices import Office
from retrieval.search.searcher import SearchResult

MAX_OFFICE_BUTTONS = 8
_WORD = re.compile(r"\w+")


class ServiceAnswerer(Protocol):
    """action_answer_from_kb's replies, for office questions that turn out to name a service."""

    def answer(self, dispatcher: Dispatcher, doc_id: str, facets: list[str], snippet: tuple[str, str] | None,
               confidence: float | None, lang: str) -> list[Event]: ...

    def ask_back(self, dispatcher: Dispatcher, tracker: Tracker, result: SearchResult) -> list[Event]: ...

    def which_of_offered(self, dispatcher: Dispatcher, tracker: Tracker) -> list[Event] | None: ...


def name_words(office: Office) -> list[str]:
    """The words of an office's name that can tell it apart: folded, 4+ letters ('Amt für' says nothing)."""
    return [w for w in _WORD.findall(fold(office.name)) if len(w) > 3]


def offices_named(offices: dict[str, Office], text: str) -> list[Office]:
    """The offices whose names fit the text best ('Standesamt', 'Bürgerbüro Nord'), one per name.

    Several when the text fits them equally well ('Bürgerbüro' in a city with two). A name word
    counts fully as a word of the text, half as the start of a longer one ('Standesamts'; not
    'mitte' in 'mitteilen'). The city's own name says nothing ('Bürgerbüro in Musterstadt' must
    not tie with 'Standesamt Musterstadt').
    """
    tokens = set(_WORD.findall(fold(text)))
    cities = {fold(o.address.city) for o in offices.values() if o.address}

    def fit(office: Office) -> float:
        words = {w for w in name_words(office) if w not in cities}
        return sum(1.0 if w in tokens else 0.5 if len(w) >= 6 and any(t.startswith(w) for t in tokens) else 0.0
                   for w in words)

    scored = [(fit(o), o) for o in offices.values()]
    best = max((score for score, _ in scored), default=0.0)
    by_name: dict[str, Office] = {}  # Munich lists some offices under one name several times
    for score, office in scored:
        if best > 0 and score == best:
            by_name.setdefault(office.name, office)
    return list(by_name.values())


def context_office_ids(build: IndexBuild, tracker: Tracker) -> list[str]:
    """The office just discussed and the offices of the service just answered."""
    last = build.documents.get(tracker.slot("last_service") or "")
    return [tracker.slot("last_office") or "", *(last.meta.offices if last else [])]


def office_in_context(build: IndexBuild, tracker: Tracker) -> Office | None:
    """The office just discussed, else the office of the service just answered."""
    return next((build.offices[o] for o in context_office_ids(build, tracker) if o in build.offices), None)


def offices_just_offered(build: IndexBuild, tracker: Tracker) -> list[Office]:
    """The offices the bot's last message offered as buttons ("Welche Stelle meinen Sie?")."""
    users = 0
    for event in reversed(tracker.events):
        users += event.get("event") == "user"
        if users > 1:
            return []
        if users == 1 and event.get("event") == "bot":
            buttons = (((event.get("data") or {}).get("custom")) or {}).get("buttons") or []
            ids = [json.loads(b["payload"][len("/ask_office"):]).get("office") for b in buttons
                   if str(b.get("payload", "")).startswith("/ask_office{")]
            return [build.offices[i] for i in ids if i in build.offices]
    return []


def contact_asked_of(build: IndexBuild, tracker: Tracker, fallback: str | None = None) -> list[Office]:
    """For "und die Telefonnummer?": the offices just offered as buttons, else the office in context,
    else the office ``fallback`` names, if they give a phone number or e-mail address. Empty if the
    message asks for more than that."""
    if not asks_only_for_contact_details(tracker.text):
        return []
    offices = offices_just_offered(build, tracker)
    if not offices:
        nearby = office_in_context(build, tracker) or build.offices.get(fallback or "")
        offices = [nearby] if nearby else []
    return [o for o in offices if contact_line(o)]


def answer_contact_details(dispatcher: Dispatcher, offices: list[Office], lang: str) -> list[Event]:
    """Each office's phone number and e-mail address, one line each."""
    dispatcher.send(BotMessage(kind=Kind.ANSWER, lang=lang,
                               text="\n".join(f"**{o.name}**: {contact_line(o, lang)}" for o in offices),
                               sources=[Source(title=o.name, url=str(o.url)) for o in offices if o.url]))
    return [slot_set("last_office", offices[0].id)] if len(offices) == 1 else []


class OfficeInfo(Action):
    name = "action_office_info"

    def __init__(self, knowledge: LiveIndex, services: ServiceAnswerer, general_office: str):
        self.knowledge, self.services = knowledge, services
        self.general_office = general_office  # the city's general enquiries (settings.handoff_office)

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        build = self.knowledge.build
        facets = dispatcher.facets = facets_asked(tracker.text, tracker.lang, self.knowledge.searcher.expand)
        # Named in the question, else a service the search is sure of ("wo kann ich einen Reisepass
        # beantragen?": its page names the office), else the office just discussed ("und am
        # Samstag?"), else the last service's ("wann hat das offen?").
        named = self.named_office(build, tracker)
        if len(named) > 1:
            return ask_which_office(dispatcher, named, tracker.lang)
        office = named[0] if named else None
        if office is None and (asked := contact_asked_of(build, tracker)):
            return answer_contact_details(dispatcher, asked, tracker.lang)
        if office is None:
            result = self.knowledge.search(tracker.text, lang=tracker.lang)
            level = self.knowledge.searcher.level(result, tracker.lang)
            # "und die Adresse?" names no subject of its own: it stays with the office in context
            # (searched, "Adresse" found the address-change page).
            stays = not topic_words(tracker.text, tracker.lang, self.knowledge.searcher.foreign_lexicon) \
                and office_in_context(build, tracker) is not None
            if level == "answer" and result.top.doc_id != tracker.slot("last_service") and not stays:
                return self.services.answer(dispatcher, result.top.doc_id, facets or ["where"], None, result.confidence,
                                            tracker.lang)
            # Right after "Meinten Sie …?" ("wo muss ich da hin?"): the office of which of those services?
            if (which := self.services.which_of_offered(dispatcher, tracker)) is not None:
                return which
            office = office_in_context(build, tracker)
            if office is None:
                return self.without_office(dispatcher, tracker, result, level)
        calendar = self.knowledge.calendar
        return answer_with_office(dispatcher, office, calendar, tracker.lang,
                                  day=day_asked(tracker.text, calendar.now(), tracker.lang))

    @staticmethod
    def named_office(build: IndexBuild, tracker: Tracker) -> list[Office]:
        """The office a button names by id, else those named in the text; of several, the one in context."""
        chosen = build.offices.get(tracker.entity("office") or "")
        if chosen is not None:
            return [chosen]
        # The text, not the entity: the entity is the lookup word alone ('Bürgerbüro' of 'Bürgerbüro Nord').
        named = offices_named(build.offices, tracker.text)
        in_context = [o for o in named if o.id in context_office_ids(build, tracker)]
        return in_context if len(in_context) == 1 else named

    def without_office(self, dispatcher: Dispatcher, tracker: Tracker, result: SearchResult,
                       level: str) -> list[Event]:
        build = self.knowledge.build
        last = build.documents.get(tracker.slot("last_service") or "")
        general = build.offices.get(self.general_office)
        if last is not None and general is not None:  # the page just answered names no office
            lead = say("no_own_office", tracker.lang, title=last.meta.title)
            return answer_with_office(dispatcher, general, self.knowledge.calendar, tracker.lang, lead)
        if level == "clarify":  # no context, and the search hesitates between services: which one?
            return self.services.ask_back(dispatcher, tracker, result)
        # The search found nothing to go by: offer the offices most pages name, one of each kind.
        return ask_which_office(dispatcher, main_offices(build), tracker.lang)


def main_offices(build: IndexBuild) -> list[Office]:
    """The offices most pages name, one per kind (first name word of 4+ letters: one 'Bürgerbüro')."""
    uses = Counter(o for doc in build.documents.values() for o in doc.meta.offices if o in build.offices)
    ranked = sorted(build.offices.values(), key=lambda o: -uses[o.id])  # stable: file order breaks ties
    by_kind: dict[str, Office] = {}
    for office in ranked:
        by_kind.setdefault((name_words(office) or [office.id])[0], office)
    return list(by_kind.values())


def ask_which_office(dispatcher: Dispatcher, offices: list[Office], lang: str) -> list[Event]:
    """'Bürgerbüro' in a city with several: which one? One button per office."""
    shown = offices[:MAX_OFFICE_BUTTONS]
    buttons = [Button(title=o.name, payload="/ask_office" + json.dumps({"office": o.id})) for o in shown]
    dispatcher.send(BotMessage(kind=Kind.CLARIFY, text=say("which_office", lang), buttons=buttons, lang=lang))
    return []


def answer_with_office(dispatcher: Dispatcher, office: Office, calendar: OfficeCalendar, lang: str,
                       lead: str | None = None, day: date | None = None) -> list[Event]:
    """Address, today's (or the asked day's) and the week's hours, contact and notes ("Vorsprache mit Termin")."""
    text = office_answer(office, calendar, calendar.now(), day, lang)
    dispatcher.send(BotMessage(kind=Kind.ANSWER, text=f"{lead}\n{text}" if lead else text, lang=lang,
                               sources=[Source(title=office.name, url=str(office.url))] if office.url else []))
    return [slot_set("last_office", office.id)]
