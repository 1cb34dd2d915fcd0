"""What a question asks about, and whether it only follows up on the service discussed before."""

from __future__ import annotations

import pytest

from bot.dialogue.facets import asks_only_for_contact_details, facets_asked, facets_of, is_follow_up, topic_words
from retrieval.search.expansion import DEFAULT_LEXICON, MULTILINGUAL_LEXICON, expand_query, load_lexicon


@pytest.mark.parametrize(("question", "facets", "topic", "follow_up"), [
    ("und was kostet das?", ["cost"], [], True),
    ("was brauche ich dafür?", ["documents"], [], True),
    ("was brauch i dafür", ["documents"], [], True),  # Bavarian "i"
    ("was brauch i do ois?", ["documents"], [], True),  # Bavarian "da alles"
    ("Wie viel muss ich blechen?", ["cost"], [], True),
    ("Muss ich da hin?", ["online"], [], True),  # in person, or is there another way?
    ("Welches Amt ist zuständig?", ["where"], [], True),
    ("Gibt es eine E-Mail-Adresse?", ["contact"], [], True),  # neither "online" nor a street address
    ("Wie ist die Adresse?", ["where"], [], True),  # after a service: where it is done, not a new search
    ("und die Adresse?", ["where"], [], True),
    ("Wos zoid ma dafür?", ["cost"], [], True),  # Bavarian "was zahlt man"
    ("wos muas i do zoin?", ["cost"], [], True),  # Bavarian "was muss ich da zahlen"
    ("Was muss ich vorlegen?", ["documents"], [], True),
    ("Wann ist die Grundsteuer fällig?", ["deadline"], ["grundsteuer"], True),
    ("Wie ändere ich die Adresse im Fahrzeugschein?", [], ["adresse", "fahrzeugschein"], False),  # the subject
    ("Wen kann ich da fragen?", ["contact"], ["fragen"], True),
    ("was brauch ich da alles?", ["documents"], [], True),
    ("was bringe ich da mit?", ["documents"], [], True),  # separated verb: mitbringen
    ("was kostet ein neuer?", ["cost"], [], True),  # "neu" names no service of its own
    ("Brauch ich da nen Termin?", ["appointment"], [], True),  # "nen" is spoken "einen"
    ("geht das schnell?", ["deadline"], [], True),
    ("Wie schnell bekomme ich einen Reisepass?", ["deadline"], ["reisepass"], True),  # the search decides
    ("Was nehme ich zum Termin mit?", ["documents", "appointment"], [], True),
    ("wie lange dauert das", ["deadline"], [], True),
    ("kann ich den auch online beantragen?", ["online"], [], True),
    ("Ich will ein Gewerbe für meinen Onlineshop anmelden", [], ["gewerbe", "onlineshop", "anmelden"], False),
    ("muss ich da persönlich hin?", ["online"], [], True),  # in person or not: the online facet
    ("Kann ich das auch vor Ort erledigen?", ["online"], [], True),
    ("muss ich persönlich vorbeikommen?", ["online", "appointment"], [], True),
    ("was brauche ich fürs Auto?", ["documents"], ["auto"], True),  # "fürs" is "für das"
    # a yes-or-no question for a service, not for the documents of one
    ("Brauch ich für mein Wohnmobil ein Saisonkennzeichen?", [], ["wohnmobil", "saisonkennzeichen"], False),
    ("Brauch ich dafür einen Termin?", ["appointment"], [], True),
    ("und was kost des?", ["cost"], [], True),  # Bavarian: a facet word in any spelling names no subject
    ("wos kost des?", ["cost"], [], True),  # "wos" is "was" (retrieval/search/lexicon/mundart.yaml), no subject
    ("wie viel Zeit hab ich dafür?", ["deadline"], [], True),
    ("Was kostet ein Personalausweis?", ["cost"], ["personalausweis"], True),  # the search decides
    ("Ich möchte meinen Hund anmelden", [], ["hund", "anmelden"], False),
    ("und wen kann ich da anrufen?", ["contact"], [], True),
    ("wen ruf ich an?", ["contact"], [], True),  # "ruf … an": a verb form the lemma table lacks
    ("unter welcher Nummer erreiche ich die?", ["contact"], [], True),
    ("Wann erreicht mein Kind das Alter für einen eigenen Ausweis?", [], ["kind", "alt", "ausweis"],
     False),  # "erreicht" is not a phone call
])
def test_facets_topics_and_follow_ups(question, facets, topic, follow_up):
    assert facets_of(question) == facets
    assert topic_words(question) == topic
    assert is_follow_up(question) is follow_up


