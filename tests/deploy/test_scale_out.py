"""Two app processes behind different ports share everything through PostgreSQL and Redis.

Rasa runs once, with its SQL tracker store (PostgreSQL) and Redis lock store.
"""

from __future__ import annotations

import re
import secrets
import threading
import time

import httpx
import pytest

from bot.console.auth import hash_password
from bot.db import repository as repo
from bot.db.session import Database, migrate
from bot.rasa.client import RasaClient
from bot.rasa.runtime import RasaServer, model_file
from bot.settings import Settings
from retrieval.index.build import build_index
from retrieval.settings import RetrievalSettings
from tests.chat_turns import ask
from tests.conftest import copy_of_sample, free_port
from tests.deploy.conftest import AppProcess

pytestmark = pytest.mark.model


@pytest.fixture
def cluster(tmp_path, postgres_url, redis_url, sample_index, real_embedder, stack):
    """Processes A and B + Rasa; ``stack`` guarantees a trained Rasa model for the current data."""
    index_dir, kb_dir = copy_of_sample(sample_index, tmp_path)
    rasa_port = free_port()
    env = {"KOMMUNALBOT_DATABASE_URL": postgres_url, "KOMMUNALBOT_REDIS_URL": redis_url,
           "KOMMUNALBOT_INDEX_DIR": str(index_dir), "KOMMUNALBOT_KB_DIR": str(kb_dir),
           "KOMMUNALBOT_RASA_URL": f"http://127.0.0.1:{rasa_port}", "KOMMUNALBOT_SESSION_SECRET": secrets.token_hex(16),
           "KOMMUNALBOT_INTERNAL_TOKEN": secrets.token_hex(16), "KOMMUNALBOT_LOG_FORMAT": "text"}
    migrate(postgres_url)
    apps = [AppProcess(free_port(), env, tmp_path / f"app{i}.log") for i in range(2)]
    for app in apps:
        app.start()
    tracker_db = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    rasa_settings = Settings(rasa_url=env["KOMMUNALBOT_RASA_URL"], rasa_tracker_store_url=tracker_db,
                             rasa_lock_store_url=redis_url, rasa_home=tmp_path / "rasa")
    rasa = RasaServer(rasa_settings, model_file(stack.settings), apps[0].url, env["KOMMUNALBOT_INTERNAL_TOKEN"], rasa_port)
    rasa.start()
    client = RasaClient(rasa_settings.rasa_url, 10, env["KOMMUNALBOT_INTERNAL_TOKEN"])
    try:
        rasa.wait_ready(client, 240)
        db = Database(postgres_url)
        with db.session() as s:
            repo.create_user(s, "multi", "Mia", hash_password("multi-geheim-123"), "staff")
        db.engine.dispose()
        yield {"a": apps[0], "b": apps[1], "index_dir": index_dir, "kb_dir": kb_dir, "postgres": postgres_url,
               "embedder": real_embedder}
    finally:
        client.close()
        rasa.stop()
        for app in apps:
            app.stop()


def staff_login(base: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/staff/").text).group(1)
    client.post("/staff/login", data={"csrf": csrf, "username": "multi", "password": "multi-geheim-123"})
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/staff/queue/open").text).group(1)
    return client, csrf


def test_two_processes_share_conversations_events_and_index(cluster):
    a, b = cluster["a"], cluster["b"]
    citizen = httpx.Client(base_url=a.url, timeout=60)
    cid = citizen.post("/api/chat/conversations").json()["conversation_id"]
    first = ask(citizen, cid, "Was kostet ein Reisepass?").json()
    assert first["messages"][-1]["kind"] == "answer"
    # the conversation written by A is visible through B
    assert [m["seq"] for m in httpx.get(f"{b.url}/api/chat/conversations/{cid}/messages").json()["messages"]] == [1, 2]

    staff, csrf = staff_login(b.url)  # staff work on process B
    assert staff.post(f"/staff/conversations/{cid}/take", data={"csrf": csrf}).status_code in (200, 303)

    received: list[str] = []
    replied = threading.Event()

    def listen() -> None:  # the citizen's stream is served by process A
        with httpx.stream("GET", f"{a.url}/api/chat/conversations/{cid}/events", headers={"Last-Event-ID": "3"},
                          timeout=httpx.Timeout(30, read=30)) as response:
            for line in response.iter_lines():
                if line.startswith(": keepalive") and replied.is_set():
                    received.append(line)  # woken by the keepalive timeout: the push was lost
                if line.startswith("data:") and '"sender":"staff"' in line:
                    received.append(line)
                    return

    listener = threading.Thread(target=listen)
    listener.start()
    time.sleep(1)
    routed = ask(citizen, cid, "Ist da jemand?").json()
    assert routed["status"] == "staff" and [m["sender"] for m in routed["messages"]] == ["citizen"]
    replied.set()
    staff.post(f"/staff/conversations/{cid}/reply", data={"csrf": csrf, "text": "Ja, hier ist Mia."})
    listener.join(timeout=30)
    # pushed through Redis at once, not found after the stream's 15 s keepalive
    assert len(received) == 1 and "Ja, hier ist Mia." in received[0]

    # a reindex reaches every process
    before = {p.url: httpx.get(f"{p.url}/health").json()["index"]["build"] for p in (a, b)}
    (cluster["kb_dir"] / "faq" / "neu.md").write_text(
        "---\nid: faq-neu\ntype: faq\ntitle: Neue Seite\nurl: https://www.musterstadt.example/neu\n"
        "updated: 2026-11-01\nkeywords: [Neu]\n---\n\nEine neue Seite.\n", encoding="utf-8")
    report = build_index(cluster["kb_dir"], RetrievalSettings(index_dir=cluster["index_dir"]), cluster["embedder"])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        after = {p.url: httpx.get(f"{p.url}/health").json()["index"] for p in (a, b)}
        if all(i["build"] == report.build_id for i in after.values()):
            break
        time.sleep(1)
    assert all(i["build"] == report.build_id and i["documents"] == 85 for i in after.values()), (before, after)


def test_rasa_keeps_dialogue_state_in_postgres(cluster):
    import psycopg

    a = cluster["a"]
    citizen = httpx.Client(base_url=a.url, timeout=60)
    cid = citizen.post("/api/chat/conversations").json()["conversation_id"]
    citizen.post(f"/api/chat/conversations/{cid}/messages", json={"text": "Was kostet ein Personalausweis?"})
    follow = ask(citizen, cid, "und brauch ich einen Termin?").json()
    assert follow["messages"][-1]["kind"] == "answer"
    dsn = cluster["postgres"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT count(*) FROM events WHERE sender_id = %s", (cid,)).fetchone()[0]
    assert rows > 5  # Rasa's tracker events live in the shared database
