"""The action-server side of Rasa's webhook protocol, without rasa_sdk.

Rasa 3.6 POSTs ``{next_action, sender_id, tracker, domain, version}`` and expects
``{events, responses}`` (see rasa_sdk/endpoint.py and rasa_sdk/interfaces.py). rasa_sdk
itself cannot share our environment (it pins sanic/pydantic versions), and the protocol is
small, so we speak it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.reply import BotMessage

Event = dict[str, Any]


def slot_set(name: str, value: Any) -> Event:
    return {"event": "slot", "name": name, "value": value}


def followup(action: str) -> Event:
    return {"event": "followup", "name": action}


def active_loop(name: str | None) -> Event:
    return {"event": "active_loop", "name": name}


class ActionRejected(Exception):
    """The action cannot run now; Rasa tries another prediction (HTTP 400)."""


@dataclass
class Tracker:
    """Read-only view of the conversation state Rasa sends."""

    sender_id: str
    slots: dict[str, Any]
    latest_message: dict[str, Any]
    events: list[Event]
    active_loop: dict[str, Any]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tracker:
        return cls(data.get("sender_id", ""), data.get("slots") or {}, data.get("latest_message") or {},
                   data.get("events") or [], data.get("active_loop") or {})

    def slot(self, name: str) -> Any:
        return self.slots.get(name)

    @property
    def text(self) -> str:
        return (self.latest_message.get("text") or "").strip()

    @property
    def lang(self) -> str:
        """The language to reply in: the chat service sends it with each message (bot/i18n/)."""
        for event in reversed(self.events):
            if event.get("event") == "user":
                return ((event.get("metadata") or {}).get("lang")) or "de"
        return "de"

    @property
    def intent(self) -> str:
        return (self.latest_message.get("intent") or {}).get("name") or ""

    def entity(self, name: str) -> str | None:
        for entity in self.latest_message.get("entities") or []:
            if entity.get("entity") == name:
                return entity.get("value")
        return None

    def slots_to_validate(self) -> dict[str, Any]:
        """Slot values set since the latest user message (what a form wants validated)."""
        candidates: dict[str, Any] = {}
        for event in reversed(self.events):
            if event.get("event") == "user":
                break
            if event.get("event") == "slot":
                candidates.setdefault(event["name"], event.get("value"))
        return candidates


@dataclass
class Dispatcher:
    """Collects the messages an action sends to the citizen, as Rasa responses whose ``custom``
    payload is the message (bot/reply.py); Rasa passes it through unchanged."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    # What the citizen's question asked, as the action read it: goes with every message of the turn.
    facets: list[str] = field(default_factory=list)

    def send(self, message: BotMessage) -> None:
        if self.facets and not message.facets:
            message = message.model_copy(update={"facets": list(self.facets)})
        self.messages.append({"text": None, "buttons": [], "elements": [], "custom": message.model_dump(mode="json"),
                              "template": None, "response": None, "image": None, "attachment": None})

    @property
    def sent(self) -> list[BotMessage]:
        return [BotMessage.model_validate(m["custom"]) for m in self.messages]


class Action:
    """One custom action. ``run`` returns the events to apply."""

    name: str = ""

    def run(self, dispatcher: Dispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Event]:
        raise NotImplementedError
