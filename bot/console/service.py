"""What staff, editors and admins do in the console, one transaction per action.

The router (console/router.py) only parses requests and renders pages; every read and change
of the store happens here, and every change wakes the conversation's readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.console.auth import ROLES
from bot.db import repository as repo
from bot.db.models import CLOSE_REASONS, Conversation, Message, StaffUser
from bot.db.session import Database
from bot.events import EventBus
from bot.i18n.catalogue import text as say
from bot.reply import BotMessage, Kind


class NotFoundError(LookupError):
    pass


class ConflictError(RuntimeError):
    """The action does not fit the conversation's or account's state; the message says why."""


@dataclass(frozen=True)
class ConversationView:
    summary: dict[str, Any]
    messages: list[Message]
    callback: str | None


def _summary(c: Conversation) -> dict[str, Any]:
    first = next((m.text for m in c.messages if m.sender == "citizen"), "")
    return {"id": c.id, "status": c.status, "updated_at": c.updated_at, "handoff_at": c.handoff_at,
            "assignee": c.assignee.display_name if c.assignee else None, "assignee_id": c.assignee_id,
            "preview": first[:120], "callback": bool(c.callback), "reason": c.close_reason,
            "staff_available": c.staff_available, "lang": c.lang or "de"}


class ConsoleService:
    def __init__(self, db: Database, bus: EventBus):
        self.db, self.bus = db, bus

    def _conversation(self, s, cid: str, lock: bool = False) -> Conversation:
        conversation = repo.get_conversation(s, cid, lock=lock)
        if conversation is None:
            raise NotFoundError("Dieses Gespräch gibt es nicht (mehr).")
        return conversation

    def queue(self, kind: str, user_id: int) -> list[dict[str, Any]]:
        with self.db.session() as s:
            return [_summary(c) for c in repo.queue(s, kind, user_id)]

    def conversation(self, cid: str) -> ConversationView:
        with self.db.session() as s:
            conversation = self._conversation(s, cid)
            return ConversationView(_summary(conversation), repo.messages_after(s, cid, 0),
                                    conversation.callback.contact if conversation.callback else None)

    def _system_message(self, s, conversation: Conversation, kind: Kind, msgid: str, **values: object) -> None:
        """A notice to the citizen, in the conversation's language (bot/i18n/)."""
        lang = conversation.lang or "de"
        text = say(msgid, lang, **values)
        repo.add_message(s, conversation, "system", text, BotMessage(kind=kind, text=text, lang=lang).payload())

    def take(self, cid: str, user: StaffUser) -> None:
        with self.db.session() as s:
            conversation = self._conversation(s, cid, lock=True)
            if conversation.status == "closed":
                raise ConflictError("Das Gespräch ist abgeschlossen.")
            repo.take_over(s, conversation, user)
            self._system_message(s, conversation, Kind.STAFF_JOINED, "staff_joined", name=user.display_name)
        self.bus.notify(cid)

    def reply(self, cid: str, user: StaffUser, text: str) -> None:
        with self.db.session() as s:
            conversation = self._conversation(s, cid, lock=True)
            if conversation.status != "staff" or conversation.assignee_id != user.id:
                raise ConflictError("Bitte übernehmen Sie das Gespräch zuerst.")
            text = text.strip()
            repo.add_message(s, conversation, "staff", text, BotMessage(kind=Kind.STAFF, text=text).payload(),
                             staff_user_id=user.id)
        self.bus.notify(cid)

    def hand_back(self, cid: str) -> None:
        with self.db.session() as s:
            conversation = self._conversation(s, cid, lock=True)
            repo.hand_back(s, conversation)
            self._system_message(s, conversation, Kind.BOT_BACK, "bot_back")
        self.bus.notify(cid)

    def close(self, cid: str, reason: str) -> None:
        if reason not in CLOSE_REASONS:
            raise ValueError("Bitte wählen Sie einen Abschlussgrund.")
        with self.db.session() as s:
            conversation = self._conversation(s, cid, lock=True)
            repo.close(s, conversation, reason)
            self._system_message(s, conversation, Kind.CLOSED, "closed")
        self.bus.notify(cid)

    def users(self) -> list[StaffUser]:
        with self.db.session() as s:
            return repo.list_users(s)

    def add_user(self, username: str, display_name: str, password_hash: str, role: str) -> None:
        if role not in ROLES:
            raise ValueError("Unbekannte Rolle.")
        with self.db.session() as s:
            if repo.get_user(s, username):
                raise ValueError("Diesen Benutzernamen gibt es schon.")
            repo.create_user(s, username, display_name, password_hash, role)

    def toggle_user(self, uid: int, acting: StaffUser) -> None:
        with self.db.session() as s:
            target = s.get(StaffUser, uid)
            if target is None:
                raise NotFoundError("Unbekanntes Konto.")
            if target.id == acting.id:
                raise ConflictError("Das eigene Konto kann nicht deaktiviert werden.")
            target.active = not target.active
