"""Settings of the chat service: the retrieval settings plus dialogue, Rasa and server.

Like ``RetrievalSettings``, values come from ``KOMMUNALBOT_*`` environment variables and
``kommunalbot.toml``. Nothing else in the ``bot`` package reads the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator

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
    # Several Rasa processes share conversations through Rasa's SQL tracker store and a Redis
    # lock store (postgresql://user:pw@host:5432/db, redis://host:6379/1). Unset: in memory.
    rasa_tracker_store_url: str | None = None
    rasa_lock_store_url: str | None = None
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

    # Conversation store: an SQLite file unless DATABASE_URL / database_url names PostgreSQL
    # (postgresql+psycopg://user@host/db).
    database_url: str = Field("sqlite:///var/kommunalbot.db", validation_alias=AliasChoices(
        "KOMMUNALBOT_DATABASE_URL", "DATABASE_URL", "database_url"))
    retention_days: int = 30
    # Content gaps: how many new unanswered questions the maintenance run (every six hours) embeds
    # ahead of the editors' page; 0 = none (then the page embeds them; with several workers, one
    # worker is enough).
    gap_vectors_per_run: int = Field(2000, ge=0)

    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"

    # Several processes: Redis carries real-time wake-ups and rate-limit counters between them.
    redis_url: str | None = None

    # Public chat API: who may embed the widget, and limits against abuse.
    cors_origins: list[str] = []
    rate_limit_conversation: str = "20/minute"
    rate_limit_client: str = "60/minute"

    # Staff console
    session_secret: str | None = None  # set in production; a random one logs everyone out on restart
    secure_cookies: bool = False  # True behind HTTPS (always in production)
    login_max_failures: int = 5
    login_lockout_minutes: int = 15

    @field_validator("database_url")
    @classmethod
    def _psycopg_driver(cls, url: str) -> str:
        # Accept the common postgres:// and postgresql:// forms; we use psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
