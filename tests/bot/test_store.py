"""The conversation store on SQLite and on a real PostgreSQL server (127.0.0.1:5432)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import inspect, update

from bot.chat.service import ChatService
from bot.db import repository as repo
from bot.db.models import CallbackContact, Conversation, Message, utcnow
from bot.db.session import Database, alembic_config, migrate
from bot.events import EventBus
from bot.handoff.db_sink import DbHandoffSink
from bot.rasa.client import Intent, RasaTurn, RasaUnavailableError
from bot.reply import BotMessage, Button, Kind, Source


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def db(db_url) -> Database:
    migrate(db_url)
    database = Database(db_url)
    yield database
    database.engine.dispose()


class FakeRasa:
    """Test double for Rasa's turn channel: canned messages, records what it was sent."""

    def __init__(self, replies: list[BotMessage] | None = None, down: bool = False):
        self.sent, self.metadata, self.replies, self.down = [], [], replies or [], down

    def send(self, sender, text, metadata=None):
        if self.down:
            raise RasaUnavailableError("down")
        self.sent.append(text)
        self.metadata.append(metadata)
        return RasaTurn(messages=[{"custom": r.model_dump(mode="json")} for r in self.replies],
                        intent=Intent(name="ask_service", confidence=0.93))


ANSWER = [BotMessage(kind=Kind.ANSWER, text="**Reisepass** – 70 Euro", service_ids=["reisepass-beantragen"],
                     confidence=0.81, sources=[Source(title="Reisepass", url="https://x.org")])]


def test_migrations_upgrade_downgrade_upgrade(db_url):
    migrate(db_url)
    migrate(db_url)  # idempotent
    database = Database(db_url)
    tables = set(inspect(database.engine).get_table_names())
    assert {"conversations", "messages", "feedback", "callback_contacts", "staff_users", "alembic_version"} <= tables
    command.downgrade(alembic_config(db_url), "base")
    assert "messages" not in inspect(database.engine).get_table_names()
    migrate(db_url)
    assert "messages" in inspect(database.engine).get_table_names()
    database.engine.dispose()


def test_each_text_is_prepared_just_before_rasa_sees_it(db):
    calls = []

    class RecordingRasa(FakeRasa):
        def send(self, sender, text, metadata=None):
            calls.append(("rasa", text, metadata))
            return super().send(sender, text, metadata)

    chat = ChatService(db, RecordingRasa(ANSWER), EventBus(),
                       prepare=lambda text, lang: calls.append(("prepare", text)) or {"intent_vector": "AAAAAA=="})
    chat.send(chat.start(), "Tel. 0151 23456789 – was kostet ein Reisepass?")
    masked = "Tel. [Telefon] – was kostet ein Reisepass?"
    assert calls == [("prepare", masked), ("rasa", masked, {"intent_vector": "AAAAAA==", "lang": "de"})]


def test_turn_is_stored_masked_with_metadata(db):
    rasa = FakeRasa(ANSWER)
    chat = ChatService(db, rasa, EventBus())
    cid = chat.start()
    replies = chat.send(cid, "Ich heiße Anna Schmidt, Tel. 0151 23456789 – was kostet ein Reisepass?")
    assert rasa.sent == ["Ich heiße [Name], Tel. [Telefon] – was kostet ein Reisepass?"]  # Rasa never sees it either
    assert [m.sender for m in replies] == ["citizen", "bot"]
    with db.session() as s:
        citizen, bot = repo.messages_after(s, cid, 0)
        assert citizen.text == "Ich heiße [Name], Tel. [Telefon] – was kostet ein Reisepass?"
        assert (bot.seq, bot.intent, bot.intent_confidence, bot.outcome, bot.confidence) == (2, "ask_service", 0.93, "answer", 0.81)
        assert bot.retrieved == ["reisepass-beantragen"] and bot.latency_ms is not None
        assert bot.payload["sources"][0]["url"] == "https://x.org"


