"""Personal data is masked before anything is stored, logged or sent to Rasa."""

from __future__ import annotations

import pytest

from bot.privacy import mask_pii


@pytest.mark.parametrize(("text", "expected"), [
    ("Schreiben Sie mir an max.mustermann@web.de bitte", "Schreiben Sie mir an [E-Mail] bitte"),
    ("Meine Nummer: 0151 23456789", "Meine Nummer: [Telefon]"),
    ("ruf an unter +49 (30) 1234567!", "ruf an unter [Telefon]!"),
    ("Festnetz 089/233-96000 tagsüber", "Festnetz [Telefon] tagsüber"),
    ("IBAN DE89 3704 0044 0532 0130 00 für die Erstattung", "IBAN [IBAN] für die Erstattung"),
    ("überweist auf DE12500105170648489890", "überweist auf [IBAN]"),
    ("Meine Steuer-ID ist 86095742719", "Meine Steuer-ID ist [Steuer-ID]"),
    ("steuerliche Identifikationsnummer 12 345 678 901", "steuerliche Identifikationsnummer [Steuer-ID]"),
    ("Ausweisnummer L01X00T47 ist gestohlen", "Ausweisnummer [Ausweisnummer] ist gestohlen"),
    ("meine Passnummer lautet C4J7NL0GZ", "meine Passnummer lautet [Ausweisnummer]"),
    ("Hallo, ich heiße Anna Schmidt und brauche einen Pass", "Hallo, ich heiße [Name] und brauche einen Pass"),
    ("Mein Name ist Jürgen Müller-Lüdenscheidt.", "Mein Name ist [Name]."),
    ("Guten Tag, hier spricht Frau Yılmaz", "Guten Tag, hier spricht [Name]"),
    ("Danke für die Hilfe. Viele Grüße Petra Meier", "Danke für die Hilfe. Viele Grüße [Name]"),
    ("Ich wohne in der Lindenstraße 12a, 12345 Musterstadt", "Ich wohne in der [Adresse]"),
    ("Sperrmüll bitte am Hauptweg 3 abholen", "Sperrmüll bitte am [Adresse] abholen"),
    ("Wir sind Am Stadtpark 7 umgezogen", "Wir sind [Adresse] umgezogen"),
])
def test_personal_data_is_masked(text, expected):
    assert mask_pii(text) == expected


@pytest.mark.parametrize("text", [
    "Was kostet ein Reisepass für 2 Kinder?",
    "Der Personalausweis kostet 37 Euro, gültig 10 Jahre.",
    "Ich bin umgezogen und brauche eine Meldebescheinigung",
    "Wann hat das Bürgerbüro am Samstag offen?",
    "Hundesteuer 2026 für 3 Hunde",
    "Bauantrag für 120 Quadratmeter",
])
def test_ordinary_questions_stay_intact(text):
    assert mask_pii(text) == text


def test_eval_dialogue_sends_the_masked_text_as_the_chat_service_does():
    from bot.dialogue_eval import run_turn
    from bot.rasa.client import Intent, RasaTurn

    class RecordingClient:
        def __init__(self) -> None:
            self.sent: list[str] = []

        def send(self, sender, text, metadata=None):
            self.sent.append(text)
            return RasaTurn(messages=[], intent=Intent(name="ask_service", confidence=0.9))

    client = RecordingClient()
    run_turn(client, "Was kostet ein Reisepass? Tel. 0151 23456789", before=["Ich heiße Anna Schmidt."])
    assert client.sent == ["Ich heiße [Name].", "Was kostet ein Reisepass? Tel. [Telefon]"]
