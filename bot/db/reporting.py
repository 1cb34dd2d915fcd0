"""The store's queries for the dashboard and the content gaps (bot/reports/): plain rows of a time
range, selected by the indexed timestamps; no SQL outside bot/db/."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, and_, delete, exists, func, select
from sqlalchemy.orm import Session, aliased

from bot.db.models import CONTACT_PLACEHOLDER, Conversation, Feedback, GapReview, Message, QuestionVector, ReportDay

ROLLED_UP = "rolled_up"  # the marker row of a day whose figures are in report_days


def _next_intent(turn: type[Message]) -> Any:
    """The intent of the conversation's next bot turn after ``turn`` (NULL while there is none):
    "choose_service" after an ask-back means the citizen chose one of its buttons."""
    later = aliased(Message)
    return (select(later.intent).where(later.conversation_id == turn.conversation_id, later.seq > turn.seq,
                                       later.outcome.is_not(None))
            .order_by(later.seq).limit(1).correlate(turn).scalar_subquery())


def turns(s: Session, start: datetime, end: datetime) -> Sequence[Row[Any]]:
    """The bot's turns (their first message carries the turn's metadata): created_at, outcome, intent,
    latency, retrieved services, the next turn's intent, the question before it (text) and what the
    bot read it to ask (the facets in the message's payload; None in turns stored before it kept them)."""
    question = aliased(Message)
    return s.execute(
        select(Message.created_at, Message.outcome, Message.intent, Message.latency_ms, Message.retrieved,
               _next_intent(Message), question.text, Message.payload["facets"])
        .outerjoin(question, and_(question.conversation_id == Message.conversation_id, question.seq == Message.seq - 1,
                                  question.sender == "citizen"))
        .where(Message.outcome.is_not(None), Message.created_at >= start, Message.created_at < end)).all()


def citizen_messages(s: Session, start: datetime, end: datetime) -> Sequence[Row[Any]]:
    """(created_at, is a callback contact) of each citizen message."""
    return s.execute(
        select(Message.created_at, Message.text == CONTACT_PLACEHOLDER)
        .where(Message.sender == "citizen", Message.created_at >= start, Message.created_at < end)).all()


def conversations_started(s: Session, start: datetime, end: datetime) -> Sequence[Row[Any]]:
    """Conversations begun in the range in which the citizen wrote at least once (opening the widget
    alone does not count), with their language."""
    wrote = exists().where(Message.conversation_id == Conversation.id, Message.sender == "citizen")
    return s.execute(select(Conversation.created_at, Conversation.lang)
                     .where(Conversation.created_at >= start, Conversation.created_at < end, wrote)).all()


def feedback(s: Session, start: datetime, end: datetime) -> Sequence[Row[Any]]:
    return s.execute(select(Feedback.created_at, Feedback.helpful)
                     .where(Feedback.created_at >= start, Feedback.created_at < end)).all()


def handoffs(s: Session, start: datetime, end: datetime) -> Sequence[Row[Any]]:
    """Handed-off conversations (their latest handoff in the range): when, whether staff were on duty,
    and when staff first joined after it (None while nobody has)."""
    joined = aliased(Message)
    first_join = (select(func.min(joined.created_at))
                  .where(joined.conversation_id == Conversation.id, joined.sender == "system",
                         joined.created_at >= Conversation.handoff_at,
                         joined.payload["kind"].as_string() == "staff_joined")
                  .scalar_subquery())
    return s.execute(select(Conversation.handoff_at, Conversation.staff_available, first_join)
                     .where(Conversation.handoff_at >= start, Conversation.handoff_at < end)).all()


def closes(s: Session, start: datetime, end: datetime) -> Sequence[Row[Any]]:
    return s.execute(select(Conversation.closed_at, Conversation.close_reason)
                     .where(Conversation.closed_at >= start, Conversation.closed_at < end)).all()


def earliest_message(s: Session) -> datetime | None:
    return s.scalar(select(func.min(Message.created_at)))


# --- the days' figures ------------------------------------------------------------------------

def rolled_up_days(s: Session, first: date, last: date) -> set[date]:
    return set(s.scalars(select(ReportDay.day).where(ReportDay.metric == ROLLED_UP, ReportDay.day >= first,
                                                     ReportDay.day <= last)))


def day_figures(s: Session, first: date, last: date) -> Sequence[Row[Any]]:
    return s.execute(select(ReportDay.day, ReportDay.metric, ReportDay.key, ReportDay.value)
                     .where(ReportDay.day >= first, ReportDay.day <= last, ReportDay.metric != ROLLED_UP)).all()


def store_day(s: Session, day: date, figures: Iterable[tuple[str, str, int]]) -> None:
    """One finished day's figures and its marker (a second writer of the same day fails on the key)."""
    s.add(ReportDay(day=day, metric=ROLLED_UP, key="", value=1))
    s.add_all(ReportDay(day=day, metric=metric, key=key[:160], value=value) for metric, key, value in figures)
    s.flush()


# --- content gaps -----------------------------------------------------------------------------

def gap_questions(s: Session, start: datetime, end: datetime) -> Sequence[Row[Any]]:
    """Citizen questions the bot declined or asked back on: (question id, created_at, text, payload,
    outcome, services offered, the next turn's intent)."""
    question = aliased(Message)
    return s.execute(
        select(question.id, question.created_at, question.text, question.payload, Message.outcome,
               Message.retrieved, _next_intent(Message))
        .join(question, and_(question.conversation_id == Message.conversation_id, question.seq == Message.seq - 1))
        .where(Message.outcome.in_(("decline", "clarify")), Message.created_at >= start, Message.created_at < end,
               question.sender == "citizen")).all()


def disliked_answers(s: Session, start: datetime, end: datetime) -> Sequence[Row[Any]]:
    """Answers rated unhelpful in the range, with the citizen's question before them: (question id,
    created_at, text, payload, answered service ids)."""
    answer = aliased(Message)
    question = aliased(Message)
    latest_question = (select(func.max(question.seq))
                       .where(question.conversation_id == answer.conversation_id, question.sender == "citizen",
                              question.seq < answer.seq).correlate(answer).scalar_subquery())
    asked = aliased(Message)
    return s.execute(
        select(asked.id, asked.created_at, asked.text, asked.payload, answer.payload)
        .select_from(Feedback)
        .join(answer, answer.id == Feedback.message_id)
        .join(asked, and_(asked.conversation_id == answer.conversation_id, asked.seq == latest_question))
        .where(Feedback.helpful.is_(False), Feedback.created_at >= start, Feedback.created_at < end)).all()


def gap_reviews(s: Session) -> list[GapReview]:
    return list(s.scalars(select(GapReview).order_by(GapReview.handled_at)))


def add_gap_review(s: Session, review: GapReview) -> None:
    s.add(review)
    s.flush()


def question_vectors(s: Session, message_ids: Sequence[int], model: str) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    for i in range(0, len(message_ids), 1000):
        rows = s.execute(select(QuestionVector.message_id, QuestionVector.vector).where(
            QuestionVector.message_id.in_(message_ids[i:i + 1000]), QuestionVector.model == model))
        found.update({message_id: vector for message_id, vector in rows})
    return found


def store_question_vectors(s: Session, vectors: dict[int, bytes], model: str) -> None:
    """Vectors of questions (a vector of another model is replaced)."""
    ids = list(vectors)
    for i in range(0, len(ids), 1000):
        s.execute(delete(QuestionVector).where(QuestionVector.message_id.in_(ids[i:i + 1000])))
    s.add_all(QuestionVector(message_id=mid, model=model, vector=v) for mid, v in vectors.items())
    s.flush()
