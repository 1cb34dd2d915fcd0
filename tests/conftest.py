"""Shared fixtures: temporary knowledge bases, settings, and the real embedding model."""

from __future__ import annotations

import shutil
import socket
import textwrap
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from retrieval.model.embedder import HASHING_MODEL
from retrieval.settings import RetrievalSettings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
SAMPLE_KB = PROJECT_ROOT / "knowledge_base"

OFFICES_YAML = """\
offices:
  - id: amt
    name: Bürgeramt
    address: {street: Hauptstraße 1, postal_code: "12345", city: Teststadt}
    opening_hours:
      mo: "08:00-12:00"
      do: "08:00-12:00, 14:00-18:00"
    closing_days: [2026-12-24]
"""


def page(doc_id: str, title: str, body: str, **fields: str) -> str:
    extra = "".join(f"{k}: {v}\n" for k, v in fields.items())
    return (f"---\nid: {doc_id}\ntype: service\ntitle: {title}\nurl: https://example.org/{doc_id}\n"
            f"updated: 2026-05-01\nkeywords: [{title}]\n{extra}---\n\n{textwrap.dedent(body).strip()}\n")


@pytest.fixture
def write_kb(tmp_path: Path) -> Callable[..., Path]:
    """Write files (relative path -> text or bytes) into a fresh knowledge-base folder."""
    def write(files: dict[str, str | bytes], name: str = "kb") -> Path:
        root = tmp_path / name
        root.mkdir(exist_ok=True)
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return write


@pytest.fixture
def hashing_settings(tmp_path: Path) -> RetrievalSettings:
    """Settings with the instant test embedder and a private index folder."""
    return RetrievalSettings(embedding_model=HASHING_MODEL, index_dir=tmp_path / "index")


@pytest.fixture(scope="session")
def real_embedder():
    """The verified default model, fetched by scripts/setup; tests never download it."""
    from retrieval.model.embedder import load_embedder
    from retrieval.model.store import ModelIntegrityError

    try:
        return load_embedder(RetrievalSettings())
    except ModelIntegrityError as e:
        pytest.fail(f"Embedding-Modell fehlt: erst `scripts/setup` ausführen.\n{e}")


def shared(path: str) -> Path:
    """A file from ../shared/data, or skip the test with the reason."""
    target = SHARED_DATA / path
    if not target.exists():
        pytest.skip(f"{target} fehlt (gemeinsame Testdaten nicht vorhanden)")
    return target


@pytest.fixture(scope="session")
def sample_index(real_embedder, tmp_path_factory) -> Path:
    """The sample municipality indexed once per test session with the real model."""
    from retrieval.index.build import build_index

    index_dir = tmp_path_factory.mktemp("sample-index")
    build_index(SAMPLE_KB, RetrievalSettings(index_dir=index_dir), real_embedder)
    return index_dir


def add_staff_user(stack, username: str, display_name: str, password: str, role: str = "staff") -> None:
    """An account for the console of the running stack, unless it is there already."""
    from bot.console.auth import hash_password
    from bot.db import repository as repo
    from bot.db.session import Database

    db = Database(stack.settings.database_url)
    with db.session() as s:
        if not repo.get_user(s, username):
            repo.create_user(s, username, display_name, hash_password(password), role)
    db.engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def stack(sample_index, real_embedder, tmp_path_factory):
    """The real product: chat service (this process) + Rasa, on free ports, with its own database."""
    from bot.settings import Settings
    from bot.stack import Stack

    database = tmp_path_factory.mktemp("db") / "kommunalbot.db"
    settings = Settings(index_dir=sample_index, kb_dir=SAMPLE_KB, port=free_port(), rasa_url=f"http://127.0.0.1:{free_port()}",
                        database_url=f"sqlite:///{database}", rate_limit_client="1000/minute",
                        rate_limit_conversation="20/minute", cors_origins=["https://www.musterstadt.example"],
                        session_secret="test-secret-" + "x" * 20,
                        # A generated token begins with "-" one time in 64; Rasa's command line
                        # once took such a token for an option and did not start.
                        internal_token="-token-with-a-leading-dash-" + "x" * 12)
    with Stack(settings) as running:
        yield running


def copy_of_sample(sample_index: Path, folder: Path) -> tuple[Path, Path]:
    """A copy of the sample knowledge base and of its built index, the copy's own index store:
    (index root, knowledge-base folder), to change without touching the shared ones."""
    kb, index_dir = folder / "kb", folder / "index"
    shutil.copytree(SAMPLE_KB, kb)
    shutil.copytree(RetrievalSettings(index_dir=sample_index).index_for(SAMPLE_KB),
                    RetrievalSettings(index_dir=index_dir).index_for(kb), symlinks=True)
    return index_dir, kb


@pytest.fixture
def clock(monkeypatch):
    """Freeze the office clock of the running stack (the chat service runs in this process)."""
    from bot.dialogue.office_hours import OfficeCalendar

    def freeze(moment: datetime) -> None:
        monkeypatch.setattr(OfficeCalendar, "now", lambda self: moment)

    return freeze


PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


@pytest.fixture
def postgres_url():
    """A throwaway database on the PostgreSQL server at 127.0.0.1:5432 (trust auth), dropped after."""
    import secrets

    import psycopg

    name = f"kommunalbot_test_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as e:
        pytest.skip(f"kein PostgreSQL auf 127.0.0.1:5432 erreichbar ({e.__class__.__name__}); auf CI-Maschinen läuft einer")
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url():
    """Redis at 127.0.0.1:6379, database 15, emptied before use."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=15, socket_connect_timeout=3)
    try:
        client.flushdb()
    except redis.ConnectionError as e:
        pytest.skip(f"kein Redis auf 127.0.0.1:6379 erreichbar ({e.__class__.__name__}); auf CI-Maschinen läuft einer")
    return "redis://127.0.0.1:6379/15"


@pytest.fixture(scope="session")
def stack_history(stack):
    """The hand-built history of tests/bot/history.py in the running stack's store (once), and an
    editor account "rita" for the dashboard and the content gaps."""
    from bot.db import repository as repo
    from bot.db.session import Database
    from tests.bot.history import build_history

    add_staff_user(stack, "rita", "Rita", "rita-geheim-123", role="editor")
    db = Database(stack.settings.database_url)
    with db.session() as s:
        staff = repo.get_user(s, "rita")
    history = build_history(db, staff)
    db.engine.dispose()
    return history
