"""Which language a message is in, with the conversation's language as the prior."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.i18n import detect
from bot.i18n.detect import message_language
from bot.main import create_app
from tests.bot.conftest import RecordingSink


@pytest.mark.parametrize(("text", "lang"), [
    ("Wie melde ich meine neue Wohnung an?", "de"),
    ("How do I register my new flat in the city?", "en"),
    ("Yeni pasaport için ne kadar ödemem gerekiyor?", "tr"),
    ("Скільки коштує новий закордонний паспорт?", "uk"),
    ("Сколько стоит новый заграничный паспорт?", "ru"),
    ("كم يكلف جواز السفر الجديد في المدينة؟", "ar"),
    ("Ile kosztuje nowy paszport w urzędzie?", "pl"),
    ("Cât costă un pașaport nou la primărie?", "ro"),
    # German terms in another language do not make it German, nor does dialect make German foreign
    ("how do I book a Termin at the Bürgerbüro", "en"),
    ("Griaß di, wos kost a neier Ausweis bei eich?", "de"),
    ("wos is heit fia a wetter?", "de"),  # py3langid: English; as written German ("was ist heute …") German
    ("i need a new passport", "en"),  # "i" alone is no Bavarian sentence
    ("what is the Wohnungsgeberbestätigung and where do I get it", "en"),  # "is", "do": English words too
])
def test_a_message_of_four_or_more_words_gets_its_language(text, lang):
    assert message_language(text, widget="de") == lang
    assert message_language(text, conversation="de") == lang


@pytest.mark.parametrize(("text", "widget"), [
    ("ok", "en"), ("hello", "de"), ("merhaba", "de"), ("Termin", "tr"), ("ja bitte", "pl"), ("thanks", "de"),
])
def test_a_first_short_message_the_detector_is_unsure_of_keeps_the_widgets_language(text, widget):
    assert message_language(text, widget=widget) == widget


@pytest.mark.parametrize(("text", "widget", "lang"), [
    ("ile kosztuje paszport", "de", "pl"), ("radiere mașină", "de", "ro"), ("super, thanks", "de", "en"),
])
def test_a_first_short_message_the_detector_is_sure_of_overrides_the_widgets_guess(text, widget, lang):
    assert message_language(text, widget=widget) == lang


@pytest.mark.parametrize(("text", "prior"), [
    ("ok", "en"), ("danke", "uk"), ("спасибо", "de"), ("شكرا", "en"), ("hello", "ar"), ("merhaba", "de"),
])
def test_a_short_message_never_flips_a_conversations_language(text, prior):
    assert message_language(text, conversation=prior, widget="de") == prior


@pytest.mark.parametrize(("text", "widget", "lang"), [
    ("спасибо", "de", "ru"), ("дякую", "en", "uk"), ("شكرا", "de", "ar"), ("hello", "ar", "en"),
])
def test_a_first_short_message_in_another_script_overrides_the_widgets_guess(text, widget, lang):
    assert message_language(text, widget=widget) == lang


def test_without_a_prior_a_german_site_assumes_german_for_a_word_that_could_be_anything():
    assert message_language("ok") == "de"
    assert message_language("Ich brauche einen Termin") == "de"


def test_leichte_sprache_stays_chosen_for_german_messages_and_yields_to_another_language():
    assert message_language("Wo bekomme ich einen neuen Ausweis?", "de-x-ls") == "de-x-ls"
    assert message_language("Where do I get a new ID card?", "de-x-ls") == "en"
    assert message_language("danke", "de-x-ls") == "de-x-ls"


@pytest.mark.model
def test_the_language_model_is_loaded_at_start_up_not_in_the_first_citizens_turn(knowledge, bot_settings):
    detect._identifier.cache_clear()
    with TestClient(create_app(bot_settings, knowledge=knowledge, sink=RecordingSink())):
        assert detect._identifier.cache_info().currsize == 1  # loaded before any message
