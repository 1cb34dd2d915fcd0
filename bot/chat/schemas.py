"""Request and response models of the public chat API (the widget's contract)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.reply import BotMessage, Kind
from retrieval.languages import ALL

Lang = Literal[ALL]  # type: ignore[valid-type]  # the codes of retrieval/languages.py


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewMessage(Strict):
    text: str = Field(min_length=1, max_length=1000, description="Nachricht der Bürgerin / des Bürgers",
                      examples=["Was kostet ein neuer Personalausweis?"])
    label: str | None = Field(None, max_length=200, description="Beschriftung des Knopfes, wenn `text` dessen "
                              "Befehl ist (z. B. /choose_service{…}); so steht im Verlauf, was die Person sah")
    lang: Lang | None = Field(None, description="Sprache des Widgets: Vorannahme für die Spracherkennung, solange "
                              "das Gespräch noch keine Sprache hat")


class LanguageChoice(Strict):
    lang: Lang = Field(description="Gewählte Sprache (im Sprachmenü des Widgets oder der Schalter Leichte "
                       "Sprache); gilt ab der nächsten Antwort", examples=["en", "de-x-ls"])


class FeedbackIn(Strict):
    helpful: bool = Field(description="War die Antwort hilfreich?")
    text: str | None = Field(None, max_length=1000, examples=["Die Gebühr fehlte."])


class ConversationCreated(BaseModel):
    conversation_id: str = Field(description="Geheime Kennung des Gesprächs; nur der Browser kennt sie")


class MessageOut(BotMessage):
    """A message of the conversation: the reply contract (bot/reply.py) with its place and sender."""

    seq: int = Field(description="Laufende Nummer im Gespräch; zum Fortsetzen nach einem Verbindungsabbruch")
    sender: Literal["citizen", "bot", "staff", "system"]
    created_at: datetime
    kind: Kind | None = None  # a citizen's message has none

    @classmethod
    def of(cls, message: Any) -> MessageOut:
        created = message.created_at
        if created.tzinfo is None:  # SQLite drops the zone; we store UTC
            created = created.replace(tzinfo=timezone.utc)
        return cls.model_validate({**(message.payload or {}), "text": message.text, "seq": message.seq,
                                   "sender": message.sender, "created_at": created})


class Accepted(BaseModel):
    seq: int = Field(description="Laufende Nummer der gesendeten Nachricht; die Antworten folgen ihr. Wenn diese "
                     "Antwort kommt, sind sie gespeichert und auf /events unterwegs.")
    status: str = Field(description="bot, waiting (an das Team übergeben), staff (Mitarbeiter/in im Chat), closed")


class Messages(BaseModel):
    messages: list[MessageOut]
    status: str = Field(description="bot, waiting (an das Team übergeben), staff (Mitarbeiter/in im Chat), closed")
