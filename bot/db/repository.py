"""Every query of the conversation store. Route handlers and services call these, never SQL."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.db.models import CallbackContact, Conversation, Feedback, Message, StaffUser, utcnow

OPEN_STATUSES = ("waiting", "staff")


def as_utc(moment: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes; everything we store is UTC.
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def create_conversation(s: Session) -> Conversation:
    conversation = Conversation(id=secrets.token_urlsafe(24))
    s.add(conversation)
    s.flush()
    return conversation


def get_conversation(s: Session, conversation_id: str, lock: bool = False) -> Conversation | None:
    query = select(Conversation).where(Conversation.id == conversation_id)
    if lock:
        query = query.with_for_update()  # serialises sequence numbers across processes (PostgreSQL)
    return s.scalars(query).first()


def add_message(s: Session, conversation: Conversation, sender: str, text: str,
                payload: dict[str, Any] | None = None, **meta: Any) -> Message:
    conversation.last_seq += 1
    conversation.updated_at = utcnow()
    message = Message(conversation_id=conversation.id, seq=conversation.last_seq, sender=sender, text=text,
                      payload=payload or {}, **meta)
    s.add(message)
    s.flush()
    return message


def messages_after(s: Session, conversation_id: str, seq: int) -> list[Message]:
    query = select(Message).where(Message.conversation_id == conversation_id, Message.seq > seq).order_by(Message.seq)
    return list(s.scalars(query))


def last_bot_message(s: Session, conversation_id: str) -> Message | None:
    query = (select(Message).where(Message.conversation_id == conversation_id, Message.sender == "bot")
             .order_by(Message.seq.desc()).limit(1))
    return s.scalars(query).first()


def offered_commands(s: Session, conversation_id: str) -> set[str]:
    """The commands of every button the bot has shown in the conversation (older buttons stay clickable)."""
    query = select(Message.payload).where(Message.conversation_id == conversation_id, Message.sender == "bot")
    return {button.get("payload") for payload in s.scalars(query) if payload
            for button in payload.get("buttons") or [] if button.get("payload")}


def delete_conversation(s: Session, conversation_id: str) -> bool:
    return s.execute(delete(Conversation).where(Conversation.id == conversation_id)).rowcount > 0


def mark_handoff(s: Session, conversation: Conversation, staff_available: bool) -> None:
    if conversation.status in OPEN_STATUSES:
        return
    conversation.status, conversation.staff_available, conversation.handoff_at = "waiting", staff_available, utcnow()
    conversation.closed_at = conversation.close_reason = None


def store_callback(s: Session, conversation: Conversation, contact: str) -> None:
    existing = s.get(CallbackContact, conversation.id)
    if existing:
        existing.contact = contact
    else:
        s.add(CallbackContact(conversation_id=conversation.id, contact=contact))


def take_over(s: Session, conversation: Conversation, user: StaffUser) -> None:
    conversation.status, conversation.assignee_id = "staff", user.id


def hand_back(s: Session, conversation: Conversation) -> None:
    conversation.status, conversation.assignee_id = "bot", None
    _forget_callback(s, conversation)


def close(s: Session, conversation: Conversation, reason: str) -> None:
    conversation.status, conversation.close_reason, conversation.closed_at = "closed", reason, utcnow()
    _forget_callback(s, conversation)


def _forget_callback(s: Session, conversation: Conversation) -> None:
    s.execute(delete(CallbackContact).where(CallbackContact.conversation_id == conversation.id))


def queue(s: Session, kind: str, user_id: int | None = None, limit: int = 200) -> list[Conversation]:
    query = select(Conversation).order_by(Conversation.handoff_at.desc().nulls_last(), Conversation.updated_at.desc())
    if kind == "waiting":
        query = query.where(Conversation.status == "waiting")
    elif kind == "mine":
        query = query.where(Conversation.status == "staff", Conversation.assignee_id == user_id)
    elif kind == "open":
        query = query.where(Conversation.status.in_(OPEN_STATUSES))
    elif kind == "closed":
        query = query.where(Conversation.status == "closed")
    elif kind == "callbacks":
        query = query.join(CallbackContact).where(Conversation.status != "closed")
    else:
        raise ValueError(f"unknown queue {kind}")
    return list(s.scalars(query.limit(limit)))


def add_feedback(s: Session, message: Message, helpful: bool, text: str | None) -> Feedback:
    feedback = Feedback(message_id=message.id, helpful=helpful, text=text)
    s.add(feedback)
    return feedback


def message_by_seq(s: Session, conversation_id: str, seq: int) -> Message | None:
    return s.scalars(select(Message).where(Message.conversation_id == conversation_id, Message.seq == seq)).first()


def delete_older_than(s: Session, days: int) -> int:
    """Retention: remove conversations untouched for ``days`` days (messages cascade)."""
    cutoff = utcnow() - timedelta(days=days)
    return s.execute(delete(Conversation).where(Conversation.updated_at < cutoff)).rowcount


# --- staff users -----------------------------------------------------------------------------

def get_user(s: Session, username: str) -> StaffUser | None:
    return s.scalars(select(StaffUser).where(func.lower(StaffUser.username) == username.lower())).first()


def list_users(s: Session) -> list[StaffUser]:
    return list(s.scalars(select(StaffUser).order_by(StaffUser.username)))


def create_user(s: Session, username: str, display_name: str, password_hash: str, role: str) -> StaffUser:
    user = StaffUser(username=username, display_name=display_name, password_hash=password_hash, role=role)
    s.add(user)
    s.flush()
    return user


def locked(user: StaffUser) -> bool:
    until = as_utc(user.locked_until)
    return until is not None and until > utcnow()
