"""Settings of the chat service: the retrieval settings plus dialogue, Rasa and server.

Like ``RetrievalSettings``, values come from ``KOMMUNALBOT_*`` environment variables and
``kommunalbot.toml``. Nothing else in the ``bot`` package reads the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field

from retrieval.settings import RetrievalSettings


class Settings(RetrievalSettings):
    host: str = "127.0.0.1"
    port: int = 8000

    # Rasa runs as its own process from its own virtual environment.
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_venv: Path = Path(".venv-rasa")
    rasa_project: Path = Path("bot/rasa")
    rasa_home: Path = Path("var/rasa")  # models, caches and Rasa's HOME stay here
    rasa_timeout_seconds: float = 10.0
    rasa_startup_seconds: float = 180.0
    # Shared secret between the chat service and Rasa for internal endpoints; generated per
    # start by `kommunalbot serve` when unset (set it when running several processes).
    internal_token: str | None = None

    # Office hours for the handoff: the office in offices.yaml whose hours are the staff's,
    # and the federal state whose public holidays close it (ISO 3166-2 subdivision code).
    handoff_office: str = "servicecenter"
    federal_state: str = Field("NW", description="BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH")
    timezone: str = "Europe/Berlin"

    # How many consecutive unanswered questions before staff are offered.
    failures_before_handoff: int = 2


@lru_cache
def get_settings() -> Settings:
    return Settings()
