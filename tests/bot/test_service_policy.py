"""The service-question policy on hand-made signals (no model, no index)."""

from __future__ import annotations

import pytest

from bot.dialogue.service_policy import Found, Signals, Step, next_step

SURE, UNSURE, NOTHING = Found("answer", True), Found("clarify", True), Found("decline", True)
ABOUT_THE_LAST = Found("clarify", False)  # the service discussed is among the first hits


def never() -> Found:
    raise AssertionError("searched although the signals decide")


@pytest.mark.parametrize(("signals", "found", "step"), [
    (Signals(chosen=True, last_service=True), never, Step.ANSWER_CHOSEN),
    # "und die Telefonnummer?" after offices were offered or named: their numbers, without searching
    (Signals(contact_of_office=True, short=True, has_topic=False, last_service=True), never, Step.ANSWER_CONTACT),
    # "und was kostet das?" right after "Meinten Sie …?": which of those?
    (Signals(short=True, has_topic=False, offered_before=True, last_service=True), never, Step.ASK_WHICH_OFFERED),
    # ... and after an answer: about the service just discussed, without searching
    (Signals(short=True, has_topic=False, last_service=True), never, Step.ANSWER_LAST),
    # "und der Reisepass?" after the ID card names another service: the search decides
    (Signals(short=True, last_service=True), lambda: SURE, Step.ANSWER_TOP),
    (Signals(short=True, last_service=True), lambda: ABOUT_THE_LAST, Step.ANSWER_LAST),
    (Signals(), lambda: SURE, Step.ANSWER_TOP),
    (Signals(), lambda: UNSURE, Step.ASK_BACK),
    (Signals(), lambda: NOTHING, Step.DECLINE),
    # the search finds nothing, but the facet belongs to what was just discussed
    (Signals(facets=True, few_own_words=True, last_service=True), lambda: NOTHING, Step.ANSWER_LAST),
    (Signals(facets=True, few_own_words=False, last_service=True), lambda: NOTHING, Step.DECLINE),
    # "und am Montag?" after an office's hours
    (Signals(day_asked=True, few_own_words=True, office_in_context=True), lambda: NOTHING, Step.ANSWER_OFFICE),
    (Signals(day_asked=True, few_own_words=True), lambda: NOTHING, Step.DECLINE),
    # ... in any language, before the search ("and on Saturday?" must not become a topic)
    (Signals(day_asked=True, few_words=True, office_in_context=True), never, Step.ANSWER_OFFICE),
    (Signals(day_asked=True, few_words=True), lambda: UNSURE, Step.ASK_BACK),  # no office discussed
    (Signals(day_asked=True, few_words=False, office_in_context=True), lambda: UNSURE, Step.ASK_BACK),
    (Signals(wants_staff=True), lambda: NOTHING, Step.OFFER_STAFF),
    (Signals(wants_staff=True), lambda: SURE, Step.ANSWER_TOP),  # a found answer comes first
])
def test_next_step(signals, found, step):
    assert next_step(signals, found) is step
