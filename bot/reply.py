"""One message the citizen sees: the typed contract from the actions to the widget.

The actions build it, Rasa passes it through as the ``custom`` payload of a response (domain
responses carry it the same way), the chat service validates it on arrival, the store keeps it
(``Message.payload``, the text in ``Message.text``), the API returns it (``chat.schemas.MessageOut``)
and ``widget/src/api.js`` is the widget's only knowledge of it. Staff and system messages use the
same fields. Nothing is encoded in the text: sources and links are fields, never "Quelle:" lines.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Kind(StrEnum):
    ANSWER = "answer"  # from a page, with its source
    CLARIFY = "clarify"  # "Meinten Sie …?" with buttons
    DECLINE = "decline"  # the bot cannot answer this
    HANDOFF_OFFER = "handoff_offer"  # "Soll ich Sie mit einer Person verbinden?"
    HANDOFF = "handoff"  # handed to staff (or, out of hours, how to reach them)
    CONTACT_FORM = "contact_form"  # asks for a contact for a callback; the next message is that contact
    SMALLTALK = "smalltalk"  # greeting, thanks, bot identity …
    ERROR = "error"  # the assistant is unavailable
    STAFF = "staff"  # a staff member's own message
    STAFF_JOINED = "staff_joined"
    BOT_BACK = "bot_back"
    CLOSED = "closed"


# The command of "Mit einer Person sprechen" (dialogue/answers.staff_button); Rasa reads it as request_human.
STAFF_PAYLOAD = "/request_human"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Button(Strict):
    title: str
    payload: str = Field(description="What the widget sends when the button is chosen")
    summary: str | None = Field(None, description="One line on what the offered service is about")


class Source(Strict):
    url: str
    title: str
    date: dt.date | None = Field(None, description="The page's last update (its 'Stand')")


class Link(Strict):
    kind: Literal["booking", "online", "related"] = Field(
        description="booking: make an appointment; online: do it online; related: a nearly as good second page")
    url: str
    title: str


class BotMessage(Strict):
    kind: Kind
    text: str = ""
    buttons: list[Button] = []
    sources: list[Source] = []
    links: list[Link] = []
    service_ids: list[str] = Field([], description="The services answered or offered")
    confidence: float | None = Field(None, description="Confidence of the retrieval behind it, 0-1")
    lang: str | None = Field(None, description="Language of the text (retrieval/languages.py), for the "
                             "widget's lang attribute; a citizen's message carries the detected language")
    facets: list[str] = Field([], description="What the question asked (cost, documents …, "
                              "bot/dialogue/facets.py), as the bot read it in any language; for the dashboard")

    def payload(self) -> dict[str, object]:
        """What the store keeps beside the text column."""
        return self.model_dump(mode="json", exclude={"text"})

    @classmethod
    def stored(cls, text: str, payload: dict[str, object]) -> BotMessage:
        return cls.model_validate({**payload, "text": text})
