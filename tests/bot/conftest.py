from __future__ import annotations

import socket
from datetime import datetime

import pytest

from bot.dialogue.office_hours import OfficeCalendar
from bot.knowledge import KnowledgeHolder
from bot.settings import Settings
from bot.stack import Stack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def stack(sample_index, real_embedder, tmp_path_factory):
    """The real product: chat service (this process) + Rasa, on free ports, with its own database."""
    database = tmp_path_factory.mktemp("db") / "kommunalbot.db"
    settings = Settings(index_dir=sample_index, port=free_port(), rasa_url=f"http://127.0.0.1:{free_port()}",
                        database_url=f"sqlite:///{database}", rate_limit_client="1000/minute",
                        rate_limit_conversation="20/minute", cors_origins=["https://www.musterstadt.example"],
                        session_secret="test-secret-" + "x" * 20)
    with Stack(settings) as running:
        yield running


@pytest.fixture
def clock(monkeypatch):
    """Freeze the office clock of the running stack (the chat service runs in this process)."""

    def freeze(moment: datetime) -> None:
        monkeypatch.setattr(OfficeCalendar, "now", lambda self: moment)

    return freeze


class RecordingSink:
    def __init__(self) -> None:
        self.handoffs: list[tuple[str, bool]] = []
        self.contacts: list[tuple[str, str]] = []

    def handoff_requested(self, conversation_id: str, staff_available: bool) -> None:
        self.handoffs.append((conversation_id, staff_available))

    def contact_left(self, conversation_id: str, contact: str) -> None:
        self.contacts.append((conversation_id, contact))


@pytest.fixture
def bot_settings(sample_index) -> Settings:
    return Settings(index_dir=sample_index, federal_state="NW")


@pytest.fixture
def knowledge(bot_settings, real_embedder) -> KnowledgeHolder:
    holder = KnowledgeHolder(bot_settings, real_embedder)
    holder.reload()
    return holder


@pytest.fixture
def at_time(knowledge, monkeypatch):
    """Freeze the office calendar's clock: at_time(datetime(...))."""

    def freeze(moment: datetime) -> None:
        monkeypatch.setattr(knowledge.calendar, "now", lambda: moment)

    return freeze
