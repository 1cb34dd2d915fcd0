"""A citizen's message: mask, store, route (bot or staff), store the replies, wake readers.

Handoff routing: once a conversation is handed off (status waiting/staff), the citizen's
messages go to staff, not to Rasa, until staff hand it back or close it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bot.actions.handoff import CONTACT_MARKER, normalise_contact
from bot.actions.protocol import services_in
from bot.db import repository as repo
from bot.db.models import Conversation, Message
from bot.db.session import Database
from bot import metrics
from bot.events import EventBus
from bot.privacy import mask_pii
from bot.rasa_client import APOLOGY, RasaClient, RasaUnavailableError

log = logging.getLogger(__name__)
STAFF_PAYLOAD = "/request_human"


class ConversationNotFoundError(LookupError):
    pass


def merge_rasa_messages(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rasa's REST channel sends text and custom JSON as separate items: join them per reply."""
    merged: list[dict[str, Any]] = []
    for item in raw:
        if item.get("text") is not None or item.get("buttons"):
            merged.append({"text": item.get("text") or "", "buttons": item.get("buttons") or [], "custom": {}})
        elif isinstance(item.get("custom"), dict):
            if merged and not merged[-1]["custom"]:
                merged[-1]["custom"] = item["custom"]
            else:
                merged.append({"text": "", "buttons": [], "custom": item["custom"]})
    return merged


