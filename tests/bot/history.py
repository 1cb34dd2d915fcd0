"""A hand-built conversation history for the report tests: written through the real chat and
console services (with a scripted Rasa), then moved to fixed local days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.chat.service import ChatService
from bot.console.service import ConsoleService
from bot.db import repository as repo
from bot.db.models import Conversation, Feedback, Message
from bot.db.session import Database
from bot.events import EventBus
from bot.rasa.client import Intent, RasaTurn
from bot.reply import BotMessage, Button, Kind

BERLIN = ZoneInfo("Europe/Berlin")
DAY1, DAY2 = date(2026, 11, 2), date(2026, 11, 3)


def answer(service: str, lang: str = "de", facets: tuple[str, ...] = ()) -> BotMessage:
    return BotMessage(kind=Kind.ANSWER, text=f"Antwort zu {service}", service_ids=[service], confidence=0.8, lang=lang,
                      facets=list(facets))


def ask_back(*services: str) -> BotMessage:
    return BotMessage(kind=Kind.CLARIFY, text="Meinten Sie …?", service_ids=list(services), confidence=0.3,
                      buttons=[Button(title=s, payload=f'/choose_service{{"service_id":"{s}"}}') for s in services])


DECLINE = BotMessage(kind=Kind.DECLINE, text="Dazu habe ich nichts gefunden.")
# The actions send what they read the question to ask with each message of the turn (Dispatcher.facets).
DECLINE_WHERE = DECLINE.model_copy(update={"facets": ["where"]})
HANDOFF = BotMessage(kind=Kind.HANDOFF, text="Ich verbinde Sie.")


class ScriptedRasa:
    """Rasa's turn channel as a script: text -> (replies, intent). A handoff marks the conversation
    as Rasa's action does (through the handoff sink's store call)."""

    def __init__(self, db: Database, script: dict[str, tuple[list[BotMessage], str]]):
        self.db, self.script = db, script

    def send(self, sender: str, text: str, metadata: dict | None = None) -> RasaTurn:
        replies, intent = self.script[text]
        if any(r.kind == Kind.HANDOFF for r in replies):
            with self.db.session() as s:
                repo.mark_handoff(s, repo.get_conversation(s, sender), staff_available=True)
        return RasaTurn(messages=[{"custom": r.model_dump(mode="json")} for r in replies],
                        intent=Intent(name=intent, confidence=0.9))


@dataclass
class History:
    """What the history holds, as the reports must count it."""

    conversations: dict[str, str] = field(default_factory=dict)  # name -> id


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(ZoneInfo("UTC"))


def build_history(db: Database, staff_user) -> History:  # noqa: ANN001
    """Day 1: A asks the cost of a passport (answered, rated helpful); B is declined, asks for a
    person, waits 10 minutes, is closed. Day 2: C is asked back and chooses a button; D is asked
    back, types something else and is declined; F asks in English (answered, rated unhelpful); E
    opens the widget and writes nothing. Latencies 100, 200, … ms in the order of the turns."""
    script = {
        "Was kostet ein Reisepass?": ([answer("reisepass-beantragen", facets=("cost",))], "ask_service"),
        "Hat das Hallenbad offen?": ([DECLINE], "ask_service"),
        "/request_human": ([HANDOFF], "request_human"),
        "Ausweis weg": ([ask_back("ausweis-verloren", "fuehrerschein-verloren")], "ask_service"),
        '/choose_service{"service_id":"ausweis-verloren"}': ([answer("ausweis-verloren")], "choose_service"),
        "Parkausweis": ([ask_back("bewohnerparkausweis", "halteverbot-umzug")], "ask_service"),
        "Für Handwerker, wo beantrage ich den?": ([DECLINE_WHERE], "ask_service"),
        "How much does a passport cost?": ([answer("reisepass-beantragen", "en", ("cost",))], "ask_service"),
    }
    bus = EventBus()
    chat = ChatService(db, ScriptedRasa(db, script), bus)
    console = ConsoleService(db, bus)
    history = History()

    def talk(name: str, *texts: str, labels: dict[str, str] | None = None) -> str:
        cid = chat.start()
        history.conversations[name] = cid
        for text in texts:
            chat.send(cid, text, label=(labels or {}).get(text))
        return cid

    a = talk("A", "Was kostet ein Reisepass?")
    chat.feedback(a, 2, helpful=True, text=None)
    b = talk("B", "Hat das Hallenbad offen?", "/request_human")
    console.take(b, staff_user)
    console.close(b, "erledigt")
    talk("C", "Ausweis weg", '/choose_service{"service_id":"ausweis-verloren"}',
             labels={'/choose_service{"service_id":"ausweis-verloren"}': "Ausweis verloren"})
    talk("D", "Parkausweis", "Für Handwerker, wo beantrage ich den?")
    f = talk("F", "How much does a passport cost?")
    chat.feedback(f, 2, helpful=False, text="hilft nicht")
    history.conversations["E"] = chat.start()

    # Move everything to its day: each conversation from 10:00, one minute per message.
    days = {"A": DAY1, "B": DAY1, "C": DAY2, "D": DAY2, "E": DAY2, "F": DAY2}
    latency = 100
    with db.session() as s:
        for name, cid in history.conversations.items():
            start = at(days[name], 10)
            s.execute(update(Conversation).where(Conversation.id == cid).values(created_at=start))
            for message in s.scalars(select(Message).where(Message.conversation_id == cid).order_by(Message.seq)):
                message.created_at = start + timedelta(minutes=message.seq)
                if message.outcome is not None:
                    message.latency_ms, latency = float(latency), latency + 100
                for fb in s.scalars(select(Feedback).where(Feedback.message_id == message.id)):
                    fb.created_at = message.created_at + timedelta(seconds=30)
        conversation_b = repo.get_conversation(s, b)
        conversation_b.handoff_at = at(DAY1, 10, 2)
        joined = s.scalars(select(Message).where(Message.conversation_id == b, Message.sender == "system")
                           .order_by(Message.seq)).first()
        joined.created_at = at(DAY1, 10, 12)  # ten minutes after the handoff
        conversation_b.closed_at = at(DAY1, 10, 20)
    return history
