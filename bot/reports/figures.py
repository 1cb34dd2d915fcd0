"""A day's figures from the stored conversations: (day, metric, key) -> count.

Every figure of the dashboard is such a count, so that a finished day can be stored as rows
(``report_days``, no personal data) and any period is the sum of its days. Times (turn latency,
wait for staff) are counted in geometric buckets 5 % wide, from which the percentiles are read.
Days are the municipality's local days (Settings.timezone).
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.db import reporting
from bot.db.repository import as_utc
from bot.dialogue.facets import facets_of

DayCounts = Counter[tuple[date, str, str]]

# What became of a citizen's question (the turn's first reply and, after an ask-back, the next turn).
OUTCOMES = {
    "answered": "direkt beantwortet",
    "clarified": "Rückfrage, dann per Auswahl gelöst",
    "clarify_failed": "Rückfrage ohne Erfolg",
    "declined": "nicht beantwortet",
    "handed_off": "an das Team übergeben",
}
FACET_NAMES = {"cost": "Kosten", "documents": "Unterlagen", "deadline": "Fristen und Dauer", "validity": "Gültigkeit",
               "online": "online", "appointment": "Termin", "where": "Ort und Zuständigkeit", "contact": "Kontakt",
               "procedure": "Ablauf"}
CHOSE_A_BUTTON = "choose_service"  # the intent of a button of an ask-back (bot/rasa/domain.yml)
BUCKET_GROWTH = 1.05


def bucket(value: float) -> str:
    """The geometric bucket of a positive time (ms or s): its upper bound is GROWTH**index."""
    return str(math.ceil(math.log(max(value, 1.0)) / math.log(BUCKET_GROWTH)))


def bucket_value(key: str) -> float:
    return BUCKET_GROWTH ** int(key)


def local_range(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants from the start of ``first`` to the end of ``last``, local days."""
    return (datetime.combine(first, time(), zone), datetime.combine(last + timedelta(days=1), time(), zone))


def outcome_of(outcome: str, intent: str | None, next_intent: str | None) -> str | None:
    """The question's outcome for a turn, or None for turns that are not a question's first answer
    (small talk, the answer after a button, the contact form, errors)."""
    if intent == CHOSE_A_BUTTON:
        return None
    if outcome == "clarify":
        return "clarified" if next_intent == CHOSE_A_BUTTON else "clarify_failed"
    return {"answer": "answered", "decline": "declined", "handoff": "handed_off"}.get(outcome)


def count_days(s: Session, first: date, last: date, zone: ZoneInfo) -> DayCounts:
    """Count the figures of the local days ``first`` .. ``last`` from the stored conversations."""
    start, end = local_range(first, last, zone)
    counts: DayCounts = Counter()

    def day(moment: datetime) -> date:
        return as_utc(moment).astimezone(zone).date()

    for created, lang in reporting.conversations_started(s, start, end):
        counts[day(created), "conversations", ""] += 1
        counts[day(created), "language", lang or "de"] += 1
    for created, is_contact in reporting.citizen_messages(s, start, end):
        counts[day(created), "messages", ""] += 1
        if is_contact:
            counts[day(created), "callbacks", ""] += 1
    for created, outcome, intent, latency, retrieved, next_intent, question, facets in reporting.turns(s, start, end):
        d = day(created)
        if latency is not None:
            counts[d, "latency_ms", bucket(latency)] += 1
        if outcome == "answer" and retrieved:
            counts[d, "service", retrieved[0]] += 1
        result = outcome_of(outcome, intent, next_intent)
        if result is None:
            continue
        counts[d, "outcome", result] += 1
        if result != "handed_off":
            # As the bot read the question, in any language; older turns: the German facet words.
            for facet in facets if facets is not None else facets_of(question or ""):
                counts[d, "facet", facet] += 1
    for created, helpful in reporting.feedback(s, start, end):
        counts[day(created), "feedback", "helpful" if helpful else "unhelpful"] += 1
    for handed, on_duty, joined in reporting.handoffs(s, start, end):
        d = day(handed)
        counts[d, "handoffs", "in_hours" if on_duty is not False else "out_of_hours"] += 1
        if joined is not None:
            counts[d, "wait_s", bucket((as_utc(joined) - as_utc(handed)).total_seconds())] += 1
    for closed, reason in reporting.closes(s, start, end):
        counts[day(closed), "closed", reason or "ohne"] += 1
    return counts