NUMERIC_ID_BUTTONS = [BotMessage(kind=Kind.CLARIFY, text="Meinten Sie eines davon?", service_ids=["1063453", "1078323"],
                                 buttons=[Button(title="Reisepass", payload='/choose_service{"service_id":"1063453"}'),
                                          Button(title="Zweitpass", payload='/choose_service{"service_id":"1078323"}')])]


def test_a_clicked_button_reaches_rasa_as_offered_even_with_a_numeric_id(db):
    """DLDB catalogues number their services ("1063453"): masking took such an id for a phone
    number, and every "Meinten Sie …?" click was searched as "[Telefon]" and declined."""
    rasa = FakeRasa(NUMERIC_ID_BUTTONS)
    chat = ChatService(db, rasa, EventBus())
    cid = chat.start()
    chat.send(cid, "Wie lange ist ein Reisepass gültig?")
    chat.send(cid, '/choose_service{"service_id":"1078323"}', "Zweitpass")  # an older button still works
    chat.send(cid, '/choose_service{"service_id":"1063453"}', "Reisepass")
    assert rasa.sent[1:] == ['/choose_service{"service_id":"1078323"}', '/choose_service{"service_id":"1063453"}']
    # A command the bot never offered is hostile input like any text: masked.
    chat.send(cid, '/choose_service{"service_id":"0151 23456789"}', "Reisepass")
    assert rasa.sent[-1] == '/choose_service{"service_id":"[Telefon]"}'
    with db.session() as s:
        assert [m.text for m in repo.messages_after(s, cid, 0) if m.sender == "citizen"][1:] == ["Zweitpass", "Reisepass",
                                                                                                 "Reisepass"]


def test_handoff_routes_to_staff_until_handed_back(db):
    rasa, bus = FakeRasa(ANSWER), EventBus()
    chat = ChatService(db, rasa, bus)
    cid = chat.start()
    DbHandoffSink(db, bus).handoff_requested(cid, staff_available=True)
    assert chat.status(cid) == "waiting"
    assert [m.sender for m in chat.send(cid, "Hallo, ist jemand da?")] == ["citizen"] and rasa.sent == []
    with db.session() as s:
        conversation = repo.get_conversation(s, cid)
        user = repo.create_user(s, "erika", "Erika M.", "x", "staff")
        repo.take_over(s, conversation, user)
        repo.add_message(s, conversation, "staff", "Guten Tag, hier Erika vom Bürgerservice.", staff_user_id=user.id)
        repo.hand_back(s, conversation)
    chat.send(cid, "Was kostet ein Reisepass?")
    assert rasa.sent == ["Was kostet ein Reisepass?"]
    senders = [m.sender for m in chat.messages(cid)]
    assert senders == ["citizen", "staff", "citizen", "bot"]


def test_callback_contact_kept_apart_and_deleted_on_close(db):
    ask = [BotMessage(kind=Kind.CONTACT_FORM, text="Möchten Sie eine E-Mail-Adresse …?")]
    rasa = FakeRasa(ask)
    chat = ChatService(db, rasa, EventBus())
    cid = chat.start()
    chat.send(cid, "Mensch bitte")
    rasa.replies = [BotMessage(kind=Kind.HANDOFF, text="Danke!")]
    chat.send(cid, "max.mustermann@example.org")
    assert rasa.sent[-1] == "KONTAKT-ANGEGEBEN"
    with db.session() as s:
        assert s.get(CallbackContact, cid).contact == "max.mustermann@example.org"
        texts = [m.text for m in repo.messages_after(s, cid, 0)]
        assert "max.mustermann@example.org" not in " ".join(texts)
        repo.close(s, repo.get_conversation(s, cid), "erledigt")
    with db.session() as s:
        assert s.get(CallbackContact, cid) is None
        assert repo.get_conversation(s, cid).close_reason == "erledigt"


