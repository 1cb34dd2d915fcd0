"""Fault tests: Rasa killed, app restarted, database gone, index damaged, KB file broken."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.live_index import LiveIndex
from bot.settings import Settings
from retrieval.index.build import build_index
from retrieval.index.store import current_build_path
from tests.chat_turns import ask
from tests.conftest import SAMPLE_KB, copy_of_sample, free_port
from tests.deploy.conftest import AppProcess
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.model


def test_rasa_killed_mid_conversation_then_back(stack):
    base = stack.app_url
    cid = httpx.post(f"{base}/api/chat/conversations").json()["conversation_id"]
    assert ask(base, cid, "Was kostet ein Reisepass?").json()["messages"][-1]["kind"] == "answer"
    stack.rasa.stop()  # killed
    try:
        started = time.monotonic()
        down = ask(base, cid, "Und ein Personalausweis?")
        assert time.monotonic() - started < stack.settings.rasa_timeout_seconds + 5
        reply = down.json()["messages"][-1]
        assert down.status_code == 200 and reply["kind"] == "error" and "nicht erreichbar" in reply["text"]
        assert reply["buttons"] == [{"title": "Mit einer Person sprechen", "payload": "/request_human", "summary": None}]
        history = httpx.get(f"{base}/api/chat/conversations/{cid}/messages").json()["messages"]
        assert [m["sender"] for m in history] == ["citizen", "bot", "citizen", "bot"]  # nothing lost
        assert httpx.get(f"{base}/health").json()["rasa"]["status"] == "unavailable"
    finally:
        stack.rasa.start()
        stack.rasa.wait_ready(stack.client, stack.settings.rasa_startup_seconds)
    back = ask(base, cid, "Was kostet ein Personalausweis?")  # no restart of the app needed
    assert back.json()["messages"][-1]["kind"] == "answer"


def test_app_restart_keeps_the_conversation(stack, sample_index, tmp_path):
    env = {"KOMMUNALBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "KOMMUNALBOT_INDEX_DIR": str(sample_index),
           "KOMMUNALBOT_KB_DIR": str(SAMPLE_KB),
           "KOMMUNALBOT_RASA_URL": stack.settings.rasa_url, "KOMMUNALBOT_LOG_FORMAT": "text",
           "KOMMUNALBOT_INTERNAL_TOKEN": stack.settings.internal_token}  # shared with Rasa, as in production
    app = AppProcess(free_port(), env, tmp_path / "app.log").start()
    try:
        cid = httpx.post(f"{app.url}/api/chat/conversations").json()["conversation_id"]
        assert ask(app.url, cid, "Was kostet ein Reisepass?").status_code == 200
        app.stop()
        app.start()
        again = ask(app.url, cid, "Wie melde ich meinen Hund an?")
        assert again.status_code == 200 and again.json()["messages"][-1]["kind"] == "answer"
        assert [m["seq"] for m in httpx.get(f"{app.url}/api/chat/conversations/{cid}/messages").json()["messages"]] == [1, 2, 3, 4]
    finally:
        app.stop()


def test_database_unavailable_gives_clear_error_and_recovers(stack, sample_index, postgres_url, tmp_path):
    proxy = TcpProxy(5432)
    proxy.start()
    url = postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    env = {"KOMMUNALBOT_DATABASE_URL": url, "KOMMUNALBOT_INDEX_DIR": str(sample_index), "KOMMUNALBOT_KB_DIR": str(SAMPLE_KB),
           "KOMMUNALBOT_RASA_URL": stack.settings.rasa_url, "KOMMUNALBOT_LOG_FORMAT": "text",
           "KOMMUNALBOT_INTERNAL_TOKEN": stack.settings.internal_token}  # shared with Rasa, as in production
    app = AppProcess(free_port(), env, tmp_path / "app.log").start()
    try:
        cid = httpx.post(f"{app.url}/api/chat/conversations").json()["conversation_id"]
        proxy.stop()
        down = ask(app.url, cid, "Was kostet ein Reisepass?")
        assert down.status_code == 503 and "Datenbank" in down.json()["detail"]
        assert httpx.get(f"{app.url}/health").json()["database"]["status"] == "error"
        proxy.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and ask(app.url, cid, "Hallo").status_code != 200:
            time.sleep(1)
        recovered = ask(app.url, cid, "Was kostet ein Reisepass?")
        assert recovered.status_code == 200 and recovered.json()["messages"][-1]["kind"] == "answer"
    finally:
        app.stop()
        proxy.stop()


def test_damaged_index_keeps_the_last_good_one_serving(sample_index, real_embedder, tmp_path):
    index_dir, kb = copy_of_sample(sample_index, tmp_path)
    settings = Settings(index_dir=index_dir, kb_dir=kb)
    holder = LiveIndex(settings, real_embedder)
    holder.reload()
    good = holder.build.build_id
    (kb / "faq/neu.md").write_text("---\nid: faq-neu\ntype: faq\ntitle: Neu\nurl: https://x.org\nupdated: 2026-01-01\n"
                                   "---\n\nNeu.\n", encoding="utf-8")
    build_index(kb, settings, real_embedder)
    (current_build_path(settings.index_for()) / "vectors.faiss").write_bytes(b"kaputt")  # the new build is damaged
    holder.reload()
    assert holder.build.build_id == good and "faq-neu" not in holder.build.documents
    assert holder.search("Was kostet ein Reisepass?").top.doc_id == "reisepass-beantragen"
    (current_build_path(settings.index_for()) / "chunks.jsonl").unlink()  # and now missing a file, too
    holder.reload()
    assert holder.search("Hund anmelden").top.doc_id == "hundesteuer-anmelden"


def test_broken_kb_file_keeps_the_previous_page_live(sample_index, real_embedder, tmp_path):
    index_dir, kb = copy_of_sample(sample_index, tmp_path)
    settings = Settings(index_dir=index_dir, kb_dir=kb)
    holder = LiveIndex(settings, real_embedder)
    holder.reload()
    page = kb / "leistungen/reisepass-beantragen.md"
    page.write_text(page.read_text(encoding="utf-8").replace("updated: 2026-10-14", "updated: 14.10.2026"),
                    encoding="utf-8")  # an editor's typo
    report = build_index(kb, settings, real_embedder)
    # The page, and its versions in other languages (whose German page is now broken), stay as they were.
    assert report.kept_previous == ["leistungen/reisepass-beantragen.md",
                                    *sorted(p.relative_to(kb).as_posix() for p in kb.glob("sprachen/*/reisepass-beantragen.md"))]
    holder.reload()
    assert holder.build.translation("reisepass-beantragen", "en").meta.title == "Applying for a passport (Reisepass)"
    hit = holder.search("Was kostet ein Reisepass?").top
    assert hit.doc_id == "reisepass-beantragen" and hit.updated.isoformat() == "2026-10-14"