def test_a_dialect_question_asks_its_facet_as_written_german():
    # "wie lang habe ich Zeit?" (retrieval/search/lexicon/mundart.yaml); facets_of reads written German only
    facets = facets_asked("wia lang hob i zeit?", "de", expand=lambda text, lang: text)
    assert facets == ["deadline"] and facets_of("wia lang hob i zeit?") == []
    assert is_follow_up("wia lang hob i zeit?", "de", None, facets)  # as the action asks it


def test_a_long_question_is_never_a_follow_up():
    question = "Wir ziehen nächsten Monat um und ich weiß nicht, welche Unterlagen ich brauche"
    assert facets_of(question) == ["documents"] and not is_follow_up(question)


LEXICON = load_lexicon(DEFAULT_LEXICON, MULTILINGUAL_LEXICON)


@pytest.mark.parametrize(("question", "lang", "topic", "follow_up"), [
    ("how much does it cost?", "en", [], True),  # stop words and the facet's own words are no topic
    ("can I do it online?", "en", [], True),
    ("how much is a passport?", "en", ["passport"], True),  # as in German, the search decides
    ("I want to register my car", "en", ["want", "register", "car"], False),
    ("скільки коштує паспорт?", "uk", ["паспорт"], True),
    ("ne kadar?", "tr", [], True),
    ("ile to kosztuje?", "pl", [], True),
    ("كم يكلف ذلك؟", "ar", [], True),
    ("كم التكلفة؟", "ar", [], True),  # the entry "تكلفة" with the article written onto it
    ("які документи потрібні?", "uk", [], True),  # "потрібні" (needed) fits any service
    ("ما هي الأوراق المطلوبة؟", "ar", [], True),
    ("where do I have to go for that?", "en", [], True),
    ("куди мені для цього йти?", "uk", [], True),
    ("how much is a new one?", "en", [], True),
    ("сколько стоит новый?", "ru", [], True),
    ("что мне нужно?", "ru", [], True),  # documents, with a pronoun between the words
    ("ماذا أحتاج؟", "ar", [], True),
    ("how fast is it?", "en", [], True),  # the duration, like "geht das schnell?"
    ("jak szybko to idzie?", "pl", [], True),
    # "in person?" asks whether it works without going there, as "persönlich" does in German
    ("do I have to go there in person?", "en", [], True),
    ("şahsen gitmem gerekiyor mu?", "tr", [], True),
    ("чи треба йти особисто?", "uk", [], True),
    ("нужно идти лично?", "ru", [], True),
    ("هل يجب أن أذهب شخصياً؟", "ar", [], True),
    # the usual follow-ups after an answer, in each language
    ("is it free?", "en", [], True),
    ("what should I bring?", "en", [], True),
    ("ne kadar sürüyor?", "tr", [], True),  # how long, not "ne kadar" (how much)
    ("yanımda ne getirmeliyim?", "tr", [], True),
    ("коли буде готово?", "uk", [], True),
    ("як з ними зв'язатися?", "uk", [], True),
    ("какая пошлина?", "ru", [], True),
    ("нужна ли запись на приём?", "ru", [], True),
    ("czy to jest bezpłatne?", "pl", [], True),
    ("ile to trwa?", "pl", [], True),
    ("unde trebuie să merg?", "ro", [], True),
    ("ce trebuie să aduc?", "ro", [], True),
    ("متى يكون جاهزا؟", "ar", [], True),
    ("هل يمكنني القيام بذلك عبر الإنترنت؟", "ar", [], True),
])
def test_follow_ups_in_other_languages(question, lang, topic, follow_up):
    facets = facets_of(expand_query(question, LEXICON))
    assert topic_words(question, lang, LEXICON) == topic
    assert is_follow_up(question, lang, LEXICON, facets) is follow_up


@pytest.mark.parametrize(("question", "facet"), [
    ("ne kadar sürüyor?", "deadline"),  # "ne kadar" alone asks the price
    ("ne kadar tutar?", "cost"),
    ("який термін?", "deadline"),  # Ukrainian "термін" is a period, not an appointment ("запис")
    ("чи потрібен запис на прийом?", "appointment"),
    ("كم التكلفة؟", "cost"),
])
def test_the_facet_of_a_follow_up_in_another_language(question, facet):
    assert facets_of(expand_query(question, LEXICON)) == [facet]


@pytest.mark.parametrize(("question", "lang", "facet", "term"), [
    ("care este adresa?", "ro", "where", "Adresse"), ("ما هو العنوان؟", "ar", "where", "Adresse"),
    ("яка адреса?", "uk", "where", "Adresse"), ("adresi ne?", "tr", "where", "Adresse"),
    ("чи потрібен запис?", "uk", "appointment", "Termin"), ("нужна ли запись?", "ru", "appointment", "Termin"),
])
def test_some_facet_words_of_other_languages_are_read_without_changing_the_search(question, lang, facet, term):
    facets = facets_asked(question, lang, lambda text, _lang: expand_query(text, LEXICON))
    assert facets == [facet] and is_follow_up(question, lang, LEXICON, facets)
    # as search terms they would pull other pages: the address change above "register my address"
    assert term not in expand_query(question, LEXICON)