def test_rasa_down_gives_apology_and_staff_button(db):
    chat = ChatService(db, FakeRasa(down=True), EventBus())
    cid = chat.start()
    citizen, reply = chat.send(cid, "Was kostet ein Reisepass?")
    assert reply.payload["kind"] == "error" and "nicht erreichbar" in reply.text
    assert reply.payload["buttons"] == [{"title": "Mit einer Person sprechen", "payload": "/request_human", "summary": None}]
    chat.send(cid, "/request_human")
    assert chat.status(cid) == "waiting"


def test_feedback_retention_and_delete(db):
    rasa = FakeRasa([BotMessage(kind=Kind.DECLINE, text="Dazu weiß ich nichts.")])
    chat = ChatService(db, rasa, EventBus())
    old, recent = chat.start(), chat.start()
    for cid in (old, recent):
        chat.send(cid, "Wo  bekomme ich einen Angelschein?")
    chat.send(recent, "wo bekomme ich einen angelschein?")
    chat.feedback(recent, 2, helpful=False, text="Meine Mail ist a@b.de")
    with db.session() as s:
        assert repo.messages_after(s, recent, 1)[0].feedback[0].text == "Meine Mail ist [E-Mail]"
        s.execute(update(Conversation).where(Conversation.id == old).values(updated_at=utcnow() - timedelta(days=31)))
    with db.session() as s:
        assert repo.delete_older_than(s, 30) == 1
    with db.session() as s:
        assert repo.get_conversation(s, old) is None and repo.get_conversation(s, recent) is not None
        assert s.query(Message).filter(Message.conversation_id == old).count() == 0
    chat.delete(recent)
    with db.session() as s:
        assert s.query(Message).count() == 0


def test_old_payloads_are_rewritten_to_the_reply_contract(db_url):
    """Migration 0002: messages stored before the contract are readable through the API's model."""
    from bot.chat.schemas import MessageOut

    command.upgrade(alembic_config(db_url), "0001")
    database = Database(db_url)
    old = {"kind": "answer", "service_id": "reisepass-beantragen", "confidence": 0.8,
           "sources": [{"title": "Reisepass", "url": "https://x.org/pass", "updated": "2026-10-14"}],
           "links": {"booking": "https://x.org/termin"}, "see_also": [{"title": "Perso", "url": "https://x.org/p"}],
           "buttons": [], "facets": ["cost"]}
    cid, now = "alt", datetime.now(UTC)
    with database.engine.begin() as connection:  # the tables as revision 0001 made them, not today's models
        connection.execute(sa.text("INSERT INTO conversations (id, created_at, updated_at, status, last_seq) "
                                   "VALUES (:id, :now, :now, 'bot', 3)"), {"id": cid, "now": now})
        for seq, (sender, text, payload) in enumerate([
                ("bot", "**Reisepass** …\nQuelle: https://x.org/pass", old),
                ("bot", "Rückruf?", {"kind": "handoff", "ask_contact": True}),
                ("citizen", "Was kostet ein Pass?", {})], start=1):
            connection.execute(sa.text("INSERT INTO messages (conversation_id, seq, created_at, sender, text, payload) "
                                       "VALUES (:cid, :seq, :now, :sender, :text, :payload)"),
                               {"cid": cid, "seq": seq, "now": now, "sender": sender, "text": text,
                                "payload": json.dumps(payload)})
    migrate(db_url)
    with database.session() as s:
        answer, contact, citizen = (MessageOut.of(m) for m in repo.messages_after(s, cid, 0))
    assert answer.kind == "answer" and answer.service_ids == ["reisepass-beantragen"] and answer.confidence == 0.8
    assert [(x.url, x.date.isoformat()) for x in answer.sources] == [("https://x.org/pass", "2026-10-14")]
    assert [(link.kind, link.url) for link in answer.links] == [("booking", "https://x.org/termin"), ("related", "https://x.org/p")]
    assert contact.kind == "contact_form" and citizen.kind is None
    database.engine.dispose()
