"""Where handoffs go: the interface the Rasa actions call; the conversation store implements it
(handoff/db_sink.py), tests record it."""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger(__name__)


class HandoffSink(Protocol):
    """Where handoffs go (the conversation store marks them for the staff console)."""

    def handoff_requested(self, conversation_id: str, staff_available: bool) -> None: ...

    def contact_left(self, conversation_id: str, contact: str) -> None: ...
