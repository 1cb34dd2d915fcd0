"""Handing a conversation to staff, within or outside office hours, and the callback form."""

from __future__ import annotations

import logging
from typing import Any

from bot.actions.office_info import answer_contact_details, contact_asked_of, office_in_context
from bot.actions.protocol import Action, Dispatcher, Event, Tracker, active_loop, followup, slot_set
from bot.dialogue.facets import facets_asked
from bot.handoff.contact import CONTACT_MARKER, looks_like_contact, normalise_contact
from bot.handoff.sink import HandoffSink
from bot.i18n.catalogue import text as say
from bot.live_index import LiveIndex
from bot.reply import BotMessage, Button, Kind
from bot.settings import Settings

log = logging.getLogger(__name__)


def offer_handoff(dispatcher: Dispatcher, lang: str, lead: str | None = "stuck") -> list[Event]:
    """"Soll ich Sie … verbinden?" with yes/no buttons; ``lead`` is the catalogue id of a sentence before it."""
    question = say("offer_staff", lang)
    dispatcher.send(BotMessage(
        kind=Kind.HANDOFF_OFFER, text=f"{say(lead, lang)} {question}" if lead else question, lang=lang,
        buttons=[Button(title=say("yes_connect", lang), payload="/affirm"),
                 Button(title=say("no_thanks", lang), payload="/deny")]))
    return [slot_set("handoff_offered", True)]


class OfferHandoff(Action):
    """After a complaint: sympathy, then the offer."""

    name = "action_offer_handoff"

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        return offer_handoff(dispatcher, tracker.lang, lead="complaint")


class DeclineHandoff(Action):
    name = "action_decline_handoff"

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        dispatcher.send(BotMessage(kind=Kind.SMALLTALK, text=say("handoff_declined", tracker.lang), lang=tracker.lang))
        return [slot_set("handoff_offered", False), slot_set("failed_attempts", 0.0)]


class Handoff(Action):
    name = "action_handoff"

    def __init__(self, knowledge: LiveIndex, settings: Settings, sink: HandoffSink):
        self.knowledge, self.settings, self.sink = knowledge, settings, sink

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        # "und die Telefonnummer?" asks for a number, not a person: the office named or offered before,
        # else the city's general enquiries.
        if asked := contact_asked_of(self.knowledge.build, tracker, fallback=self.settings.handoff_office):
            return [slot_set("handoff_offered", False), *answer_contact_details(dispatcher, asked, tracker.lang)]
        calendar, lang = self.knowledge.calendar, tracker.lang
        now = calendar.now()
        office = self.knowledge.build.offices.get(self.settings.handoff_office)
        available = office is None or calendar.is_open(office, now)
        self.sink.handoff_requested(tracker.sender_id, available)
        events = [slot_set("handoff", True), slot_set("handoff_offered", False), slot_set("failed_attempts", 0.0)]
        # "Kann ich da anrufen?" after an answer: the office in question, with its number.
        asks_contact = "contact" in facets_asked(tracker.text, lang, self.knowledge.searcher.expand)
        nearby = office_in_context(self.knowledge.build, tracker) if asks_contact else None
        phone = " " + say("direct_phone", lang, office=nearby.name, phone=nearby.phone) if nearby and nearby.phone else ""
        if available:
            dispatcher.send(BotMessage(kind=Kind.HANDOFF, text=say("handoff_now", lang) + phone, lang=lang))
            return events
        opening = calendar.next_opening(office, now)
        when = calendar.describe(opening, now, lang) if opening else say("soon", lang)
        dispatcher.send(BotMessage(kind=Kind.HANDOFF, text=say("team_away", lang, when=when) + phone, lang=lang))
        return [*events, followup("contact_form")]


class ValidateContactForm(Action):
    name = "validate_contact_form"

    def __init__(self, questions: dict[str, Action]):
        self.questions = questions  # intent -> the action that answers it ("ask_service" -> the search)

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        end_form = [slot_set("contact", None), slot_set("requested_slot", None), active_loop(None)]
        if tracker.intent in ("deny", "goodbye"):
            dispatcher.send(BotMessage(kind=Kind.HANDOFF, text=say("no_callback", tracker.lang), lang=tracker.lang))
            return end_form
        candidate = tracker.slots_to_validate().get("contact")
        if candidate is None:
            return []
        contact = CONTACT_MARKER if candidate == CONTACT_MARKER else normalise_contact(str(candidate))
        answer = self.questions.get(tracker.intent)
        if contact is None and answer is not None and not looks_like_contact(tracker.text):
            return [*end_form, *answer.run(dispatcher, tracker, domain)]  # a new question: answer it
        if contact is None:
            dispatcher.send(BotMessage(kind=Kind.CONTACT_FORM, text=say("contact_invalid", tracker.lang), lang=tracker.lang))
        return [slot_set("contact", contact)]


class SubmitContact(Action):
    name = "action_submit_contact"

    def __init__(self, sink: HandoffSink):
        self.sink = sink

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        contact = tracker.slot("contact")
        if contact:
            self.sink.contact_left(tracker.sender_id, contact)
            dispatcher.send(BotMessage(kind=Kind.HANDOFF, text=say("contact_thanks", tracker.lang), lang=tracker.lang))
        # The contact lives in the handoff record only, not in the dialogue state.
        return [slot_set("contact", None)]
