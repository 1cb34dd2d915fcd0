"""Multi-turn conversations through the real stack: Rasa 3.6 (own venv) + the chat service.

The chat service runs in this process (a uvicorn thread), so the office clock can be frozen
with monkeypatch even though Rasa calls it over HTTP.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import uuid
from datetime import datetime

import pytest

from bot.rasa_client import RasaClient, RasaUnavailableError
from bot.rasa_runtime import rasa_env
from tests.conftest import free_port

pytestmark = pytest.mark.model


class Conversation:
    def __init__(self, client: RasaClient):
        self.client, self.sender = client, f"test-{uuid.uuid4().hex}"

    def say(self, text: str) -> list[dict]:
        return self.client.send(self.sender, text)

    @staticmethod
    def custom(messages: list[dict]) -> dict:
        return next(m["custom"] for m in messages if m.get("custom"))

    @staticmethod
    def text(messages: list[dict]) -> str:
        return "\n".join(m["text"] for m in messages if m.get("text"))


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
    chat = Conversation(stack.client)
    first = chat.say("Was kostet ein Reisepass?")
    assert chat.custom(first)["service_id"] == "reisepass-beantragen" and "70 Euro" in chat.text(first)
    assert "Quelle: https://www.musterstadt.example/buergerservice/reisepass (Stand: 14.10.2026)" in chat.text(first)
    again = chat.say("und brauch ich einen Termin?")
    assert chat.custom(again)["service_id"] == "reisepass-beantragen"
    where = chat.say("wo genau?")
    assert chat.custom(where)["office_id"] in ("buergerbuero-mitte", "buergerbuero-nord")


def test_clarification_then_button(stack):
    chat = Conversation(stack.client)
    asked = chat.say("Führerschein")
    custom = chat.custom(asked)
    assert custom["kind"] == "clarify"
    buttons = next(m["buttons"] for m in asked if m.get("buttons"))
    assert buttons[-1]["payload"] == "/none_of_these"
    chosen = custom["options"][1]["service_id"]
    answer = chat.say(f'/choose_service{{"service_id":"{chosen}"}}')
    assert chat.custom(answer)["kind"] == "answer" and chat.custom(answer)["service_id"] == chosen


def test_which_office_then_button(stack, clock):
    clock(datetime(2026, 11, 25, 10, 0))
    chat = Conversation(stack.client)
    asked = chat.say("Wann hat das Bürgerbüro offen?")
    assert {o["office_id"] for o in chat.custom(asked)["options"]} == {"buergerbuero-mitte", "buergerbuero-nord"}
    button = next(b for m in asked for b in m.get("buttons") or [] if b["title"] == "Bürgerbüro Nord")
    answer = chat.say(button["payload"])
    assert chat.custom(answer)["office_id"] == "buergerbuero-nord" and "Bürgerbüro Nord" in chat.text(answer)
    # "und am Samstag?" stays with the office just chosen.
    assert chat.custom(chat.say("und am Samstag?"))["office_id"] == "buergerbuero-nord"
    # `eval dialogue` reads the office question as a clarification that names no service.
    from bot.dialogue_eval import run_turn

    turn = run_turn(stack.client, "Wann hat das Bürgerbüro offen?")
    assert turn["outcome"] == "clarify" and turn["services"] == []


def test_none_of_these_then_staff(stack, clock):
    clock(datetime(2026, 11, 25, 10, 0))
    chat = Conversation(stack.client)
    chat.say("Führerschein")
    offer = chat.say("/none_of_these")
    assert chat.custom(offer)["kind"] == "handoff_offer"
    handoff = chat.say("ja")
    assert chat.custom(handoff)["kind"] == "handoff" and "Gleich meldet sich jemand" in chat.text(handoff)


def test_two_failures_offer_handoff_and_decline_is_respected(stack):
    chat = Conversation(stack.client)
    assert chat.custom(chat.say("blablub xyz"))["kind"] == "decline"
    assert chat.custom(chat.say("qwertz asdf"))["kind"] == "handoff_offer"
    declined = chat.say("nein danke")
    assert "andere Frage" in chat.text(declined)
    assert chat.custom(chat.say("Was kostet ein Reisepass?"))["kind"] == "answer"


@pytest.mark.parametrize(("text", "kind", "act"), [
    ("Moin!", "smalltalk", "greet"), ("Vielen Dank!", "smalltalk", "thanks"),
    ("Bist du ein Mensch?", "smalltalk", "bot_identity"), ("Erzähl mir einen Witz", "decline", None),
])
def test_smalltalk_and_out_of_scope(stack, text, kind, act):
    chat = Conversation(stack.client)
    custom = chat.custom(chat.say(text))
    assert custom["kind"] == kind and custom.get("act") == act


def test_complaint_offers_staff(stack):
    chat = Conversation(stack.client)
    reply = chat.say("Das ist eine Frechheit, ich will mich beschweren!")
    assert "Das tut mir leid" in chat.text(reply)
    assert any((m.get("custom") or {}).get("kind") == "handoff_offer" for m in reply)
    # `eval dialogue` reads such a turn (apology, then the offer) as a handoff, not as smalltalk.
    from bot.dialogue_eval import run_turn

    assert run_turn(stack.client, "Das ist eine Frechheit, ich will mich beschweren!")["outcome"] == "handoff"


def test_out_of_hours_contact_form(stack, clock):
    clock(datetime(2026, 11, 29, 11, 0))  # Sunday
    chat = Conversation(stack.client)
    closed = chat.say("Ich möchte mit einem Menschen sprechen")
    assert "morgen ab 08:00 Uhr wieder für Sie da" in chat.text(closed)
    assert "E-Mail-Adresse oder Telefonnummer" in chat.text(closed)
    invalid = chat.say("meine Nummer ist 12")
    assert "sieht nicht nach einer E-Mail-Adresse" in chat.text(invalid)
    done = chat.say("max.mustermann@example.org")
    assert "Wir melden uns" in chat.text(done)


def test_out_of_hours_contact_can_be_refused(stack, clock):
    clock(datetime(2026, 11, 29, 11, 0))
    chat = Conversation(stack.client)
    chat.say("Verbinden Sie mich bitte mit einem Mitarbeiter")
    refused = chat.say("nein")
    assert "Kein Problem" in chat.text(refused)


def test_a_question_during_the_contact_form_is_answered(stack, clock):
    clock(datetime(2026, 11, 29, 11, 0))
    chat = Conversation(stack.client)
    chat.say("Verbinden Sie mich bitte mit einem Mitarbeiter")
    answer = chat.say("Was kostet ein Reisepass?")
    assert "sieht nicht nach einer E-Mail-Adresse" not in chat.text(answer)
    assert chat.custom(answer).get("service_id") == "reisepass-beantragen"
    # The form is over: the next message is a question again, not a contact.
    follow_up = chat.say("und was kostet ein Personalausweis?")
    assert "sieht nicht nach einer E-Mail-Adresse" not in chat.text(follow_up)
    assert chat.custom(chat.say("Was kostet ein Reisepass?"))["kind"] == "answer"


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
    chat = Conversation(stack.client)
    custom = chat.custom(chat.say(text))
    if custom["kind"] == "answer":
        assert custom["service_id"] == service
    else:
        assert custom["kind"] == "clarify" and custom["options"][0]["service_id"] == service
        assert custom["options"][0]["summary"]  # the button says what the page is about
