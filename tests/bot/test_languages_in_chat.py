"""Residents who write in other languages, through the real stack (chat service, Rasa, actions,
retrieval): replies in their language, a page's translation where it has one, the German page
with a notice where not, and staff who see the language."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.bot.test_chat_api import login, say, start
from tests.chat_turns import ask
from tests.conftest import add_staff_user

pytestmark = pytest.mark.model
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0)


@pytest.fixture(scope="module")
def staff(stack):
    add_staff_user(stack, "sprachen", "Sprachen", "sprachen-geheim-123")
    client = login(stack, "sprachen")
    yield client
    client.close()


def bot_messages(turn: dict) -> list[dict]:
    return [m for m in turn["messages"] if m["sender"] in ("bot", "system")]


def test_a_short_greeting_keeps_the_german_widgets_language(api):
    cid = start(api)
    assert bot_messages(say(api, cid, "hello"))[0]["lang"] == "de"


def test_an_english_conversation_with_a_translated_page_and_a_handoff(api, stack, staff, clock):
    clock(WEDNESDAY_10)
    cid = start(api)
    greeting = bot_messages(ask(api, cid, "hello", lang="en").body)  # from a browser set to English
    assert [m["lang"] for m in greeting] == ["en"] and greeting[0]["text"].startswith("Hello!")

    turn = say(api, cid, "How do I register my new address after moving here?")
    assert turn["messages"][0]["lang"] == "en"  # the citizen's message, as detected
    reply = bot_messages(turn)
    if reply[0]["kind"] == "clarify":  # asked back: in English, and the right page among the buttons
        assert reply[0]["text"] == "I am not quite sure. Did you mean one of these?"
        assert reply[0]["buttons"][-1]["title"] == "None of these"
        chosen = next(b for b in reply[0]["buttons"] if "wohnsitz-anmelden" in b["payload"])
        reply = bot_messages(say(api, cid, chosen["payload"], chosen["title"]))
    answer = reply[0]
    # The page has an English version: the answer comes from it, with its own source and date.
    assert answer["kind"] == "answer" and answer["lang"] == "en" and answer["service_ids"] == ["wohnsitz-anmelden"]
    assert "two weeks" in answer["text"]
    assert answer["sources"][0]["title"] == "Registering your address (moving to or within Musterstadt)"

    # The asked fact first, from the translation's own heading ("how much" is a cost question).
    reply = bot_messages(say(api, cid, "How much does a new passport cost for an adult?"))
    if reply[0]["kind"] == "clarify":
        chosen = next(b for b in reply[0]["buttons"] if "reisepass-beantragen" in b["payload"])
        reply = bot_messages(say(api, cid, chosen["payload"], chosen["title"]))
    assert reply[0]["lang"] == "en" and "– Fees:**" in reply[0]["text"] and "70 euros" in reply[0]["text"]

    handoff = bot_messages(say(api, cid, "I would like to talk to a person please"))
    assert handoff[-1]["kind"] == "handoff" and handoff[-1]["lang"] == "en"
    assert "member of staff" in handoff[-1]["text"]

    queue = staff.get("/staff/queue/waiting").text
    assert f'/staff/conversations/{cid}" lang="en"' in queue and "Englisch" in queue
    page = staff.get(f"/staff/conversations/{cid}").text
    assert "Die Person schreibt auf <strong>Englisch</strong>" in page


def test_a_ukrainian_conversation_gets_the_german_page_with_a_notice_when_there_is_no_translation(api, stack, staff,
                                                                                                  clock):
    clock(WEDNESDAY_10)
    cid = start(api)
    greeting = bot_messages(say(api, cid, "Добрий день, у мене питання"))
    assert greeting[0]["lang"] == "uk" and greeting[0]["text"].startswith("Вітаю!")

    # "Führungszeugnis" has no Ukrainian version: one sentence in Ukrainian, then the German answer.
    reply = bot_messages(say(api, cid, "Мені потрібна довідка про несудимість (Führungszeugnis) для роботодавця"))
    if reply[0]["kind"] == "clarify":
        assert reply[0]["buttons"][-1]["title"] == "Нічого з цього"
        chosen = next(b for b in reply[0]["buttons"] if "fuehrungszeugnis" in b["payload"])
        reply = bot_messages(say(api, cid, chosen["payload"], chosen["title"]))
    notice, german = reply[0], reply[1]
    assert notice["lang"] == "uk" and "лише німецькою" in notice["text"] and "Führungszeugnis" in notice["text"]
    assert german["lang"] == "de" and german["service_ids"] == ["fuehrungszeugnis"] and german["sources"]
    assert german["buttons"][-1] == {"title": "Поговорити з людиною", "payload": "/request_human", "summary": None}

    # A short German word does not switch the conversation to German.
    thanks = bot_messages(say(api, cid, "danke"))
    assert thanks[0]["lang"] == "uk"

    handoff = bot_messages(say(api, cid, "/request_human", "Поговорити з людиною"))
    assert handoff[-1]["kind"] == "handoff" and handoff[-1]["lang"] == "uk"
    queue = staff.get("/staff/queue/waiting").text
    assert f'/staff/conversations/{cid}" lang="uk"' in queue and "Ukrainisch" in queue


def test_the_chosen_language_holds_and_leichte_sprache_answers_from_its_page(api):
    cid = start(api)
    assert api.put(f"/api/chat/conversations/{cid}/language", json={"lang": "de-x-ls"}).status_code == 204
    reply = bot_messages(say(api, cid, "Wie bekomme ich einen Termin im Bürgerbüro?"))
    if reply[0]["kind"] == "clarify":
        chosen = next(b for b in reply[0]["buttons"] if "faq-termin-buergerbuero" in b["payload"])
        reply = bot_messages(say(api, cid, chosen["payload"], chosen["title"]))
    assert reply[0]["lang"] == "de-x-ls" and "Die Telefon-Nummer ist: 115." in reply[0]["text"]
    assert api.put(f"/api/chat/conversations/{cid}/language", json={"lang": "fr"}).status_code == 422
