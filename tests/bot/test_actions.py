"""Custom actions against the real retrieval on the sample municipality (no Rasa needed)."""

from __future__ import annotations

import json
import zlib
from datetime import date, datetime

import numpy as np
import pytest
from fastapi.testclient import TestClient

from bot.actions.protocol import Dispatcher, Tracker
from bot.actions.webhook import build_actions
from bot.dialogue.answers import shorten
from bot.live_index import LiveIndex
from bot.main import create_app
from bot.rasa.components import intent_vector
from bot.reply import Kind, Link, Source
from bot.settings import Settings
from retrieval.index.build import build_index
from retrieval.kb.offices import load_offices
from retrieval.model.embedder import INTENT_PROMPT
from tests.bot.conftest import RecordingSink
from tests.conftest import SAMPLE_KB, page

pytestmark = pytest.mark.model
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0)
SUNDAY_11 = datetime(2026, 11, 29, 11, 0)


def tracker(text: str, intent: str = "ask_service", slots: dict | None = None, entities: list | None = None,
            events: list | None = None) -> dict:
    return {"sender_id": "test", "slots": slots or {}, "events": events or [{"event": "user", "text": text}],
            "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}}


def run(actions, name: str, payload: dict):
    dispatcher = Dispatcher()
    events = actions[name].run(dispatcher, Tracker.from_json(payload), {})
    return dispatcher.sent, {e["name"]: e.get("value") for e in events if e["event"] == "slot"}, events


def office_shown(message) -> str | None:
    """The id of the office whose card a message shows (its name in bold), if any."""
    offices, _ = load_offices(SAMPLE_KB)
    return next((o.id for o in offices.values() if f"**{o.name}**" in message.text), None)


def offices_offered(message) -> list[str]:
    """The offices a "Welche Stelle meinen Sie?" message offers, from its buttons."""
    return [json.loads(b.payload[len("/ask_office"):])["office"] for b in message.buttons]


@pytest.fixture
def actions(knowledge, bot_settings):
    sink = RecordingSink()
    registry = build_actions(knowledge, bot_settings, sink)
    registry["_sink"] = sink
    return registry


def test_confident_answer_is_short_with_source_date_office_and_links(actions, at_time):
    at_time(WEDNESDAY_10)
    messages, slots, _ = run(actions, "action_answer_from_kb", tracker("Was kostet ein Reisepass?"))
    (message,) = messages
    text = message.text
    assert text.startswith("**Reisepass beantragen – Kosten:**\n- 70 Euro ab 24 Jahren")
    assert "70 Euro ab 24 Jahren" in text and len(text) < 900
    # Source, date and links are fields of the message, not lines of its text.
    assert message.sources == [Source(url="https://www.musterstadt.example/buergerservice/reisepass",
                                      title="Reisepass beantragen", date=date(2026, 10, 14))]
    assert Link(kind="booking", url="https://termine.musterstadt.example/buergerbuero", title="Termin buchen") in message.links
    assert "Quelle" not in text and "https://" not in text
    assert message.kind == "answer" and message.service_ids[0] == "reisepass-beantragen"
    assert slots["last_service"] == "reisepass-beantragen" and slots["failed_attempts"] == 0


def test_answer_names_office_with_todays_hours(actions, at_time):
    at_time(WEDNESDAY_10)
    messages, _, _ = run(actions, "action_answer_from_kb", tracker("Wie melde ich meinen Hund an?"))
    assert "Zuständig: Steueramt und Stadtkasse, Rathausplatz 1, 12345 Musterstadt – heute 08:30–12:00 Uhr" in messages[0].text
    links = [(link.kind, link.url) for link in messages[0].links]
    # The page's own online service; a nearly as good second page (here "Hund abmelden") may follow
    # as a related link, depending on how close the two score on this CPU.
    assert [link for link in links if link[0] != "related"] == [
        ("online", "https://buergerportal.musterstadt.example/hundesteuer")]
    assert all(url.endswith("hundesteuer-abmelden") for kind, url in links if kind == "related")


def test_holiday_closes_the_office(actions, at_time):
    at_time(datetime(2026, 12, 25, 10, 0))  # Christmas, a Friday
    messages, _, _ = run(actions, "action_answer_from_kb", tracker("Wie melde ich meinen Hund an?"))
    assert "heute geschlossen (Erster Weihnachtstag)" in messages[0].text


@pytest.mark.parametrize(("question", "expected"), [
    ("und was kostet das?", "22,80 Euro unter 24 Jahren"),
    ("brauch ich einen Termin?", "Termin buchen: https://termine.musterstadt.example/buergerbuero"),
    ("geht das auch online?", "Personalausweis"),
    ("was bringe ich da mit?", "bisheriger Personalausweis oder Reisepass"),  # mitbringen, separated
    ("geht das schnell?", "Etwa drei bis vier Wochen"),
    ("wie geht das?", "persönlich"),  # how it is done: the page's overview, not a decline
    ("und was muss ich jetzt tun?", "persönlich"),
])
def test_follow_up_refers_to_last_service(actions, question, expected):
    messages, slots, _ = run(actions, "action_answer_from_kb",
                             tracker(question, slots={"last_service": "personalausweis-beantragen"}))
    assert messages[0].service_ids[0] == "personalausweis-beantragen"
    assert expected in messages[0].text



def test_the_same_answer_is_not_sent_twice_in_a_row_the_bot_offers_staff_instead(actions):
    # The dog tax page has no section on the steps: "wie geht das?" after its overview would repeat it.
    first, slots, _ = run(actions, "action_answer_from_kb", tracker("Ich möchte meinen Hund anmelden"))
    assert first[0].service_ids == ["hundesteuer-anmelden"] and slots["last_answer"]
    again = {"last_service": "hundesteuer-anmelden", "last_answer": slots["last_answer"]}
    messages, slots, _ = run(actions, "action_answer_from_kb", tracker("wie geht das?", slots=again))
    assert [m.kind for m in messages] == [Kind.HANDOFF_OFFER] and slots["handoff_offered"] is True
    assert messages[0].text.startswith("Mehr, als ich eben geschrieben habe, steht dazu nicht auf der Seite.")
    # Another fact of the same page is no repetition
    messages, slots, _ = run(actions, "action_answer_from_kb", tracker("was kostet das?", slots=again))
    assert messages[0].kind == Kind.ANSWER and "Kosten" in messages[0].text
    # In English the German page follows a notice that differs the second time ("again in German"): the same
    said = [{"event": "user", "text": "I want to register my dog", "metadata": {"lang": "en"}}]
    _, slots, _ = run(actions, "action_answer_from_kb", tracker("I want to register my dog", events=said))
    again = {"last_service": "hundesteuer-anmelden", "last_answer": slots["last_answer"]}
    said = [{"event": "user", "text": "how does it work?", "metadata": {"lang": "en"}}]
    messages, _, _ = run(actions, "action_answer_from_kb", tracker("how does it work?", slots=again, events=said))
    assert [m.kind for m in messages] == [Kind.HANDOFF_OFFER]
    assert messages[0].text.startswith("The page says nothing more")


def test_a_follow_up_on_a_fact_the_page_lacks_says_so_with_the_office_not_the_overview_again(actions, at_time):
    at_time(WEDNESDAY_10)
    first, slots, _ = run(actions, "action_answer_from_kb", tracker("Ich möchte meinen Hund anmelden"))
    overview = first[0].text.splitlines()[1]
    again = {"last_service": "hundesteuer-anmelden", "last_answer": slots["last_answer"]}
    messages, _, _ = run(actions, "action_answer_from_kb", tracker("was muss ich mitbringen?", slots=again))
    assert messages[0].text.splitlines() == [
        "**Hund anmelden (Hundesteuer)**", "Welche Unterlagen Sie brauchen, steht auf dieser Seite nicht.",
        "Zuständig: Steueramt und Stadtkasse, Rathausplatz 1, 12345 Musterstadt – heute 08:30–12:00 Uhr, "
        "Tel. 01234 5678-500."]
    assert overview not in messages[0].text
    # Asked first, the same question gets the overview: the citizen has not read it yet.
    fresh, _, _ = run(actions, "action_answer_from_kb", tracker("Was brauche ich, um meinen Hund anzumelden?"))
    assert fresh[0].service_ids == ["hundesteuer-anmelden"] and overview in fresh[0].text


@pytest.mark.parametrize(("question", "first_line"), [
    # The page's first paragraph is on fences; the question names the hedge and the neighbour.
    ("Wie hoch darf die Hecke zum Nachbarn sein?", "Für Hecken gelten die Abstände des Nachbarrechts"),
    ("Farbe und Lack entsorgen, wie geht das?", "Sonderabfälle wie Farben, Lacke"),
    # Nothing rarer than the page's own subject: the page's order stands.
    ("Wie melde ich meinen Hund an?", None),
])
def test_a_general_answer_opens_with_the_paragraph_on_the_questions_own_detail(actions, knowledge, question,
                                                                                first_line):
    messages, _, _ = run(actions, "action_answer_from_kb", tracker(question))
    (message,) = messages
    doc = knowledge.build.documents[message.service_ids[0]]
    lines = message.text.splitlines()
    page_first = plain_first_line(doc.body)
    if first_line is None:
        assert lines[1] == page_first
    else:
        assert lines[1].startswith(first_line) and page_first in message.text  # moved first, the rest still there


def plain_first_line(body: str) -> str:
    return shorten(body.split("\n\n")[0]).splitlines()[0]


@pytest.mark.parametrize(("question", "lang"), [("how much does it cost?", "en"), ("скільки це коштує?", "uk"),
                                                ("ne kadar?", "tr"), ("ne kadar tutar?", "tr")])
def test_follow_ups_in_other_languages_refer_to_the_last_service(actions, question, lang):
    said = [{"event": "user", "text": question, "metadata": {"lang": lang}}]
    messages, _, _ = run(actions, "action_answer_from_kb", tracker(
        question, slots={"last_service": "personalausweis-beantragen"}, events=said))
    assert all(m.service_ids == ["personalausweis-beantragen"] for m in messages)
    assert "22,80" in "\n".join(m.text for m in messages).replace("22.80", "22,80")  # the fee for under 24s

def test_a_fact_only_the_german_page_states_comes_from_it_with_a_notice_in_the_citizens_language(actions):
    question = "ne kadar sürer?"  # "how long does it take?", after the Turkish page on a foreign driving licence
    said = [{"event": "user", "text": question, "metadata": {"lang": "tr"}}]
    notice, german = run(actions, "action_answer_from_kb", tracker(
        question, slots={"last_service": "fuehrerschein-ausland-umschreiben"}, events=said))[0]
    title = "Yabancı ehliyeti Alman ehliyetine çevirme"  # the Turkish version's title
    assert notice.lang == "tr" and notice.text.startswith(f"„{title}“: Bu bilgi yalnızca Almanca sayfada")
    assert german.lang == "de" and "Sechs bis acht Wochen." in german.text
    assert german.buttons[-1].payload == "/request_human"


@pytest.mark.parametrize(("question", "lang", "fees"), [
    ("was kostet ein neuer?", "de", "üblichen Gebühren"),
    ("how much is a new one?", "en", "usual fees"),  # from the page's English version
    ("сколько стоит новый?", "ru", "üblichen Gebühren"),  # no Russian version: the German page
])
def test_asking_what_a_new_one_costs_stays_with_the_service_just_answered(actions, question, lang, fees):
    # "new" is no subject of its own: the search would take it for a new car's registration.
    said = [{"event": "user", "text": question, "metadata": {"lang": lang}}]
    messages, _, _ = run(actions, "action_answer_from_kb", tracker(
        question, slots={"last_service": "ausweis-verloren"}, events=said))
    assert all(m.service_ids == ["ausweis-verloren"] for m in messages)
    assert fees in "\n".join(m.text for m in messages)
    if lang == "ru":  # the page was just answered with the full notice: now a short line names it
        assert messages[0].text.startswith("«") and messages[0].text.endswith("», снова на немецком:")


def test_a_phone_question_as_a_follow_up_shows_the_office_with_its_number(actions, at_time):
    at_time(WEDNESDAY_10)
    messages, _, _ = run(actions, "action_answer_from_kb",
                         tracker("und wie erreiche ich die telefonisch?", slots={"last_service": "hundesteuer-anmelden"}))
    assert messages[0].service_ids[0] == "hundesteuer-anmelden"
    assert "Zuständig: Steueramt und Stadtkasse" in messages[0].text and "Tel. 01234" in messages[0].text


def test_an_office_question_naming_a_service_answers_with_that_services_page(actions, at_time):
    at_time(WEDNESDAY_10)
    messages, slots, _ = run(actions, "action_office_info", tracker(
        "Wo kann ich einen Reisepass beantragen?", intent="ask_office", slots={"last_service": "hundesteuer-anmelden"}))
    assert messages[0].service_ids[0] == "reisepass-beantragen" == slots["last_service"]
    assert "Zuständig: Bürgerbüro" in messages[0].text
    # Unsure which service, and no office to go by: ask back with services, not with a list of offices.
    messages, slots, _ = run(actions, "action_office_info", tracker(
        "Die Nachbarn feiern jeden Abend laut, wen kann ich anrufen?", intent="ask_office"))
    assert messages[0].kind == "clarify"
    assert "laerm-und-stoerungen-melden" in slots["offered_services"]


def test_an_office_question_in_english_naming_a_service_answers_every_facet_asked(actions, at_time):
    # The facets are read from the question's German expansion, as for any service question:
    # "where … and how much" gets the office and the fees, not only the office.
    at_time(WEDNESDAY_10)
    question = "Where can I apply for a passport and how much does it cost?"
    said = [{"event": "user", "text": question, "metadata": {"lang": "en"}}]
    messages, _, _ = run(actions, "action_office_info", tracker(question, intent="ask_office", events=said))
    text = "\n".join(m.text for m in messages)
    assert messages[0].service_ids[0] == "reisepass-beantragen" and messages[0].lang == "en"
    assert "70 euros" in text and "Bürgerbüro" in text


@pytest.mark.parametrize(("question", "family"), [
    ("Was kostet ein Führerschein?", "fuehrerschein"),  # several licence pages: answered or asked back
    ("Was kostet die Hundesteuer?", "hundesteuer"),
])
def test_a_short_question_about_another_service_is_not_a_follow_up(actions, question, family):
    messages, slots, _ = run(actions, "action_answer_from_kb",
                             tracker(question, slots={"last_service": "personalausweis-beantragen"}))
    named = messages[0].service_ids
    assert family in named[0] and "personalausweis-beantragen" not in named


def test_a_follow_up_right_after_asking_back_asks_which_service_is_meant(actions):
    offered = ["faq-ausweis-abgelaufen", "personalausweis-beantragen"]
    messages, slots, _ = run(actions, "action_answer_from_kb", tracker(
        "wie lange dauert das?", slots={"offered_services": offered, "last_service": "hundesteuer-anmelden"}))
    (message,) = messages
    assert message.text == "Zu welcher dieser Leistungen möchten Sie das wissen?"
    assert message.service_ids == offered == slots["offered_services"]
    assert message.buttons[-1].payload == "/none_of_these"
    assert "/request_human" not in [b.payload for b in message.buttons] and slots["failed_attempts"] == 1
    # Asked again without a choice: the same question, and a person offered beside the services.
    messages, slots, _ = run(actions, "action_answer_from_kb", tracker(
        "und was kostet das?", slots={"offered_services": offered, "last_service": "hundesteuer-anmelden",
                                      "failed_attempts": 1.0}))
    assert messages[0].service_ids == offered and slots["failed_attempts"] == 2
    assert [b.payload for b in messages[0].buttons][-2:] == ["/request_human", "/none_of_these"]
    assert messages[0].buttons[-2].title == "Mit einer Person sprechen"
    # The button then answers the question asked before it: how long it takes.
    events = [{"event": "user", "text": "wie lange dauert das?"}, {"event": "user", "text": "/choose_service"}]
    messages, _, _ = run(actions, "action_answer_from_kb", tracker(
        "/choose_service", intent="choose_service", events=events,
        entities=[{"entity": "service_id", "value": "personalausweis-beantragen"}]))
    assert messages[0].service_ids[0] == "personalausweis-beantragen"
    assert "– Dauer und Fristen:**" in messages[0].text.splitlines()[0]  # the facet asked before the buttons
    # The same in Ukrainian: "which of these?" in Ukrainian, not a decline.
    said = [{"event": "user", "text": "скільки це коштує?", "metadata": {"lang": "uk"}}]
    messages, _, _ = run(actions, "action_answer_from_kb", tracker(
        "скільки це коштує?", slots={"offered_services": offered}, events=said))
    assert messages[0].kind == "clarify" and messages[0].lang == "uk" and messages[0].service_ids == offered


def test_unsure_retrieval_asks_back_with_buttons(bot_settings, real_embedder):
    strict = bot_settings.model_copy(update={"answer_threshold": 0.999, "clarify_threshold": 0.0})
    registry = build_actions(LiveIndex(strict, real_embedder), strict, RecordingSink())
    messages, slots, _ = run(registry, "action_answer_from_kb", tracker("Ich brauche eine Urkunde"))
    (message,) = messages
    assert message.text.startswith("Ich bin mir nicht ganz sicher. Meinten Sie")
    payloads = [b.payload for b in message.buttons]
    assert 3 <= len(payloads) <= 4 and payloads[-1] == "/none_of_these"
    assert all(p.startswith('/choose_service{"service_id":"') for p in payloads[:-1])
    assert "urkunden-bestellen" in slots["offered_services"]


def test_one_service_in_two_forms_is_answered_with_the_other_named(write_kb, tmp_path, real_embedder):
    """Unsure between "… (Telefon-Termin)" and "… (Vor-Ort-Termin)" of one service: answer, don't ask."""
    rente = ("Beratung zur Altersrente: wann Sie in Rente gehen können und wie hoch sie ist. {} "
             "Bitte Rentenbescheide mitbringen.")
    kb = write_kb({
        "rente-telefon.md": page("rente-telefon", "Altersrente (Telefon-Termin)", rente.format("Wir rufen Sie an.")),
        "rente-vor-ort.md": page("rente-vor-ort", "Altersrente (Vor-Ort-Termin)", rente.format("Im Beratungszentrum.")),
        "erwerbsminderung.md": page("erwerbsminderung", "Erwerbsminderungsrente (Telefon-Termin)",
                                    "Beratung zur Rente wegen Erwerbsminderung, wenn Sie nicht mehr arbeiten können."),
    })
    settings = Settings(index_dir=tmp_path / "index", kb_dir=kb, answer_threshold=0.999, clarify_threshold=0.0)
    build_index(kb, settings, real_embedder)
    registry = build_actions(LiveIndex(settings, real_embedder), settings, RecordingSink())

    (message,), _, _ = run(registry, "action_answer_from_kb", tracker("Beratung zu meiner Altersrente"))
    assert message.kind == "answer" and message.service_ids[0] in ("rente-telefon", "rente-vor-ort")
    titles = {"rente-telefon": "Altersrente (Telefon-Termin)", "rente-vor-ort": "Altersrente (Vor-Ort-Termin)"}
    other = (set(titles) - {message.service_ids[0]}).pop()
    assert Link(kind="related", url=f"https://example.org/{other}", title=titles[other]) in message.links

    (message,), _, _ = run(registry, "action_answer_from_kb", tracker("Rente wegen Erwerbsminderung"))
    assert message.kind == "clarify"  # different services stay a question


def test_button_answers_directly(actions):
    events = [{"event": "user", "text": "was kostet das standesamt"}, {"event": "user", "text": "/choose_service"}]
    payload = tracker("/choose_service", intent="choose_service", events=events,
                      entities=[{"entity": "service_id", "value": "urkunden-bestellen"}])
    messages, slots, _ = run(actions, "action_answer_from_kb", payload)
    assert messages[0].service_ids[0] == "urkunden-bestellen"
    assert "12 Euro" in messages[0].text  # the facet of the original question (cost)


def test_two_failures_in_a_row_offer_staff(actions):
    first, slots, _ = run(actions, "action_answer_from_kb", tracker("xqzv wbbrt flumm"))
    assert first[0].kind == "decline" and slots["failed_attempts"] == 1
    second, slots, _ = run(actions, "action_answer_from_kb",
                           tracker("xqzv wbbrt flumm zwo", slots={"failed_attempts": 1.0}))
    assert second[0].kind == "handoff_offer"
    assert [b.payload for b in second[0].buttons] == ["/affirm", "/deny"]
    assert slots["handoff_offered"] is True


def test_none_of_these_offers_staff(actions):
    messages, slots, _ = run(actions, "action_none_of_these", tracker("/none_of_these", intent="none_of_these"))
    assert messages[0].kind == "handoff_offer" and slots["failed_attempts"] == 1


def test_handoff_within_office_hours(actions, at_time):
    at_time(WEDNESDAY_10)
    messages, slots, events = run(actions, "action_handoff", tracker("Mensch bitte", intent="request_human"))
    assert "Gleich meldet sich jemand" in messages[0].text
    assert slots["handoff"] is True and not [e for e in events if e["event"] == "followup"]
    assert actions["_sink"].handoffs == [("test", True)]


def test_handoff_outside_hours_says_when_and_opens_contact_form(actions, at_time):
    at_time(SUNDAY_11)
    messages, _, events = run(actions, "action_handoff", tracker("Mensch bitte", intent="request_human"))
    assert "ist morgen ab 08:00 Uhr wieder für Sie da" in messages[0].text
    assert {"event": "followup", "name": "contact_form"} in events
    assert actions["_sink"].handoffs == [("test", False)]


def test_handoff_after_an_answer_names_the_offices_number(actions, at_time):
    at_time(SUNDAY_11)  # "Kann ich da anrufen?" is a wish for a person; the number helps when staff are off
    messages, _, _ = run(actions, "action_handoff", tracker(
        "Kann ich da irgendwo anrufen?", intent="request_human", slots={"last_service": "hundesteuer-anmelden"}))
    assert "erreichen Sie auch direkt: Steueramt und Stadtkasse, Tel. 01234" in messages[0].text
    separated, _, _ = run(actions, "action_handoff", tracker(  # "ruf … an": the verb split in two
        "wen ruf ich an?", intent="request_human", slots={"last_service": "hundesteuer-anmelden"}))
    assert "erreichen Sie auch direkt: Steueramt und Stadtkasse, Tel. 01234" in separated[0].text
    # Only when the citizen asked about calling: after a failed question the last service may be another topic.
    plain, _, _ = run(actions, "action_handoff", tracker(
        "Mensch bitte", intent="request_human", slots={"last_service": "hundesteuer-anmelden"}))
    assert "direkt" not in plain[0].text


def test_next_opening_skips_holidays(actions, at_time):
    at_time(datetime(2026, 12, 24, 20, 0))  # Thursday evening before Christmas
    messages, _, _ = run(actions, "action_handoff", tracker("Mensch bitte", intent="request_human"))
    assert "am Montag, 28.12., ab 08:00 Uhr" in messages[0].text


def test_contact_form_validates_and_submits(actions):
    validate = lambda text, intent="inform": run(actions, "validate_contact_form", tracker(  # noqa: E731
        text, intent=intent, events=[{"event": "user", "text": text}, {"event": "slot", "name": "contact", "value": text}]))
    bad_messages, bad_slots, _ = validate("meine mail ist kaputt")
    assert bad_slots == {"contact": None} and "E-Mail-Adresse oder Telefonnummer" in bad_messages[0].text
    _, good_slots, _ = validate("Max@Example.org")
    assert good_slots == {"contact": "Max@example.org"}
    # A new question instead of a contact ends the form and gets its answer; a mistyped number does not.
    question, question_slots, events = validate("Was kostet ein Reisepass?", intent="ask_service")
    assert {"event": "active_loop", "name": None} in events and question_slots["contact"] is None
    assert question[0].service_ids[0] == "reisepass-beantragen"
    typo, _, typo_events = validate("0151 23", intent="ask_service")
    assert "E-Mail-Adresse oder Telefonnummer" in typo[0].text and {"event": "active_loop", "name": None} not in typo_events
    messages, slots, _ = run(actions, "action_submit_contact", tracker("x", slots={"contact": "Max@example.org"}))
    assert actions["_sink"].contacts == [("test", "Max@example.org")] and slots == {"contact": None}
    assert "löschen sie danach" in messages[0].text


def test_refusing_the_contact_form_is_fine(actions):
    messages, slots, events = run(actions, "validate_contact_form", tracker("nein danke", intent="deny"))
    assert {"event": "active_loop", "name": None} in events and slots["contact"] is None
    assert "Kein Problem" in messages[0].text


def test_office_info(actions, at_time):
    at_time(WEDNESDAY_10)
    messages, _, _ = run(actions, "action_office_info", tracker("Wann hat das Standesamt offen?", intent="ask_office"))
    assert messages[0].text.startswith("**Standesamt Musterstadt**\nRathausplatz 3, 12345 Musterstadt\nHeute 08:30–12:00 Uhr.")
    where, _, _ = run(actions, "action_office_info",
                      tracker("wo genau?", intent="ask_office", slots={"last_service": "fahrzeug-zulassen"}))
    assert office_shown(where[0]) == "strassenverkehrsamt"


def test_where_after_a_page_without_office_names_the_general_enquiries(actions, at_time):
    at_time(WEDNESDAY_10)
    messages, slots, _ = run(actions, "action_office_info", tracker(
        "wo genau?", intent="ask_office", slots={"last_service": "faq-briefwahl"}))
    assert messages[0].text.startswith("Für „Wie beantrage ich Briefwahl?“ ist keine eigene Stelle angegeben.")
    assert office_shown(messages[0]) == "servicecenter" and "Tel. 115" in messages[0].text



def test_office_questions_in_another_language_are_answered_in_it(actions, at_time):
    at_time(WEDNESDAY_10)
    english = [{"event": "user", "text": "and on monday?", "metadata": {"lang": "en"}}]
    messages, _, _ = run(actions, "action_office_info", tracker(
        "and on monday?", intent="ask_office", slots={"last_office": "standesamt"}, events=english))
    assert messages[0].lang == "en" and office_shown(messages[0]) == "standesamt"
    assert " ".join(messages[0].text.splitlines()[2].split()) == "Monday, November 30: 8:30 AM – 12:00 PM."
    # The same when the NLU takes it for a service question: "saturday" is not a topic to search for.
    saturday = [{"event": "user", "text": "and on saturday?", "metadata": {"lang": "en"}}]
    messages, _, _ = run(actions, "action_answer_from_kb", tracker(
        "and on saturday?", slots={"last_office": "standesamt"}, events=saturday))
    assert office_shown(messages[0]) == "standesamt" and messages[0].text.splitlines()[2] == "Saturday, November 28: closed."
    # Several offices of one kind: the question which one is asked in Ukrainian.
    ukrainian = [{"event": "user", "text": "Де Bürgerbüro?", "metadata": {"lang": "uk"}}]
    which, _, _ = run(actions, "action_office_info", tracker("Де Bürgerbüro?", intent="ask_office", events=ukrainian))
    assert which[0].kind == "clarify" and which[0].text == "Яку установу Ви маєте на увазі?" and which[0].lang == "uk"
    assert len(offices_offered(which[0])) > 1

def test_a_question_with_its_own_subject_is_not_taken_for_a_follow_up(actions):
    # The search cannot place it; it names "where" but is not about the dog tax just answered.
    question = "Ich hab einen Strafzettel bekommen, wo kann ich Einspruch einlegen?"
    messages, slots, _ = run(actions, "action_answer_from_kb",
                             tracker(question, slots={"last_service": "hundesteuer-anmelden"}))
    assert messages[0].kind == "decline" and "last_service" not in slots


def test_office_follow_up_stays_with_the_office_just_discussed(actions, at_time):
    at_time(WEDNESDAY_10)
    _, slots, _ = run(actions, "action_office_info", tracker("Wann hat das Standesamt offen?", intent="ask_office"))
    assert slots == {"last_office": "standesamt"}
    # "und am Samstag?" names no office: the one just discussed, not the last service's.
    again, _, _ = run(actions, "action_office_info", tracker(
        "und am Samstag?", intent="ask_office", slots={"last_office": "standesamt", "last_service": "fahrzeug-zulassen"}))
    assert office_shown(again[0]) == "standesamt"
    assert again[0].text.splitlines()[2] == "Am Samstag, 28.11., geschlossen."  # the day asked, not today
    # The same when the NLU takes it for a service question: the search cannot place it.
    monday, _, _ = run(actions, "action_answer_from_kb", tracker("und am Montag?", slots={"last_office": "standesamt"}))
    assert office_shown(monday[0]) == "standesamt"
    assert monday[0].text.splitlines()[2] == "Am Montag, 30.11., 08:30–12:00 Uhr."
    # A facet question the search cannot place is answered with that office (its notes say "mit Termin").
    walk_in, _, _ = run(actions, "action_answer_from_kb", tracker(
        "kann ich da einfach so vorbeikommen?", slots={"last_office": "buergerbuero-mitte"}))
    assert office_shown(walk_in[0]) == "buergerbuero-mitte" and "ohne Termin" in walk_in[0].text
    # A service answer afterwards makes that service's office the one meant.
    _, slots, _ = run(actions, "action_answer_from_kb", tracker("Wie melde ich meinen Hund an?"))
    assert slots["last_office"] is None and slots["last_service"] == "hundesteuer-anmelden"


def test_an_office_name_that_fits_several_offices_asks_which_one(actions, at_time):
    at_time(WEDNESDAY_10)
    both = {"buergerbuero-mitte", "buergerbuero-nord"}
    lookup_word = [{"entity": "office", "value": "Bürgerbüro"}]  # what Rasa's lookup table extracts
    # Musterstadt has two Bürgerbüros; the city's own name does not make the Standesamt a candidate.
    for text in ("Wann hat das Bürgerbüro offen?", "Wann hat das Bürgerbüro in Musterstadt offen?"):
        messages, slots, _ = run(actions, "action_office_info",
                                 tracker(text, intent="ask_office", entities=lookup_word))
        assert messages[0].kind == "clarify" and slots == {}
        assert set(offices_offered(messages[0])) == both
    # A button names its office by id, as Rasa passes it on from the payload.
    payload = messages[0].buttons[1].payload
    assert payload.startswith("/ask_office{")
    assert json.loads(payload[len("/ask_office"):]) == {"office": "buergerbuero-nord"}
    chosen, slots, _ = run(actions, "action_office_info", tracker(
        payload, intent="ask_office", entities=[{"entity": "office", "value": "buergerbuero-nord"}]))
    assert office_shown(chosen[0]) == "buergerbuero-nord" and slots == {"last_office": "buergerbuero-nord"}
    # The full name decides, though the entity is only the lookup word ("Bürgerbüro").
    nord, _, _ = run(actions, "action_office_info", tracker(
        "Wann hat das Bürgerbüro Nord offen?", intent="ask_office", entities=lookup_word))
    assert office_shown(nord[0]) == "buergerbuero-nord"
    # The one just discussed decides too.
    again, _, _ = run(actions, "action_office_info", tracker(
        "Hat das Bürgerbüro am Samstag auf?", intent="ask_office", slots={"last_office": "buergerbuero-nord"}))
    assert office_shown(again[0]) == "buergerbuero-nord"


def test_webhook_protocol(knowledge, bot_settings):
    app = create_app(bot_settings, knowledge=knowledge, sink=RecordingSink())
    with TestClient(app) as client:
        body = {"next_action": "action_answer_from_kb", "sender_id": "s", "tracker": tracker("Was kostet ein Reisepass?"),
                "domain": {}, "version": "3.6.21"}
        assert client.post("/webhook", json=body).status_code == 403  # only Rasa, with the token
        assert client.post("/webhook?token=geraten", json=body).status_code == 403
        webhook = f"/webhook?token={app.state.internal_token}"
        plain = client.post(webhook, json=body)
        assert plain.status_code == 200
        assert plain.json()["responses"][0]["custom"]["service_ids"] == ["reisepass-beantragen"]
        packed = client.post(webhook, content=zlib.compress(json.dumps(body).encode()),
                             headers={"Content-Encoding": "deflate", "Content-Type": "application/json"})
        assert packed.json() == plain.json()
        unknown = client.post(webhook, json={**body, "next_action": "action_gibts_nicht"})
        assert unknown.status_code == 404
        assert client.post("/internal/nlu-embeddings", json={"texts": ["hallo"]}).status_code == 403
        ok = client.post("/internal/nlu-embeddings", json={"texts": ["hallo"]},
                         headers={"X-Internal-Token": app.state.internal_token})
        assert ok.status_code == 200 and len(ok.json()["vectors"][0]) == 768


@pytest.mark.parametrize(("text", "lang"), [("Sperrmüll", "de"), ("bulky waste", "en")])
def test_a_keyword_taken_for_an_insult_is_answered_when_the_search_is_sure(actions, text, lang):
    said = [{"event": "user", "text": text, "metadata": {"lang": lang}}]
    messages, _, _ = run(actions, "action_abuse", tracker(text, intent="abuse", events=said))
    assert messages[0].kind == "answer" and messages[0].service_ids == ["sperrmuell-anmelden"]
    assert any(m.lang == lang for m in messages) and not any(m.kind == "decline" for m in messages)


@pytest.mark.parametrize("text", ["Du dummer Bot", "Ihr seid doch alle unfähig"])
def test_an_insult_gets_the_calm_reply(actions, text):
    (message,), slots, _ = run(actions, "action_abuse", tracker(text, intent="abuse"))
    assert message.kind == "decline" and not message.service_ids and not slots
    assert "bitte bleiben Sie freundlich" in message.text


def test_unsure_nlu_but_person_likely_offers_staff(actions):
    payload = tracker("kann da mal wer schauen", intent="nlu_fallback")
    payload["latest_message"]["intent_ranking"] = [{"name": "nlu_fallback", "confidence": 0.5},
                                                   {"name": "request_human", "confidence": 0.42},
                                                   {"name": "ask_service", "confidence": 0.3}]
    messages, slots, _ = run(actions, "action_answer_from_kb", payload)
    assert messages[0].kind == "handoff_offer" and slots["handoff_offered"] is True


def test_intent_features_use_the_classification_prompt_and_prime_the_search(knowledge):
    """One model run per message: the NLU call also computes (and caches) the search vector."""
    text = "Was kostet ein Perso? Ich bin 30 Jahre alt und wohne in Mustrstadt."
    expanded = knowledge.searcher.expand(text)
    assert "Musterstadt" in expanded  # the cached vector is the corrected question's
    assert knowledge.cache.get(expanded) is None
    intent = knowledge.intent_vectors([text])[0]
    cached = knowledge.cache.get(expanded)
    assert cached is not None
    cosine = lambda a, b: float(a @ b) / float((a @ a) ** 0.5 * (b @ b) ** 0.5)  # noqa: E731
    assert cosine(intent, knowledge.embedder.encode_prompted([(INTENT_PROMPT, text)])[0]) > 0.99
    assert cosine(cached, knowledge.embedder.encode_queries([expanded])[0]) > 0.99
    assert cosine(intent, cached) < 0.98  # two different prompts, not one vector twice
    training = knowledge.intent_vectors([text, "Hallo"])
    assert training.shape == (2, knowledge.embedder.dim) and cosine(training[0], intent) > 0.99


def test_the_intent_vector_travels_with_the_message_and_the_search_reuses_its_model_run(knowledge, monkeypatch):
    """Rasa gets the vector in the message metadata (no call back); the action's search finds its
    vector cached from the same model run."""
    text = "Unser Dackel ist neu bei uns, wo melde ich ihn zur Hundesteuer an?"  # in no other test
    runs = []
    encode = knowledge.embedder.encode_prompted
    monkeypatch.setattr(knowledge.embedder, "encode_prompted", lambda items: runs.append(items) or encode(items))
    metadata = knowledge.message_metadata(text)
    assert [name for name, _ in runs[0]] == [INTENT_PROMPT, "query"]  # intent and search vector at once
    sent = intent_vector.from_metadata(metadata)
    assert sent is not None and np.allclose(sent, encode([(INTENT_PROMPT, text)])[0], atol=1e-6)
    knowledge.search(text)
    assert len(runs) == 1
    assert knowledge.message_metadata("/request_human") == {}  # a button payload: Rasa runs no NLU on it
    assert len(runs) == 1


def test_an_office_question_with_nothing_to_go_by_offers_the_main_offices(actions, at_time):
    at_time(WEDNESDAY_10)
    messages, slots, _ = run(actions, "action_office_info", tracker("Wann hat die Stadtbibliothek offen?",
                                                                     intent="ask_office"))
    offered = offices_offered(messages[0])
    assert messages[0].text == "Welche Stelle meinen Sie?" and slots == {}
    # Most pages name the Bürgerbüro Mitte; one Bürgerbüro is enough; both "Amt für …" are kinds of their own.
    assert offered[0] == "buergerbuero-mitte" and "buergerbuero-nord" not in offered
    assert {"ordnungsamt", "amt-soziales-wohnen", "jugendamt"} <= set(offered) and len(offered) == 8


def test_where_right_after_did_you_mean_asks_which_of_those_services(actions):
    offered = ["personalausweis-beantragen", "ausweis-verloren"]
    messages, _, _ = run(actions, "action_office_info", tracker(
        "wo muss ich da hin?", intent="ask_office", slots={"offered_services": offered,
                                                           "last_service": "hundesteuer-anmelden"}))
    assert messages[0].text == "Zu welcher dieser Leistungen möchten Sie das wissen?"
    assert messages[0].service_ids == offered


@pytest.mark.parametrize("action, intent", [("action_handoff", "request_human"), ("action_office_info", "ask_office"),
                                            ("action_answer_from_kb", "ask_service")])
def test_a_phone_number_asked_after_offices_were_offered_is_answered_with_their_numbers(actions, at_time, action,
                                                                                       intent):
    # Seen in the chat: "und die Telefonnummer?" after "Welche Stelle meinen Sie?" was handed to staff, who were
    # off duty, and the citizen was asked for their own number. Whichever intent NLU picks, the numbers come.
    at_time(SUNDAY_11)
    which, _, _ = run(actions, "action_office_info", tracker(
        "Wann hat das Bürgerbüro offen?", intent="ask_office", entities=[{"entity": "office", "value": "Bürgerbüro"}]))
    events = [{"event": "user", "text": "Wann hat das Bürgerbüro offen?"},
              {"event": "bot", "text": which[0].text, "data": {"custom": which[0].model_dump(mode="json")}},
              {"event": "user", "text": "und die Telefonnummer?"}]
    messages, slots, all_events = run(actions, action, tracker("und die Telefonnummer?", intent=intent, events=events))
    assert [m.kind for m in messages] == ["answer"]
    assert "**Bürgerbüro Mitte**: Tel. 01234 5678-100" in messages[0].text
    assert "**Bürgerbüro Nord**: Tel. 01234 5678-150" in messages[0].text
    assert actions["_sink"].handoffs == [] and {"event": "followup", "name": "contact_form"} not in all_events


def test_a_phone_number_asked_after_an_answer_is_its_offices_and_a_person_asked_for_is_still_a_handoff(actions,
                                                                                                       at_time):
    at_time(SUNDAY_11)
    messages, slots, _ = run(actions, "action_answer_from_kb", tracker(
        "und die Nummer?", slots={"last_service": "hundesteuer-anmelden"}))
    assert messages[0].text == "**Steueramt und Stadtkasse**: Tel. 01234 5678-500 · steueramt@musterstadt.example"
    assert slots["last_office"] == "steueramt"
    # Without anything in context, the city's general number (settings.handoff_office), not a handoff.
    general, _, _ = run(actions, "action_handoff", tracker("Telefonnummer?", intent="request_human"))
    assert general[0].kind == "answer" and "**Bürgertelefon und Chat-Service (Behördennummer 115)**: Tel. 115" in \
        general[0].text
    assert actions["_sink"].handoffs == []
    person, _, _ = run(actions, "action_handoff", tracker(
        "Kann ich da jemanden anrufen?", intent="request_human", slots={"last_service": "hundesteuer-anmelden"}))
    assert person[0].kind == "handoff" and actions["_sink"].handoffs == [("test", False)]


def test_a_short_follow_up_is_searched_behind_the_service_just_discussed(actions):
    # Alone, "und wie melde ich es wieder ab?" could be any deregistration (the search asks back with the
    # car first); after the business registration it is the business. (The example keeps a wide margin
    # to the threshold: "und wieder abmelden?" sat 0.0005 above it and flipped on a CPU without VNNI.)
    alone, _, _ = run(actions, "action_answer_from_kb", tracker("und wie melde ich es wieder ab?"))
    assert alone[0].kind == "clarify" and alone[0].service_ids[0] != "gewerbe-ummelden-abmelden"
    after, slots, _ = run(actions, "action_answer_from_kb", tracker(
        "und wie melde ich es wieder ab?", slots={"last_service": "gewerbe-anmelden"}))
    assert after[0].kind == "answer" and slots["last_service"] == "gewerbe-ummelden-abmelden"
    # The title in front only counts for another service: it would echo the one just discussed
    # ("und wenn wir keinen kriegen?" after the Kita place is not the Kita place again).
    echo, slots, _ = run(actions, "action_answer_from_kb", tracker(
        "und wenn wir keinen kriegen?", slots={"last_service": "kita-platz-anmelden"}))
    assert not (echo[0].kind == "answer" and echo[0].service_ids[:1] == ["kita-platz-anmelden"])


def test_und_die_adresse_after_a_service_is_that_services_office_not_a_new_search(actions, knowledge, at_time,
                                                                                  monkeypatch):
    # "Adresse" alone, searched in Munich, is sure of "Adressänderung Personalausweis, Reisepass, eAT".
    # Here the search is given a question that is sure of another page the same way.
    at_time(WEDNESDAY_10)
    search = knowledge.search
    monkeypatch.setattr(knowledge, "search", lambda text, lang="de": search("Wie melde ich mich nach dem Umzug um?", lang))
    for text in ("und die Adresse?", "Wie ist die Adresse?"):
        messages, _, _ = run(actions, "action_office_info", tracker(
            text, intent="ask_office", slots={"last_service": "hundesteuer-anmelden"}))
        assert messages[0].kind == "answer" and not messages[0].service_ids
        assert office_shown(messages[0]) == "steueramt"
    # With a subject of its own, the office question still answers that service's page.
    messages, _, _ = run(actions, "action_office_info", tracker(
        "Wo melde ich meine neue Adresse an?", intent="ask_office", slots={"last_service": "hundesteuer-anmelden"}))
    assert messages[0].service_ids == ["wohnsitz-anmelden"]


def test_each_message_of_a_turn_carries_what_the_question_asked_for_the_dashboard(actions, at_time):
    at_time(WEDNESDAY_10)
    text = "How much does a passport cost and what do I need?"
    english = [{"event": "user", "text": text, "metadata": {"lang": "en"}}]
    messages, _, _ = run(actions, "action_answer_from_kb", tracker(text, events=english))
    assert [m.facets for m in messages] == [["cost", "documents"]] * len(messages) and len(messages) >= 1
    # the answer to a button is no question of its own
    chosen, _, _ = run(actions, "action_answer_from_kb", tracker(
        '/choose_service{"service_id":"reisepass-beantragen"}', intent="choose_service",
        entities=[{"entity": "service_id", "value": "reisepass-beantragen"}]))
    assert chosen[0].facets == []
