"""A citizen's message: mask, store, route (bot or staff), store the replies, wake readers.

Handoff routing: once a conversation is handed off (status waiting/staff), the citizen's
messages go to staff, not to Rasa, until staff hand it back or close it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from bot import metrics
from bot.db import repository as repo
from bot.db.models import CONTACT_PLACEHOLDER, Conversation, Message
from bot.db.session import Database
from bot.dialogue.answers import staff_button
from bot.events import EventBus
from bot.handoff.contact import CONTACT_MARKER, normalise_contact
from bot.i18n.catalogue import text as say
from bot.i18n.detect import message_language
from bot.privacy import mask_pii
from bot.rasa.client import Intent, RasaClient, RasaUnavailableError
from bot.reply import STAFF_PAYLOAD, BotMessage, Button, Kind

log = logging.getLogger(__name__)


class ConversationNotFoundError(LookupError):
    pass


def reply_of(item: dict[str, Any]) -> BotMessage:
    """One message of Rasa's answer as the reply contract: actions and domain responses carry it as
    ``custom``. A plain text response (one added to the domain without ``custom``) is small talk."""
    custom = item.get("custom")
    if isinstance(custom, dict) and custom:
        return BotMessage.model_validate(custom)
    log.warning("Antwort ohne Vertrag (custom) in Rasas Domäne: %.60s", item.get("text") or "")
    return BotMessage(kind=Kind.SMALLTALK, text=item.get("text") or "",
                      buttons=[Button(title=b.get("title", ""), payload=b.get("payload", "")) for b in item.get("buttons") or []])


def apology(lang: str) -> BotMessage:
    return BotMessage(kind=Kind.ERROR, text=say("apology", lang), lang=lang,
                      buttons=[staff_button(lang)])


def handed_over(lang: str) -> BotMessage:
    return BotMessage(kind=Kind.HANDOFF, text=say("handed_over", lang), lang=lang)


class ChatService:
    def __init__(self, db: Database, rasa: RasaClient, bus: EventBus,
                 prepare: Callable[[str, str], dict[str, str]] | None = None):
        """``prepare`` gives the metadata Rasa gets with a text in a language (its intent vector,
        LiveIndex.message_metadata)."""
        self.db, self.rasa, self.bus, self.prepare = db, rasa, bus, prepare

    def start(self) -> str:
        with self.db.session() as s:
            return repo.create_conversation(s).id

    def _conversation(self, s, conversation_id: str, lock: bool = False) -> Conversation:
        conversation = repo.get_conversation(s, conversation_id, lock=lock)
        if conversation is None:
            raise ConversationNotFoundError(conversation_id)
        return conversation

    def send(self, conversation_id: str, text: str, label: str | None = None,
             widget_lang: str | None = None) -> list[Message]:
        """Store the citizen's message and, unless staff have it, the bot's replies; return both.

        ``label`` is the caption of a clicked button whose command is ``text``. ``widget_lang``, the
        widget's language, is the prior for the language of the conversation's first message.
        """
        text = text.strip()
        with self.db.session() as s:
            conversation = self._conversation(s, conversation_id, lock=True)
            last_bot = repo.last_bot_message(s, conversation_id)
            # A button's command goes to Rasa as the bot wrote it: masking would turn a numeric
            # service id (DLDB catalogues) into "[Telefon]". Any other text, a typed "/…" included,
            # is masked.
            offered = text.startswith("/") and text in repo.offered_commands(s, conversation_id)
            to_rasa = stored = text if offered else mask_pii(text)
            lang = conversation.lang or widget_lang or "de"
            asking_contact = last_bot is not None and last_bot.payload.get("kind") == Kind.CONTACT_FORM
            contact = normalise_contact(text) if asking_contact else None
            if contact:  # given on purpose for a callback: kept apart, only until closed
                repo.store_callback(s, conversation, contact)
                to_rasa, stored = CONTACT_MARKER, CONTACT_PLACEHOLDER
            elif not text.startswith("/"):  # a button's command says nothing about the language
                lang = message_language(text, conversation.lang, widget_lang)
            if text.startswith("/") and label:
                stored = mask_pii(label.strip())
            conversation.lang = lang
            citizen = repo.add_message(s, conversation, "citizen", stored, {"lang": lang})
            # After a handoff, staff get the messages; only the callback form still talks to Rasa.
            routed_to_staff = conversation.status in repo.OPEN_STATUSES and not asking_contact
        self.bus.notify(conversation_id)
        if routed_to_staff:
            return [citizen]
        # The citizen's own (masked) message first, then the replies.
        return self._ask_rasa(conversation_id, to_rasa, text, citizen.seq - 1, lang)

    def choose_language(self, conversation_id: str, lang: str) -> None:
        """The citizen chose a language in the widget: the next replies use it."""
        with self.db.session() as s:
            self._conversation(s, conversation_id, lock=True).lang = lang

    def _ask_rasa(self, conversation_id: str, to_rasa: str, original: str, after_seq: int, lang: str) -> list[Message]:
        """One call to Rasa: the message with its intent vector and language out, the replies and the intent back."""
        started = time.perf_counter()
        metadata = {**(self.prepare(to_rasa, lang) if self.prepare else {}), "lang": lang}
        try:
            turn = self.rasa.send(conversation_id, to_rasa, metadata)
            replies, intent = [reply_of(item) for item in turn.messages], turn.intent
        except (RasaUnavailableError, ValidationError) as e:
            metrics.RASA_ERRORS.inc()
            log.error("Rasa nicht erreichbar oder Antwort ungültig: %s", e)
            if original == STAFF_PAYLOAD:  # the apology's button still reaches staff
                return self.request_staff(conversation_id, after_seq)
            replies, intent = [apology(lang)], Intent()
        latency = (time.perf_counter() - started) * 1000
        metrics.TURN_SECONDS.observe(latency / 1000)
        metrics.TURNS.labels(replies[0].kind.value if replies else "none").inc()
        with self.db.session() as s:
            conversation = self._conversation(s, conversation_id, lock=True)
            for i, reply in enumerate(replies):
                meta = {}
                if i == 0:  # the turn's metadata goes on its first bot message
                    meta = {"intent": intent.name, "intent_confidence": intent.confidence,
                            "confidence": reply.confidence, "retrieved": reply.service_ids or None,
                            "outcome": reply.kind.value, "latency_ms": round(latency, 1)}
                repo.add_message(s, conversation, "bot", reply.text, reply.payload(), **meta)
            new = repo.messages_after(s, conversation_id, after_seq)
        self.bus.notify(conversation_id)
        return new

    def request_staff(self, conversation_id: str, after_seq: int) -> list[Message]:
        """Hand over without Rasa (used when Rasa is down)."""
        with self.db.session() as s:
            conversation = self._conversation(s, conversation_id, lock=True)
            repo.mark_handoff(s, conversation, staff_available=True)
            notice = handed_over(conversation.lang or "de")
            repo.add_message(s, conversation, "system", notice.text, notice.payload())
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
