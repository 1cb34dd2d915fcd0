"""Handoffs recorded in the conversation store: the staff console's queue shows them."""

from __future__ import annotations

from bot import metrics
from bot.db import repository as repo
from bot.db.session import Database
from bot.events import EventBus
from bot.handoff.contact import CONTACT_MARKER


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
