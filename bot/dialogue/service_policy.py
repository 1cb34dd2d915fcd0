"""What to do with a service question: the one branch inside action_answer_from_kb.

Rasa's rules decide that a message is a service question; this policy decides, from what the
turn shows, whether to answer (which page), ask back, or give up. It is pure: the action
gathers the signals and the search, the policy only reads them (tests/bot/test_service_policy.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    ANSWER_CHOSEN = "answer_chosen"  # the service a "Meinten Sie …?" button named
    ASK_WHICH_OFFERED = "ask_which_offered"  # "und was kostet das?" right after offering services
    ANSWER_LAST = "answer_last"  # a follow-up about the service just discussed
    ANSWER_TOP = "answer_top"  # the search is sure
    ASK_BACK = "ask_back"  # the search is unsure: offer its best services
    ANSWER_OFFICE = "answer_office"  # "und am Montag?" after an office's hours
    ANSWER_CONTACT = "answer_contact"  # "und die Telefonnummer?" after offices were named or offered
    OFFER_STAFF = "offer_staff"  # NLU was unsure, but a person is the likeliest wish
    DECLINE = "decline"


@dataclass(frozen=True)
class Signals:
    chosen: bool = False  # a button named a service the index knows
    short: bool = False  # short like a follow-up ("und wo genau?")
    has_topic: bool = True  # names a subject of its own
    offered_before: bool = False  # the bot's last message offered services as buttons
    last_service: bool = False  # a service was discussed and is still in the index
    facets: bool = False  # asks for cost, documents, deadline …
    few_own_words: bool = False  # at most a couple of words besides the facet
    office_in_context: bool = False  # an office was just discussed
    day_asked: bool = False  # names a day ("am Montag")
    few_words: bool = False  # at most four words in all ("und am Samstag?", "and on Saturday?", "а в суботу?")
    wants_staff: bool = False  # NLU's best guess after its fallback is a person or a complaint
    contact_of_office: bool = False  # asks only for phone or e-mail, and an office was named or offered


@dataclass(frozen=True)
class Found:
    """What the search says about the message."""

    level: str  # answer | clarify | decline (Searcher.level)
    names_another_service: bool  # a service other than the one discussed is in front


def next_step(signals: Signals, search: Callable[[], Found]) -> Step:
    """``search`` runs only when the signals alone do not decide."""
    if signals.chosen:
        return Step.ANSWER_CHOSEN
    if signals.contact_of_office:
        return Step.ANSWER_CONTACT
    without_topic = signals.short and not signals.has_topic
    if without_topic and signals.offered_before:
        return Step.ASK_WHICH_OFFERED
    follow_up = signals.short and signals.last_service
    if follow_up and without_topic:
        return Step.ANSWER_LAST
    # "und am Samstag?" right after an office's hours: that office, in any language (the search would
    # take "Saturday" for a topic and offer pages about weekends).
    if signals.office_in_context and signals.day_asked and signals.few_words:
        return Step.ANSWER_OFFICE
    found = search()
    if follow_up and not found.names_another_service:
        return Step.ANSWER_LAST
    if found.level == "answer":
        return Step.ANSWER_TOP
    if found.level == "clarify":
        return Step.ASK_BACK
    # A facet question the search cannot place, about what was just discussed ("brauch ich einen
    # Termin?"); not one with a subject of its own ("wo kann ich Einspruch einlegen?").
    if signals.facets and signals.few_own_words and signals.last_service:
        return Step.ANSWER_LAST
    if signals.office_in_context and (signals.facets or signals.day_asked) and signals.few_own_words:
        return Step.ANSWER_OFFICE
    if signals.wants_staff:
        return Step.OFFER_STAFF
    return Step.DECLINE