@pytest.mark.parametrize(("question", "facets"), [
    ("Wie lange ist der Reisepass gültig?", ["validity"]),  # not how long it takes ("wie lange")
    ("wie lange gilt der?", ["validity"]),
    ("Bis wann gilt mein Parkausweis?", ["validity"]),
    ("Ist mein Ausweis noch gültig?", ["validity"]),
    ("wia lang is der perso gültig", ["validity"]),
    ("Wie lange dauert es und wie lange ist er gültig?", ["deadline", "validity"]),
    ("wie lange dauert das?", ["deadline"]),
    ("Ich brauche einen gültigen Ausweis, was kostet das?", ["cost"]),  # a valid ID is a condition, not the question
    ("Mein Pass ist abgelaufen, was tun?", []),
])
def test_how_long_something_stays_valid_is_its_own_facet(question, facets):
    assert facets_of(question) == facets
    assert not {"gultig", "gelten", "gilt"} & set(topic_words(question))


@pytest.mark.parametrize(("question", "lang"), [
    ("how long is my passport valid?", "en"), ("pasaportum ne kadar süre geçerli?", "tr"),
    ("скільки дійсний паспорт?", "uk"), ("jak długo jest ważny dowód?", "pl"), ("cât timp este valabil pașaportul?", "ro"),
])
def test_validity_in_another_language_is_not_the_processing_time(question, lang):
    facets = facets_asked(question, lang, lambda text, _lang: expand_query(text, LEXICON))
    assert facets == ["validity"]


def test_in_a_longer_question_in_another_language_the_address_is_the_subject():
    question = "vreau să mă înregistrez la noua adresă, m-am mutat"  # "I want to register at my new address"
    assert facets_asked(question, "ro", lambda text, _lang: expand_query(text, LEXICON)) == []


@pytest.mark.parametrize(("question", "lang", "facets"), [
    ("was muss ich da machen?", "de", ["procedure"]), ("wie geht das?", "de", ["procedure"]),
    ("wie läuft das ab?", "de", ["procedure"]), ("Was kostet das und wie geht das?", "de", ["cost", "procedure"]),
    ("wie geht es Ihnen?", "de", []),  # small talk, no question about a service
    ("mein Ausweis läuft bald ab, brauche ich einen neuen?", "de", []),  # it expires: no question of steps
    ("Wie ist der Ablauf bei der Anmeldung?", "de", ["procedure"]),
    ("what do I need to do?", "en", ["procedure"]), ("how does it work?", "en", ["procedure"]),
    ("ne yapmam lazım?", "tr", ["procedure"]), ("що мені потрібно зробити?", "uk", ["procedure"]),
    ("что мне нужно сделать?", "ru", ["procedure"]), ("co potrzebuję zrobić?", "pl", ["procedure"]),
    ("ماذا أحتاج أن أفعل؟", "ar", ["procedure"]),
    # Without a verb of doing, or with the documents named, the documents stay asked.
    ("what do I need?", "en", ["documents"]), ("ne lazım?", "tr", ["documents"]),
    ("I do not have a passport, what do I need?", "en", ["documents"]),
    ("hangi belgeler lazım, ne yapmam lazım?", "tr", ["documents", "procedure"]),
    ("how much is it and what do I need to do?", "en", ["cost", "procedure"]),
])
def test_what_to_do_asks_the_procedure_not_the_documents(question, lang, facets):
    """"was muss ich tun?", in any language: how it is done, not the page's list of documents."""
    assert facets_asked(question, lang, lambda text, _lang: expand_query(text, LEXICON)) == facets
    if facets == ["procedure"]:  # a follow-up about the service just discussed, not a new subject
        assert is_follow_up(question, lang, LEXICON, facets)


@pytest.mark.parametrize(("message", "only_contact"), [
    ("und die Telefonnummer?", True), ("Nummer bitte", True), ("E-Mail-Adresse?", True),
    ("what's their phone number?", True), ("а номер телефону?", True), ("telefon numarası nedir?", True),
    ("رقم الهاتف؟", True),
    ("Kann ich da jemanden anrufen?", False),  # a person: staff
    ("Telefonnummer vom Standesamt", False),  # names its office: the office's card
    ("und die Adresse?", False), ("Mensch bitte", False),
])
def test_a_message_asking_only_for_contact_details(message, only_contact):
    assert asks_only_for_contact_details(message) is only_contact
