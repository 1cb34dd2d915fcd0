"""Request and response models of the public chat API (the widget's contract)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewMessage(Strict):
    text: str = Field(min_length=1, max_length=1000, description="Nachricht der Bürgerin / des Bürgers",
                      examples=["Was kostet ein neuer Personalausweis?"])
    label: str | None = Field(None, max_length=200, description="Beschriftung des Knopfes, wenn `text` dessen "
                              "Befehl ist (z. B. /choose_service{…}); so steht im Verlauf, was die Person sah")


class FeedbackIn(Strict):
    helpful: bool = Field(description="War die Antwort hilfreich?")
    text: str | None = Field(None, max_length=1000, examples=["Die Gebühr fehlte."])


class ConversationCreated(BaseModel):
    conversation_id: str = Field(description="Geheime Kennung des Gesprächs; nur der Browser kennt sie")


class Button(BaseModel):
    title: str
    payload: str
    summary: str | None = Field(None, description="Eine Zeile dazu, worum es bei der angebotenen Leistung geht")


class Source(BaseModel):
    title: str
    url: str
    updated: str | None = None


class MessageOut(BaseModel):
    seq: int = Field(description="Laufende Nummer im Gespräch; zum Fortsetzen nach einem Verbindungsabbruch")
    sender: Literal["citizen", "bot", "staff", "system"]
    text: str
    created_at: datetime
    kind: str | None = Field(None, description="answer, clarify, handoff, handoff_offer, decline, smalltalk, error")
    buttons: list[Button] = []
    sources: list[Source] = []
    links: dict[str, str] = {}
    see_also: list[Source] = Field([], description="Eine fast gleich gut passende zweite Seite zur Antwort")

    @classmethod
    def of(cls, message: Any) -> MessageOut:
        p = message.payload or {}
        created = message.created_at
        if created.tzinfo is None:  # SQLite drops the zone; we store UTC
            created = created.replace(tzinfo=timezone.utc)
        return cls(seq=message.seq, sender=message.sender, text=message.text, created_at=created,
                   kind=p.get("kind"), buttons=p.get("buttons") or [], sources=p.get("sources") or [],
                   links=p.get("links") or {}, see_also=p.get("see_also") or [])


class Messages(BaseModel):
    messages: list[MessageOut]
    status: str = Field(description="bot, waiting (an das Team übergeben), staff (Mitarbeiter/in im Chat), closed")
