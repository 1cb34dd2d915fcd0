"""Multi-turn conversations through the real stack: Rasa 3.6 (own venv) + the chat service.

The chat service runs in this process (a uvicorn thread), so the office clock can be frozen
with monkeypatch even though Rasa calls it over HTTP.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import uuid
from datetime import date, datetime

import pytest

from bot.chat.service import reply_of
from bot.rasa.client import RasaClient, RasaUnavailableError
from bot.rasa.runtime import rasa_env
from bot.reply import BotMessage
from tests.conftest import free_port

pytestmark = pytest.mark.model


class Conversation:
    """A citizen talking to Rasa as the chat service does: each text with its intent vector."""

    def __init__(self, stack):
        self.client, self.sender = stack.client, f"test-{uuid.uuid4().hex}"
        self.knowledge = stack.app_server.app.state.knowledge
        self.intent: str | None = None

    def say(self, text: str) -> list[BotMessage]:
        turn = self.client.send(self.sender, text, self.knowledge.message_metadata(text))
        self.intent = turn.intent.name
        return [reply_of(item) for item in turn.messages]

    @staticmethod
    def text(messages: list[BotMessage]) -> str:
        return "\n".join(m.text for m in messages if m.text)


def office_shown(message: BotMessage) -> str | None:
    """The office whose card a message shows (its name in bold)."""
    names = {"Bürgerbüro Mitte": "buergerbuero-mitte", "Bürgerbüro Nord": "buergerbuero-nord"}
    return next((oid for name, oid in names.items() if f"**{name}**" in message.text), None)


def offices_offered(message: BotMessage) -> set[str]:
    return {json.loads(b.payload[len("/ask_office"):])["office"] for b in message.buttons}


def test_rasa_data_is_valid(stack):
    settings = stack.settings
    result = subprocess.run([str(settings.rasa_venv.resolve() / "bin/rasa"), "data", "validate", "--fail-on-warnings"],
                            cwd=settings.rasa_project.resolve(), capture_output=True, text=True,
                            env=rasa_env(settings, stack.app_url, settings.internal_token))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_rasa_story_tests_pass(stack, tmp_path):
    settings = stack.settings
    project = settings.rasa_project.resolve()
    result = subprocess.run(
        [str(settings.rasa_venv.resolve() / "bin/rasa"), "test", "core", "--model", str(stack.model),
         "--stories", str(project / "tests/test_stories.yml"), "--endpoints", str(project / "endpoints.yml"),
         "--out", str(tmp_path), "--fail-on-prediction-errors"],
        cwd=project, capture_output=True, text=True, env=rasa_env(settings, stack.app_url, settings.internal_token))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_service_question_then_follow_ups(stack):
    chat = Conversation(stack)
    first = chat.say("Was kostet ein Reisepass?")
    assert first[0].service_ids == ["reisepass-beantragen"] and "70 Euro" in chat.text(first)
    assert [(s.url, s.date) for s in first[0].sources] == [
        ("https://www.musterstadt.example/buergerservice/reisepass", date(2026, 10, 14))]
    again = chat.say("und brauch ich einen Termin?")
    assert again[0].service_ids == ["reisepass-beantragen"]
    where = chat.say("wo genau?")
    assert office_shown(where[0]) in ("buergerbuero-mitte", "buergerbuero-nord")


def test_clarification_then_button(stack):
    chat = Conversation(stack)
    asked = chat.say("Führerschein")
    assert asked[0].kind == "clarify" and asked[0].buttons[-1].payload == "/none_of_these"
    chosen = asked[0].service_ids[1]
    assert asked[0].buttons[1].payload == f'/choose_service{{"service_id":"{chosen}"}}'
    answer = chat.say(asked[0].buttons[1].payload)
    assert answer[0].kind == "answer" and answer[0].service_ids == [chosen]


def test_which_office_then_button(stack, clock):
    clock(datetime(2026, 11, 25, 10, 0))
    chat = Conversation(stack)
    asked = chat.say("Wann hat das Bürgerbüro offen?")
    assert offices_offered(asked[0]) == {"buergerbuero-mitte", "buergerbuero-nord"}
    button = next(b for b in asked[0].buttons if b.title == "Bürgerbüro Nord")
    answer = chat.say(button.payload)
    assert office_shown(answer[0]) == "buergerbuero-nord"
    # "und am Samstag?" stays with the office just chosen.
    assert office_shown(chat.say("und am Samstag?")[0]) == "buergerbuero-nord"
    # `eval dialogue` reads the office question as a clarification that names no service.
    from bot.dialogue_eval import run_turn

    turn = run_turn(stack.client, "Wann hat das Bürgerbüro offen?", chat.knowledge.message_metadata)
    assert turn["outcome"] == "clarify" and turn["services"] == []


def test_a_follow_up_with_a_new_detail_through_rasa_and_eval_dialogue(stack):
    from bot.dialogue_eval import run_turn

    chat = Conversation(stack)
    chat.say("Wie beantrage ich einen Personalausweis?")
    stolen = chat.say("und wenn er geklaut wurde?")
    assert stolen[0].kind == "answer" and stolen[0].service_ids[0] == "ausweis-verloren"
    # `eval dialogue` sends a line's `before` messages first, in the same conversation.
    turn = run_turn(stack.client, "und wenn er geklaut wurde?", chat.knowledge.message_metadata,
                    before=["Wie beantrage ich einen Personalausweis?"])
    assert turn["outcome"] == "answer" and turn["services"][0] == "ausweis-verloren"


def test_none_of_these_then_staff(stack, clock):
    clock(datetime(2026, 11, 25, 10, 0))
    chat = Conversation(stack)
    chat.say("Führerschein")
    offer = chat.say("/none_of_these")
    assert offer[0].kind == "handoff_offer"
    handoff = chat.say("ja")
    assert handoff[0].kind == "handoff" and "Gleich meldet sich jemand" in chat.text(handoff)


def test_two_failures_offer_handoff_and_decline_is_respected(stack):
    chat = Conversation(stack)
    assert chat.say("blablub xyz")[0].kind == "decline"
    assert chat.say("qwertz asdf")[0].kind == "handoff_offer"
    declined = chat.say("nein danke")
    assert "andere Frage" in chat.text(declined)
    assert chat.say("Was kostet ein Reisepass?")[0].kind == "answer"


@pytest.mark.parametrize(("text", "kind", "act"), [
    ("Moin!", "smalltalk", "greet"), ("Vielen Dank!", "smalltalk", "thanks"),
    ("Bist du ein Mensch?", "smalltalk", "bot_identity"), ("Erzähl mir einen Witz", "decline", None),
])
def test_smalltalk_and_out_of_scope(stack, text, kind, act):
    chat = Conversation(stack)
    reply = chat.say(text)
    assert reply[0].kind == kind and (act is None or chat.intent == act)


def test_complaint_offers_staff(stack):
    chat = Conversation(stack)
    reply = chat.say("Das ist eine Frechheit, ich will mich beschweren!")
    assert "Das tut mir leid" in chat.text(reply)
    assert any(m.kind == "handoff_offer" for m in reply)
    # `eval dialogue` reads such a turn (apology, then the offer) as a handoff, not as smalltalk.
    from bot.dialogue_eval import run_turn

    assert run_turn(stack.client, "Das ist eine Frechheit, ich will mich beschweren!",
                    chat.knowledge.message_metadata)["outcome"] == "handoff"


def test_out_of_hours_contact_form(stack, clock):
    clock(datetime(2026, 11, 29, 11, 0))  # Sunday
    chat = Conversation(stack)
    closed = chat.say("Ich möchte mit einem Menschen sprechen")
    assert "morgen ab 08:00 Uhr wieder für Sie da" in chat.text(closed)
    assert "E-Mail-Adresse oder Telefonnummer" in chat.text(closed)
    invalid = chat.say("meine Nummer ist 12")
    assert "sieht nicht nach einer E-Mail-Adresse" in chat.text(invalid)
    done = chat.say("max.mustermann@example.org")
    assert "Wir melden uns" in chat.text(done)


def test_out_of_hours_contact_can_be_refused(stack, clock):
    clock(datetime(2026, 11, 29, 11, 0))
    chat = Conversation(stack)
    chat.say("Verbinden Sie mich bitte mit einem Mitarbeiter")
    refused = chat.say("nein")
    assert "Kein Problem" in chat.text(refused)


def test_a_question_during_the_contact_form_is_answered(stack, clock):
    clock(datetime(2026, 11, 29, 11, 0))
    chat = Conversation(stack)
    chat.say("Verbinden Sie mich bitte mit einem Mitarbeiter")
    answer = chat.say("Was kostet ein Reisepass?")
    assert "sieht nicht nach einer E-Mail-Adresse" not in chat.text(answer)
    assert answer[0].service_ids == ["reisepass-beantragen"]
    # The form is over: the next message is a question again, not a contact.
    follow_up = chat.say("und was kostet ein Personalausweis?")
    assert "sieht nicht nach einer E-Mail-Adresse" not in chat.text(follow_up)
    assert chat.say("Was kostet ein Reisepass?")[0].kind == "answer"


def test_rasa_down_fails_fast_with_clear_error():
    closed = RasaClient(f"http://127.0.0.1:{free_port()}", timeout=2.0)
    started = time.monotonic()
    with pytest.raises(RasaUnavailableError, match="antwortet nicht"):
        closed.send("x", "Hallo")
    assert time.monotonic() - started < 3

    silent = socket.socket()  # accepts connections, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    threading.Thread(target=lambda: silent.accept(), daemon=True).start()
    hanging = RasaClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=2.0)
    started = time.monotonic()
    with pytest.raises(RasaUnavailableError):
        hanging.send("x", "Hallo")
    assert time.monotonic() - started < 5
    silent.close()


# Long stories written for the sample town (not in the calibration sets): the need is one sentence
# among others. Through Rasa, NLU and the actions none is declined: each is answered with the right
# page, or asked back with the right page offered first. (The stricter "answered directly" holds
# for one of the four today; docs/benchmarks.md, "Dialog".)
LONG_STORIES = [
    ("Guten Tag, meine Frau und ich sind vor drei Wochen mit den Kindern aus Leipzig hergezogen, die Kisten "
     "sind endlich ausgepackt und die Kinder gehen schon in die neue Schule. Jetzt fällt mir ein, dass wir uns "
     "noch gar nicht umgemeldet haben. Was müssen wir dafür mitbringen?", "wohnsitz-anmelden"),
    ("Hallo, meine Tochter macht nächstes Jahr ein Auslandsjahr in Kanada und die Organisation hat uns gesagt, "
     "dass sie dafür einen Reisepass braucht, bisher hatte sie nur einen Personalausweis. Was kostet so ein Pass "
     "für eine 16-Jährige?", "reisepass-beantragen"),
    ("Wir haben am Wochenende die Wohnung meiner verstorbenen Tante ausgeräumt und stehen jetzt vor einem Berg "
     "aus alten Möbeln, einer Matratze und zwei Teppichen, die niemand mehr haben will. Kann die Stadt das bei "
     "uns abholen?", "sperrmuell-anmelden"),
    ("Ich habe mir nach langem Überlegen einen kleinen Mischlingshund aus dem Tierschutz geholt, er heißt Bruno "
     "und ist zwei Jahre alt und total verschmust. Muss ich ihn bei der Stadt anmelden und Steuern für ihn "
     "bezahlen?", "hundesteuer-anmelden"),
]


@pytest.mark.parametrize(("text", "service"), LONG_STORIES)
def test_a_long_story_is_not_declined(stack, text, service):
    chat = Conversation(stack)
    (reply,) = chat.say(text)
    if reply.kind == "answer":
        assert reply.service_ids == [service]
    else:
        assert reply.kind == "clarify" and reply.service_ids[0] == service
        assert reply.buttons[0].summary  # the button says what the page is about


def test_rasa_checks_action_results_as_before_with_its_validator_built_once(stack):
    """channels/action_result_check.py replaces Rasa's check of the action server's answer: a valid
    answer passes, an invalid one fails with Rasa's own error, and the schema is checked only once."""
    script = """
import jsonschema, channels.turn_channel
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
action = RemoteAction.__new__(RemoteAction)
checked = []
cls = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())
original = cls.check_schema
cls.check_schema = classmethod(lambda c, s: checked.append(1) or original(s))
for _ in range(3):
    assert action._validate_action_result({"events": [{"event": "slot", "name": "lang", "value": "en"}],
                                           "responses": [{"text": "Hello"}]}) is True
print("schema checks", len(checked))
try:
    action._validate_action_result({"events": [{"event": "slot", "name": 3}], "responses": "Hello"})
    raise SystemExit("an invalid answer passed")
except ValidationError as e:
    assert "Failed to validate Action server response" in e.message, e.message
"""
    settings = stack.settings
    result = subprocess.run([str(settings.rasa_venv.resolve() / "bin/python"), "-c", script], capture_output=True,
                            text=True, env=rasa_env(settings, "http://127.0.0.1:9", "t"), timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "schema checks 1"  # once for three answers (Rasa: once per answer)