class ChatService:
    def __init__(self, db: Database, rasa: RasaClient, bus: EventBus,
                 prepare: Callable[[str], None] | None = None):
        """``prepare`` sees each text just before Rasa does (the service embeds it there, see KnowledgeHolder)."""
        self.db, self.rasa, self.bus, self.prepare = db, rasa, bus, prepare

    def start(self) -> str:
        with self.db.session() as s:
            return repo.create_conversation(s).id

    def _conversation(self, s, conversation_id: str, lock: bool = False) -> Conversation:
        conversation = repo.get_conversation(s, conversation_id, lock=lock)
        if conversation is None:
            raise ConversationNotFoundError(conversation_id)
        return conversation

    def send(self, conversation_id: str, text: str, label: str | None = None) -> list[Message]:
        """Store the citizen's message and, unless staff have it, the bot's replies; return both.

        ``label`` is the caption of a clicked button whose command is ``text``.
        """
        text = text.strip()
        with self.db.session() as s:
            conversation = self._conversation(s, conversation_id, lock=True)
            last_bot = repo.last_bot_message(s, conversation_id)
            to_rasa = stored = mask_pii(text)
            asking_contact = last_bot is not None and bool(last_bot.payload.get("ask_contact"))
            if asking_contact:
                contact = normalise_contact(text)
                if contact:  # given on purpose for a callback: kept apart, only until closed
                    repo.store_callback(s, conversation, contact)
                    to_rasa, stored = CONTACT_MARKER, "[Kontaktangabe für Rückruf]"
            if text.startswith("/") and label:
                stored = mask_pii(label.strip())
            citizen = repo.add_message(s, conversation, "citizen", stored)
            # After a handoff, staff get the messages; only the callback form still talks to Rasa.
            routed_to_staff = conversation.status in repo.OPEN_STATUSES and not asking_contact
        self.bus.notify(conversation_id)
        if routed_to_staff:
            return [citizen]
        # The citizen's own (masked) message first, then the replies.
        return self._ask_rasa(conversation_id, to_rasa, text, citizen.seq - 1)

    def _ask_rasa(self, conversation_id: str, to_rasa: str, original: str, after_seq: int) -> list[Message]:
        started = time.perf_counter()
        if self.prepare:
            self.prepare(to_rasa)
        try:
            replies = merge_rasa_messages(self.rasa.send(conversation_id, to_rasa))
            latest = (self.rasa.tracker(conversation_id).get("latest_message") or {}) if replies else {}
        except RasaUnavailableError as e:
            metrics.RASA_ERRORS.inc()
            log.error("Rasa nicht erreichbar: %s", e)
            if original == STAFF_PAYLOAD:  # the apology's button still reaches staff
                return self.request_staff(conversation_id, after_seq)
            replies = [{"text": APOLOGY, "custom": {"kind": "error"},
                        "buttons": [{"title": "Mit einer Person sprechen", "payload": STAFF_PAYLOAD}]}]
            latest = {}
        latency = (time.perf_counter() - started) * 1000
        intent = latest.get("intent") or {}
        metrics.TURN_SECONDS.observe(latency / 1000)
        metrics.TURNS.labels((replies[0].get("custom") or {}).get("kind") or "none" if replies else "none").inc()
        with self.db.session() as s:
            conversation = self._conversation(s, conversation_id, lock=True)
            for i, reply in enumerate(replies):
                custom = reply.get("custom") or {}
                meta = {}
                if i == 0:  # the turn's metadata goes on its first bot message
                    retrieved = services_in(custom) + list(custom.get("services") or [])
                    meta = {"intent": intent.get("name"), "intent_confidence": intent.get("confidence"),
                            "confidence": custom.get("confidence"), "retrieved": retrieved or None,
                            "outcome": custom.get("kind"), "latency_ms": round(latency, 1)}
                payload = {"buttons": reply.get("buttons") or [], **custom}
                repo.add_message(s, conversation, "bot", reply.get("text") or "", payload, **meta)
            new = repo.messages_after(s, conversation_id, after_seq)
        self.bus.notify(conversation_id)
        return new

    def request_staff(self, conversation_id: str, after_seq: int) -> list[Message]:
        """Hand over without Rasa (used when Rasa is down)."""
        with self.db.session() as s:
            conversation = self._conversation(s, conversation_id, lock=True)
            repo.mark_handoff(s, conversation, staff_available=True)
            repo.add_message(s, conversation, "system", "Ihr Anliegen wurde an das Team weitergegeben. "
                             "Eine Mitarbeiterin oder ein Mitarbeiter meldet sich hier im Chat.", {"kind": "handoff"})
            new = repo.messages_after(s, conversation_id, after_seq)
        self.bus.notify(conversation_id)
        return new

    def messages(self, conversation_id: str, after: int = 0) -> list[Message]:
        with self.db.session() as s:
            self._conversation(s, conversation_id)
            return repo.messages_after(s, conversation_id, after)

    def status(self, conversation_id: str) -> str:
        with self.db.session() as s:
            return self._conversation(s, conversation_id).status

    def feedback(self, conversation_id: str, seq: int, helpful: bool, text: str | None) -> None:
        with self.db.session() as s:
            message = repo.message_by_seq(s, conversation_id, seq)
            if message is None or message.sender != "bot":
                raise ConversationNotFoundError(f"{conversation_id}#{seq}")
            repo.add_feedback(s, message, helpful, mask_pii(text) if text else None)

    def delete(self, conversation_id: str) -> None:
        with self.db.session() as s:
            if not repo.delete_conversation(s, conversation_id):
                raise ConversationNotFoundError(conversation_id)
        self.bus.notify(conversation_id)


class DbHandoffSink:
    """Rasa's handoff actions mark the conversation for staff in the store."""

    def __init__(self, db: Database, bus: EventBus):
        self.db, self.bus = db, bus

    def handoff_requested(self, conversation_id: str, staff_available: bool) -> None:
        metrics.HANDOFFS.labels(str(staff_available).lower()).inc()
        with self.db.session() as s:
            conversation = repo.get_conversation(s, conversation_id, lock=True)
            if conversation is not None:
                repo.mark_handoff(s, conversation, staff_available)
        self.bus.notify(conversation_id)

    def contact_left(self, conversation_id: str, contact: str) -> None:
        if contact == CONTACT_MARKER:
            return  # the chat service stored it before Rasa saw the message
        with self.db.session() as s:
            conversation = repo.get_conversation(s, conversation_id)
            if conversation is not None:
                repo.store_callback(s, conversation, contact)
