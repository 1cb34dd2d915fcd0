"""Tables of the conversation store. Message texts are stored masked (bot/privacy.py)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
          "pk": "pk_%(table_name)s"}


# What the store keeps instead of a contact a citizen typed for a callback (the contact itself is kept
# apart, in CallbackContact, until the request closes); the dashboard counts callback requests by it.
CONTACT_PLACEHOLDER = "[Kontaktangabe für Rückruf]"


# Why staff closed a conversation (Conversation.close_reason): code -> what the console shows.
CLOSE_REASONS = {"erledigt": "Anliegen erledigt", "weitergeleitet": "an Fachamt weitergeleitet",
                 "rueckruf": "Rückruf vereinbart", "keine_antwort": "keine Rückmeldung", "missbrauch": "Missbrauch/Spam"}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class StaffUser(Base):
    __tablename__ = "staff_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # staff | editor | admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # bot -> waiting (handed off) -> staff (taken over) -> bot (handed back) | closed
    status: Mapped[str] = mapped_column(String(20), default="bot", index=True)
    staff_available: Mapped[bool | None] = mapped_column(Boolean)
    handoff_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    close_reason: Mapped[str | None] = mapped_column(String(40))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The citizen's language (retrieval/languages.py): detected per message, or chosen in the widget.
    lang: Mapped[str | None] = mapped_column(String(12))

    messages: Mapped[list[Message]] = relationship(back_populates="conversation", cascade="all, delete-orphan",
                                                   passive_deletes=True, order_by="Message.seq")
    assignee: Mapped[StaffUser | None] = relationship()
    callback: Mapped[CallbackContact | None] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    sender: Mapped[str] = mapped_column(String(10))  # citizen | bot | staff | system
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # buttons, sources, kind …
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    # Metadata of a bot turn (on the bot's first message of the turn).
    intent: Mapped[str | None] = mapped_column(String(40))
    intent_confidence: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    retrieved: Mapped[list[str] | None] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(20), index=True)
    latency_ms: Mapped[float | None] = mapped_column(Float)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    feedback: Mapped[list[Feedback]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Feedback(Base):
    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str | None] = mapped_column(Text)  # masked
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class CallbackContact(Base):
    """Contact details a citizen gave on purpose for a callback; deleted when the request closes."""

    __tablename__ = "callback_contacts"
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    contact: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReportDay(Base):
    """One figure of one finished day for the dashboard (bot/reports/): counts only, no text, no ids
    of conversations. Kept when retention deletes the conversations, so a pilot's trend stays visible.
    A day that has been rolled up has the row (metric "rolled_up", key "")."""

    __tablename__ = "report_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class GapReview(Base):
    """An editor marked a group of unanswered questions as handled (bot/reports/gaps.py).

    The group is recognised again by its centre (the mean of its questions' vectors, no text);
    ``kb_build`` is the index build that was live then, so that a group that comes back after the
    knowledge base changed can be flagged."""

    __tablename__ = "gap_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    centroid: Mapped[list[float]] = mapped_column(JSON)
    model: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")
    handled_by: Mapped[str] = mapped_column(String(120))
    handled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kb_build: Mapped[str] = mapped_column(String(80))


class QuestionVector(Base):
    """The search vector of a citizen question the bot could not answer (float16), computed once for
    the content gaps and deleted with the message. A vector, not text: it reveals nothing readable."""

    __tablename__ = "question_vectors"
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(120))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
