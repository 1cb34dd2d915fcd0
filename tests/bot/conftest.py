from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from bot.live_index import LiveIndex
from bot.settings import Settings
from tests.conftest import SAMPLE_KB


class RecordingSink:
    def __init__(self) -> None:
        self.handoffs: list[tuple[str, bool]] = []
        self.contacts: list[tuple[str, str]] = []

    def handoff_requested(self, conversation_id: str, staff_available: bool) -> None:
        self.handoffs.append((conversation_id, staff_available))

    def contact_left(self, conversation_id: str, contact: str) -> None:
        self.contacts.append((conversation_id, contact))


@pytest.fixture(scope="module")
def api(stack):
    """A client of the running product's public API."""
    with httpx.Client(base_url=stack.app_url, timeout=30) as client:
        yield client


@pytest.fixture
def bot_settings(sample_index) -> Settings:
    return Settings(index_dir=sample_index, kb_dir=SAMPLE_KB, federal_state="NW")


@pytest.fixture
def knowledge(bot_settings, real_embedder) -> LiveIndex:
    holder = LiveIndex(bot_settings, real_embedder)
    holder.reload()
    return holder


@pytest.fixture
def at_time(knowledge, monkeypatch):
    """Freeze the office calendar's clock: at_time(datetime(...))."""

    def freeze(moment: datetime) -> None:
        monkeypatch.setattr(knowledge.calendar, "now", lambda: moment)

    return freeze
