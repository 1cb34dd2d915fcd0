"""Chat replies built from pages and offices: the asked facet first, the shortened section, the
button summaries, the office reply."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.dialogue.answers import (
    MAX_ANSWER_CHARS,
    answer_from_document,
    office_answer,
    question_first,
    shorten,
    summary_line,
)
from bot.dialogue.office_hours import OfficeCalendar, day_asked
from bot.reply import Link
from retrieval.kb.dldb_import import import_dldb, missing_description
from retrieval.kb.knowledge_base import load_knowledge_base
from retrieval.kb.offices import Office
from tests.conftest import SAMPLE_KB, SHARED_DATA, page

WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0)
CALENDAR = OfficeCalendar("BY")


def test_a_note_that_stands_in_for_the_hours_is_shown_once():
    # Munich's export has no hours, only this note: it is the hours line and must not come again.
    office = Office(id="10470", name="Standesamt München", phone="089 233-96060",
                    note="Öffnungszeiten: siehe Terminvereinbarung")
    text = office_answer(office, CALENDAR, WEDNESDAY_10)
    assert text.count("siehe Terminvereinbarung") == 1
    assert text.splitlines() == ["**Standesamt München**", "Öffnungszeiten: siehe Terminvereinbarung.",
                                 "Tel. 089 233-96060"]


def test_a_note_beside_opening_hours_is_shown():
    office = Office(id="bb", name="Bürgerbüro", opening_hours={"mi": "08:00-12:00"}, note="Vorsprache nur mit Termin")
    lines = office_answer(office, CALENDAR, WEDNESDAY_10).splitlines()
    assert lines[1] == "Heute 08:00–12:00 Uhr." and lines[-1] == "Vorsprache nur mit Termin"


def test_a_shortened_section_keeps_its_lines():
    # Munich's fees: an amount, a paragraph, then bank details one per line.
    fees = ("13 Euro\nWenn Sie den Antrag postalisch stellen, überweisen Sie die Gebühr bitte vorab.\n"
            "**Kontodaten**\n  Stadtsparkasse München\nIBAN: DE86 7015 0000 0000 2030 00")
    assert shorten(fees).splitlines() == [
        "13 Euro", "Wenn Sie den Antrag postalisch stellen, überweisen Sie die Gebühr bitte vorab.",
        "**Kontodaten**", "Stadtsparkasse München", "IBAN: DE86 7015 0000 0000 2030 00"]


def test_a_bold_heading_in_a_section_stays_a_heading_and_never_ends_the_answer():
    # Munich's residence permit pages head their steps with bold lines; plain, they read as broken sentences.
    text = ("Mit einem Visum können Sie sich bis zu einem Jahr in Deutschland aufhalten.\n\n**Vor der Einreise**\n"
            "Für die Einreise brauchen Sie in der Regel ein Visum.\n\n**Nach der Einreise**\n"
            "Danach melden Sie sich" + " und noch vieles mehr" * 30 + ".")
    lines = shorten(text).splitlines()
    assert lines[:3] == ["Mit einem Visum können Sie sich bis zu einem Jahr in Deutschland aufhalten.",
                         "**Vor der Einreise**", "Für die Einreise brauchen Sie in der Regel ein Visum."]
    assert len(lines) == 3  # its text is too long to follow: "**Nach der Einreise**" goes as well
    # A bold sentence is emphasis, not a heading: it stays the plain sentence it was.
    assert shorten("13 Euro\n**Bitte zahlen Sie die Gebühr erst vor Ort.**").splitlines()[-1] == (
        "Bitte zahlen Sie die Gebühr erst vor Ort.")


def test_a_long_section_is_cut_after_a_whole_sentence():
    text = "\n".join(f"Absatz {n}. Der zweite Satz von Absatz {n} ist etwas länger als der erste." for n in range(20))
    short = shorten(text)
    assert len(short) <= MAX_ANSWER_CHARS and short.endswith(".") and not short.endswith("…")
    assert short.splitlines()[0] == "Absatz 0. Der zweite Satz von Absatz 0 ist etwas länger als der erste."


def test_the_day_asked_about_replaces_today():
    office = Office(id="bb", name="Bürgerbüro", opening_hours={"mi": "08:00-12:00", "sa": "09:00-12:00"})
    assert day_asked("und am Samstag?", WEDNESDAY_10).isoformat() == "2026-11-28"
    assert day_asked("Hat das samstags offen?", WEDNESDAY_10).isoformat() == "2026-11-28"
    assert day_asked("Hat das morgens offen?", WEDNESDAY_10) is None  # in the morning, not tomorrow
    saturday = office_answer(office, CALENDAR, WEDNESDAY_10, day_asked("und am Samstag?", WEDNESDAY_10))
    assert saturday.splitlines()[1] == "Am Samstag, 28.11., 09:00–12:00 Uhr."
    tomorrow = office_answer(office, CALENDAR, WEDNESDAY_10, day_asked("und morgen?", WEDNESDAY_10))
    assert tomorrow.splitlines()[1] == "Morgen geschlossen."
    # A public holiday on the day asked about (Christmas Day 2026 is a Friday).
    monday = datetime(2026, 12, 21, 10)
    christmas = office_answer(office, CALENDAR, monday, day_asked("am Freitag?", monday))
    assert christmas.splitlines()[1] == "Am Freitag, 25.12., geschlossen (Erster Weihnachtstag)."



def test_office_hours_in_the_citizens_language():
    office = Office(id="bb", name="Bürgerbüro", phone="089 1", opening_hours={"mi": "08:00-12:00", "sa": "09:00-12:00"},
                    note="Vorsprache nur mit Termin")
    # CLDR puts narrow no-break spaces around "AM" and the dash: compared with plain spaces.
    english = [" ".join(line.split()) for line in office_answer(office, CALENDAR, WEDNESDAY_10, None, "en").splitlines()]
    # Days, hours and labels in English; the name and the city's own note as the city wrote them.
    assert english == ["**Bürgerbüro**", "Today: 8:00 AM – 12:00 PM.", "Opening hours: Wed 08:00-12:00, Sat 09:00-12:00.",
                       "Phone 089 1", "Vorsprache nur mit Termin"]
    saturday = office_answer(office, CALENDAR, WEDNESDAY_10, day_asked("а в суботу?", WEDNESDAY_10, "uk"), "uk")
    assert saturday.splitlines()[1] == "Субота, 28 листопада: 09:00–12:00."
    tomorrow = office_answer(office, CALENDAR, WEDNESDAY_10, day_asked("yarın açık mı?", WEDNESDAY_10, "tr"), "tr")
    assert tomorrow.splitlines()[1] == "Yarın: kapalı."
    # A public holiday: its English name from the holidays package; Arabic has none there, so German.
    monday = datetime(2026, 12, 21, 10)
    friday = day_asked("and on Friday?", monday, "en")
    assert office_answer(office, CALENDAR, monday, friday, "en").splitlines()[1] == "Friday, December 25: closed (Christmas Day)."
    assert "(Erster Weihnachtstag)" in office_answer(office, CALENDAR, monday, friday, "ar").splitlines()[1]



def test_office_hours_in_a_language_the_bot_does_not_speak_are_german():
    office = Office(id="bb", name="Bürgerbüro", opening_hours={"sa": "09:00-12:00"})
    saturday = date(2026, 11, 28)
    assert office_answer(office, CALENDAR, WEDNESDAY_10, saturday, "xx") == office_answer(office, CALENDAR, WEDNESDAY_10,
                                                                                        saturday, "de")

@pytest.mark.parametrize(("text", "lang", "day"), [
    ("and on saturdays?", "en", "2026-11-28"), ("tomorrow morning?", "en", "2026-11-26"),
    ("w środę", "pl", "2026-11-25"), ("в понедельник", "ru", "2026-11-30"), ("si sambata?", "ro", "2026-11-28"),
    ("pazartesi", "tr", "2026-11-30"), ("pazar günü", "tr", "2026-11-29"),  # Monday is not Sunday + "tesi"
    ("هل مفتوح غدا؟", "ar", "2026-11-26"),
    ("Termin am Samstag?", "en", "2026-11-28"),  # a German day word in another language counts
    ("hello, where is the office?", "en", None),
    ("sonntags", "uk", "2026-11-29"),
])
def test_the_day_asked_about_in_other_languages(text, lang, day):
    asked = day_asked(text, WEDNESDAY_10, lang)
    assert (asked.isoformat() if asked else None) == day


# --- The asked facet first, on real pages of the sample town and of the Munich import ----------

SAMPLE = load_knowledge_base(SAMPLE_KB)


def answer(kb, doc_id: str, facets: list[str]) -> list[str]:
    doc = kb.documents[doc_id]
    offices = [kb.offices[o] for o in doc.meta.offices if o in kb.offices]
    return answer_from_document(doc, facets, None, offices, CALENDAR, WEDNESDAY_10).text.splitlines()


def test_cost_first_keeps_the_fee_list():
    lines = answer(SAMPLE, "reisepass-beantragen", ["cost"])
    assert lines[:3] == ["**Reisepass beantragen – Kosten:**", "- 70 Euro ab 24 Jahren (gültig 10 Jahre)",
                         "- 37,50 Euro unter 24 Jahren (gültig 6 Jahre)"]
    message = answer_from_document(SAMPLE.documents["reisepass-beantragen"], ["cost"], None, [], CALENDAR, WEDNESDAY_10)
    assert [(s.url, s.date) for s in message.sources] == [
        ("https://www.musterstadt.example/buergerservice/reisepass", date(2026, 10, 14))]


def test_documents_first_as_a_list_not_a_run_on_line():
    lines = answer(SAMPLE, "fahrzeug-abmelden", ["documents"])
    assert lines[1:4] == ["- Zulassungsbescheinigung Teil I", "- beide Kennzeichenschilder",
                          "- bei Verschrottung: Verwertungsnachweis"]


def test_deadline_first_is_the_time_span():
    assert answer(SAMPLE, "reisepass-beantragen", ["deadline"])[1] == \
        "Etwa vier bis sechs Wochen, als Expresspass in wenigen Werktagen."
    # no section on it: the sentence with the span, not one with an age in years
    assert answer(SAMPLE, "faq-anmeldefrist-umzug", ["deadline"])[1] == \
        "Sie müssen sich innerhalb von zwei Wochen nach dem Einzug anmelden."


def test_validity_first_is_how_long_it_is_valid_not_how_long_it_takes():
    assert answer(SAMPLE, "reisepass-beantragen", ["validity"])[:3] == [
        "**Reisepass beantragen – Gültigkeit:**", "70 Euro ab 24 Jahren (gültig 10 Jahre)",
        "37,50 Euro unter 24 Jahren (gültig 6 Jahre)"]
    # "Er ist drei Jahre gültig" points back: quoted with the sentence it points to
    assert answer(SAMPLE, "internationaler-fuehrerschein", ["validity"])[1:3] == [
        "In vielen Ländern außerhalb der EU brauchen Sie neben dem deutschen Kartenführerschein einen internationalen "
        "Führerschein.", "Er ist drei Jahre gültig und wird in der Regel sofort ausgestellt."]
    # "Ab 16 Jahren müssen Sie einen gültigen Personalausweis … besitzen" is an age, not a validity
    assert answer(SAMPLE, "faq-ausweis-abgelaufen", ["validity"])[1] == "Wie lange es gültig ist, steht auf dieser Seite nicht."


def test_online_first_says_yes_with_the_link_or_no():
    yes = answer(SAMPLE, "fahrzeug-abmelden", ["online"])
    assert yes[1] == "Ja, das geht online: Online-Dienst – https://www.musterstadt.example/verkehr/i-kfz"
    no = answer(SAMPLE, "reisepass-beantragen", ["online"])
    assert no[1] == "Online geht das nach dieser Seite nicht."
    assert "persönlich" in no[2]
    # A page that says nothing on it: said so, as for any facet, then the overview and the office
    unsaid = answer(SAMPLE, "ausweis-verloren", ["online"])
    assert unsaid[1] == "Ob es einen Online-Weg gibt, steht auf dieser Seite nicht."
    assert "unverzüglich im Bürgerbüro" in unsaid[2] and unsaid[-1].startswith("Zuständig: Bürgerbüro Mitte")


def test_a_sentence_under_a_bold_name_keeps_the_name(write_kb):
    kb = load_knowledge_base(write_kb({"leistungen/pass.md": page("pass", "Reisepass", """
        Den Reisepass beantragen Sie persönlich.

        **Express-Bestellung**
        Die Bearbeitungszeit beträgt etwa drei bis sechs Arbeitstage.

        **Wie lange gilt er?**
        Der Pass gilt zehn Jahre, und die Verlängerung dauert zwei Wochen.
        """)}))
    assert answer(kb, "pass", ["deadline"])[1:3] == [
        "Express-Bestellung: Die Bearbeitungszeit beträgt etwa drei bis sechs Arbeitstage.",
        "Der Pass gilt zehn Jahre, und die Verlängerung dauert zwei Wochen."]  # a question is no name


def test_fee_lines_without_bullets_stay_lines_and_a_list_after_an_announcing_sentence_is_kept(write_kb):
    # Imported pages often write a fee list as short paragraphs; joined they read "13 Euro Wenn Sie …".
    kb = load_knowledge_base(write_kb({"leistungen/zeugnis.md": page("zeugnis", "Führungszeugnis", """
        ## Gebühren

        13 Euro

        Wenn Sie den Antrag per Post stellen, überweisen Sie die Gebühr vorab. Ohne Nachweis bearbeiten wir
        den Antrag nicht.

        **Kontodaten**

        IBAN: DE00 0000 0000 0000 0000 00
        """), "leistungen/abholung.md": page("abholung", "Ausweis abholen", """
        ## Gebühren

        Die Gebühr wurde in der Regel schon beim Antrag bezahlt.

        Sollte das nicht geschehen sein, betragen die Gebühren:
        - Personalausweis: 46 Euro
        - Reisepass: 70 Euro
        """)}))
    assert answer(kb, "zeugnis", ["cost"])[1:] == [
        "13 Euro", "Wenn Sie den Antrag per Post stellen, überweisen Sie die Gebühr vorab.",
        "Ohne Nachweis bearbeiten wir den Antrag nicht."]  # two sentences, then no bank details
    assert answer(kb, "abholung", ["cost"])[1:5] == [
        "Die Gebühr wurde in der Regel schon beim Antrag bezahlt.", "Sollte das nicht geschehen sein, betragen die Gebühren:",
        "- Personalausweis: 46 Euro", "- Reisepass: 70 Euro"]


def test_the_name_of_a_numbered_step_is_never_quoted_as_a_fact(write_kb):
    kb = load_knowledge_base(write_kb({"leistungen/gewerbe.md": page("gewerbe", "Gewerbe anmelden", """
        So geht die Anmeldung:

        1. Online-Formular ausfüllen
        2. **Unterlagen hochladen**
        3. Gebühr online bezahlen
        4. Sie erhalten die Bestätigung nach etwa zwei Wochen per Post.
        """)}))
    assert answer(kb, "gewerbe", ["documents"])[1] == "Welche Unterlagen Sie brauchen, steht auf dieser Seite nicht."
    assert answer(kb, "gewerbe", ["cost"])[1] == "Zu den Kosten steht auf dieser Seite nichts."
    # a step that is a sentence states a fact
    assert answer(kb, "gewerbe", ["deadline"])[1] == "Sie erhalten die Bestätigung nach etwa zwei Wochen per Post."


def test_a_note_after_the_fee_list_stays_after_the_fees(write_kb):
    kb = load_knowledge_base(write_kb({"leistungen/pass.md": page("pass", "Reisepass", """
        ## Gebühren

        - Unter 24 Jahren: 37,50 Euro
        - Über 24 Jahren: 70 Euro

        **Bitte zahlen Sie die Gebühren erst vor Ort.**
        """), "leistungen/karte.md": page("karte", "Parkausweis", """
        ## Gebühren

        Für den Ausweis gelten diese Gebühren:
        - 12 Monate: 30 Euro
        """)}))
    assert answer(kb, "pass", ["cost"])[1:4] == [
        "- Unter 24 Jahren: 37,50 Euro", "- Über 24 Jahren: 70 Euro", "Bitte zahlen Sie die Gebühren erst vor Ort."]
    assert answer(kb, "karte", ["cost"])[1:3] == ["Für den Ausweis gelten diese Gebühren:", "- 12 Monate: 30 Euro"]


def test_online_with_an_exception_is_partly_online_not_no(write_kb):
    # A page that says "online or in person" and names a case that is not online: "Nein" would be wrong.
    kb = load_knowledge_base(write_kb({"leistungen/wohnsitz.md": page("wohnsitz", "Wohnsitz anmelden", """
        Die Anmeldung können Sie entweder online oder persönlich im Bürgerbüro vornehmen.
        Eine Anmeldung von Nebenwohnsitzen ist online nicht möglich.
        """), "leistungen/kfz-name.md": page("kfz-name", "Namensänderung in den Fahrzeugpapieren", """
        Die Änderung nehmen wir im Bürgerbüro vor. Online ist dies noch nicht möglich.
        """), "leistungen/antrag.md": page("antrag", "Waffenschein", """
        Ein Online-Antrag ist nicht möglich. Bitte kommen Sie persönlich.
        """), "leistungen/pin.md": page("pin", "PIN neu setzen", """
        Sie können einen PIN-Rücksetzbrief online beim Bund bestellen. Er kommt per Post.
        """), "leistungen/termin.md": page("termin", "Geschlechtseintrag ändern", """
        Für die Erklärung können Sie online einen Vorsprachetermin buchen.
        """)}))
    assert answer(kb, "wohnsitz", ["online"])[1:4] == [
        "Zum Teil online.", "Die Anmeldung können Sie entweder online oder persönlich im Bürgerbüro vornehmen.",
        "Eine Anmeldung von Nebenwohnsitzen ist online nicht möglich."]
    assert answer(kb, "kfz-name", ["online"])[1:3] == ["Nein, online geht das nicht.", "Online ist dies noch nicht möglich."]
    assert answer(kb, "antrag", ["online"])[1] == "Nein, online geht das nicht."  # names the online way to deny it
    assert answer(kb, "pin", ["online"])[1] == "Ja, das geht online."  # "online … bestellen", two words between
    assert answer(kb, "termin", ["online"])[1] != "Ja, das geht online."  # an appointment booked online is no online service


def test_where_first_is_the_office_with_todays_hours():
    lines = answer(SAMPLE, "hundesteuer-anmelden", ["where"])
    assert lines[1].startswith("Zuständig: Steueramt und Stadtkasse, Rathausplatz 1, 12345 Musterstadt – heute 08:30–12:00 Uhr")


def test_two_facets_are_answered_in_the_order_asked():
    lines = answer(SAMPLE, "gewerbe-anmelden", ["documents", "cost"])
    assert lines[0] == "**Gewerbe anmelden – Unterlagen:**" and lines[1] == "- Personalausweis oder Reisepass"
    assert lines.index("**Kosten:**") < len(lines) - 1 and "26 Euro, online 20 Euro." in lines


def test_a_fact_the_page_does_not_give_is_said_to_be_missing_before_its_overview():
    # "und was kostet das?" after the Wohngeld processing time: that page names no fee.
    lines = answer(SAMPLE, "faq-wohngeld-dauer", ["cost"])
    assert lines[:2] == ["**Wie lange dauert die Bearbeitung meines Wohngeldantrags?**",
                         "Zu den Kosten steht auf dieser Seite nichts."]
    assert "acht bis zwölf Wochen" in lines[2]
    assert lines[-1].startswith("Zuständig: Amt für Soziales und Wohnen")  # where to ask instead
    # Of two facets, the one the page answers comes first, the missing one is named after it.
    both = answer(SAMPLE, "faq-wohngeld-dauer", ["deadline", "cost"])
    assert both[0].endswith("– Dauer und Fristen:**") and "Zu den Kosten steht auf dieser Seite nichts." in both
    # A page that answers the facet never says it is missing.
    assert not any("steht auf dieser Seite" in line for line in answer(SAMPLE, "reisepass-beantragen", ["cost"]))


def test_a_translation_without_the_asked_fact_says_so_in_its_language():
    from bot.dialogue.answers import answer_from_translation

    def reply(doc_id: str, facets: list[str]):
        page, english = SAMPLE.documents[doc_id], SAMPLE.translations[(doc_id, "en")]
        offices = [SAMPLE.offices[o] for o in page.meta.offices]
        return english, answer_from_translation(page, english, facets, None, offices, CALENDAR, WEDNESDAY_10)

    english, message = reply("faq-anmeldefrist-umzug", ["cost"])
    lines = message.text.splitlines()
    assert lines[:2] == [f"**{english.meta.title}**", "This page does not say what it costs."]
    assert lines[-1].startswith("Responsible office: Bürgerbüro Mitte")  # where to ask instead
    # Only where the German page says nothing either: the English Wohngeld page says "Applying is free."
    # in a sentence without a heading of its own, and the German page says so too.
    _, free = reply("wohngeld-beantragen", ["cost"])
    assert "does not say" not in free.text
    # The German page links an online service: "can I do it online?" is answered by that link, not called missing.
    _, online = reply("wohngeld-beantragen", ["online"])
    assert "does not say" not in online.text and [link.kind for link in online.links] == ["online"]


def test_a_translation_answers_validity_with_its_lines_that_state_it():
    from bot.dialogue.answers import answer_from_translation

    def validity(doc_id: str, lang: str) -> list[str]:
        page, version = SAMPLE.documents[doc_id], SAMPLE.translations[(doc_id, lang)]
        return answer_from_translation(page, version, ["validity"], None, [], CALENDAR, WEDNESDAY_10).text.splitlines()

    assert validity("reisepass-beantragen", "en") == ["**Applying for a passport (Reisepass)**",
                                                       "70 euros from age 24 (valid for 10 years)",
                                                       "37.50 euros under 24 (valid for 6 years)"]
    assert validity("personalausweis-beantragen", "tr")[1] == "24 yaş ve üzeri: 37 Euro (10 yıl geçerli)"
    assert validity("personalausweis-beantragen", "ar")[1] == "37 يورو من سن 24 (صالحة 10 سنوات)"
    # "From your 16th birthday you must have a valid ID card" is an age: not a validity line
    assert not any("16th" in line for line in validity("personalausweis-beantragen", "en"))


@pytest.mark.parametrize(("doc_id", "lang", "facet", "fact"), [
    ("wohngeld-beantragen", "en", "cost", "Applying is free."),  # no "Fees" heading: its sentence
    ("kita-platz-anmelden", "uk", "cost", "Реєстрація безкоштовна."),
    ("wohnsitz-anmelden", "tr", "deadline", "iki hafta içinde"),  # "two weeks" in words
    ("wohnsitz-anmelden", "ar", "deadline", "خلال أسبوعين"),
    ("hundesteuer-anmelden", "de-x-ls", "deadline", "Dafür haben Sie 2 Wochen Zeit."),  # Leichte Sprache, read as German
    ("wohngeld-beantragen", "en", "online", "Yes, you can do this online."),  # the German page's online service
])
def test_a_translation_states_the_asked_fact_first_without_a_heading_on_it(doc_id, lang, facet, fact):
    from bot.dialogue.answers import answer_from_translation
    page, version = SAMPLE.documents[doc_id], SAMPLE.translations[(doc_id, lang)]
    lines = answer_from_translation(page, version, [facet], None, [], CALENDAR, WEDNESDAY_10).text.splitlines()
    assert lines[0] == f"**{version.meta.title}**" and fact in lines[1]


def test_a_fact_only_the_german_page_states_is_left_to_the_german_answer():
    from bot.dialogue.answers import answer_from_translation
    # "Sechs bis acht Wochen." stands on the German page only; the Turkish version's first lines would not say it.
    page = SAMPLE.documents["fuehrerschein-ausland-umschreiben"]
    version = SAMPLE.translations[("fuehrerschein-ausland-umschreiben", "tr")]
    assert answer_from_translation(page, version, ["deadline"], None, [], CALENDAR, WEDNESDAY_10) is None
    # "free" of an appointment is no fee: the English page is said to leave the cost open, as the German one does.
    page, english = SAMPLE.documents["faq-anmeldefrist-umzug"], SAMPLE.translations[("faq-anmeldefrist-umzug", "en")]
    message = answer_from_translation(page, english, ["cost"], None, [], CALENDAR, WEDNESDAY_10)
    assert message.text.splitlines()[1] == "This page does not say what it costs."
    # A validity is no waiting time: "(22.80 euros, valid for 6 years)" is not quoted for "how long does it take?"
    page, english = SAMPLE.documents["kinder-ausweisdokumente"], SAMPLE.translations[("kinder-ausweisdokumente", "en")]
    message = answer_from_translation(page, english, ["deadline"], None, [], CALENDAR, WEDNESDAY_10)
    assert message.text.splitlines()[1] == "This page does not say how long it takes or which deadlines apply."


def test_the_online_id_card_is_no_online_service_in_leichte_sprache_either():
    from bot.dialogue.answers import answer_from_translation
    from bot.dialogue.facet_lead import translated_facet
    # "Dort sperren Sie den Online-Ausweis." says nothing about doing this online
    assert translated_facet(SAMPLE.translations[("ausweis-verloren", "de-x-ls")], "online") is None
    page, version = SAMPLE.documents["ausweis-verloren"], SAMPLE.translations[("ausweis-verloren", "de-x-ls")]
    reply = answer_from_translation(page, version, ["online"], None, [], CALENDAR, WEDNESDAY_10).text.splitlines()
    assert reply[1] == "Ob es im Internet geht: Das steht nicht auf dieser Seite."  # the first answer said the rest


def test_how_it_is_done_is_the_section_on_the_steps_in_order_else_the_overview():
    from bot.dialogue.answers import answer_from_translation
    steps = answer(SAMPLE, "kita-platz-anmelden", ["procedure"])
    assert steps[:3] == ["**Kita-Platz anmelden (Krippe, Kindergarten, Hort) – Ablauf:**",
                         "1. Im Kita-Navigator registrieren und Kind anlegen.",
                         "2. Wunscheinrichtungen und Betreuungsumfang (25, 35 oder 45 Stunden) wählen."]
    # Without such a section: the page's overview with the office, as for a general question; never "missing".
    overview = answer(SAMPLE, "hundesteuer-anmelden", ["procedure"])
    assert overview == answer(SAMPLE, "hundesteuer-anmelden", [])
    page, english = SAMPLE.documents["kita-platz-anmelden"], SAMPLE.translations[("kita-platz-anmelden", "en")]
    reply = answer_from_translation(page, english, ["procedure"], None, [], CALENDAR, WEDNESDAY_10)
    assert reply.text.startswith("**Applying for a childcare place") and "How it works:**" in reply.text


def test_a_nearly_tied_second_page_is_named_after_the_answer():
    doc = SAMPLE.documents["personalausweis-beantragen"]
    message = answer_from_document(doc, [], None, [], CALENDAR, WEDNESDAY_10,
                                   see_also=("Reisepass beantragen", "https://www.musterstadt.example/buergerservice/reisepass"))
    assert Link(kind="related", url="https://www.musterstadt.example/buergerservice/reisepass",
                title="Reisepass beantragen") in message.links
    assert "https://" not in message.text


@pytest.fixture(scope="module")
def munich(tmp_path_factory):
    services = SHARED_DATA / "dldb/munich/services_de.raw.json"
    if not services.is_file():
        pytest.skip("../shared/data/dldb/munich fehlt")
    out = tmp_path_factory.mktemp("munich") / "kb"
    import_dldb(services, out, SHARED_DATA / "dldb/munich/locations_de.raw.json")
    return load_knowledge_base(out)


@pytest.mark.shared_data
def test_munich_pages_answer_each_facet_first(munich):
    cost = answer(munich, "1063441", ["cost"])  # Personalausweis
    # the fee lines first; the note after them on the page ("Bitte zahlen Sie … erst vor Ort") after them
    assert cost[:3] == ["**Personalausweis – Kosten:**", "- unter 24 Jahren: 27,60 Euro", "- über 24 Jahren: 46 Euro"]
    online = answer(munich, "1064305", ["online"])  # Fahrzeug abmelden: the online form counts
    assert online[1] == "Ja, das geht online: Fahrzeug online außer Betrieb setzen – https://stadt.muenchen.de/service/info/10173178/n0/"
    id_card = answer(munich, "1063441", ["online"])  # the eID is not an online way to apply
    assert id_card[1] == "Online geht das nach dieser Seite nicht."
    trade = answer(munich, "1063423", ["online"])  # announced by a bold line "So funktioniert die Online-Anmeldung:"
    assert trade[1] == "Ja, das geht online."
    passport_time = answer(munich, "1063453", ["deadline"])  # Reisepass: "drei bis sechs Arbeitstage"
    # ... under the bold line "Express-Bestellung": the express time, and the answer says so
    assert passport_time[1].startswith("Express-Bestellung: Die Bearbeitungszeit") and "drei bis sechs" in passport_time[1]
    passport_appointment = answer(munich, "1063453", ["appointment"])  # "Foto-Terminal" is no appointment
    assert not any("Terminal" in line for line in passport_appointment)
    assert passport_appointment[2].startswith("Termin buchen: https://stadt.muenchen.de/")
    parking_time = answer(munich, "1072043", ["deadline"])  # Bewohnerparkausweis: no fee line as a duration
    assert parking_time[1].startswith("In der Regel erhalten Sie") and not any("Euro" in line for line in parking_time)
    trade_documents = answer(munich, "1063423", ["documents"])  # only the step "3. Unterlagen hochladen"
    assert trade_documents[1] == "Welche Unterlagen Sie brauchen, steht auf dieser Seite nicht."
    imported_car = answer(munich, "1064076", ["documents"])  # "ab 40 Euro (wenn besondere Unterlagen …)" is a fee
    assert imported_car[1] == "Welche Unterlagen Sie brauchen, steht auf dieser Seite nicht."
    conduct = answer(munich, "1063565", ["cost"])  # Führungszeugnis: "13 Euro" above a paragraph
    assert conduct[1] == "13 Euro" and conduct[2].startswith("Wenn Sie den Antrag postalisch stellen")
    naturalisation = answer(munich, "1071907", ["cost"])  # two fee lines in one paragraph, the second lower-case
    assert naturalisation[1:3] == ["Erwachsene: je Antrag 255 Euro", "minderjähriges Kind ohne eigenes Einkommen, das "
                                   "mit mindestens einem Elternteil zusammen eingebürgert wird: 51 Euro"]
    permit = answer(munich, "1087850", ["cost"])
    assert permit[1:4] == ["Ersterteilung: 100 Euro", "Verlängerung um bis zu drei Monate: 96 Euro",
                           "Verlängerung um mehr als drei Monate: 93 Euro"]
    home = answer(munich, "1063475", ["online"])  # Wohnsitzanmeldung: online or in person, secondary homes not online
    assert home[1] == "Zum Teil online." and "entweder online oder persönlich" in home[2] and "Nebenwohnsitzen" in home[3]
    id_card_valid = answer(munich, "1063441", ["validity"])  # only the provisional card's, with what "Dieser" means
    assert id_card_valid[1:3] == ["Benötigen Sie sofort einen Personalausweis, kann Ihnen ein vorläufiger Personalausweis "
                                  "ausgestellt werden.", "Dieser ist drei Monate gültig."]
    parking_valid = answer(munich, "1072043", ["validity"])  # Bewohnerparkausweis: the fee lines name the validity
    assert parking_valid[1:3] == ["12 Monate gültig: 30 Euro", "24 Monate gültig: 60 Euro"]
    where = answer(munich, "1064305", ["where"])
    assert where[1].startswith("Zuständig: KfZ Zulassungsstelle, Eichstätter Straße 2, 80686 München")
    # Meldebescheinigung: seven offices in the catalogue, but the page says where it is done in person
    certificate = answer(munich, "1063576", ["where"])
    assert certificate[1] == "Die persönliche Antragstellung ist nur im Bürgerbüro Ruppertstraße möglich."
    assert certificate[2].startswith("Zuständig: ")


@pytest.mark.shared_data
def test_a_munich_page_without_a_documents_list_never_quotes_its_form_links(munich):
    lines = answer(munich, "1063441", ["documents"])
    assert not any("Datenschutzgrundverordnung" in line for line in lines)


def test_a_button_summary_is_the_pages_first_sentence():
    # a long first sentence: cut at a word, at most MAX_SUMMARY_CHARS
    assert summary_line(SAMPLE.documents["sperrmuell-anmelden"]) == (
        "Sperrmüll sind Gegenstände aus dem Haushalt, die wegen ihrer Größe nicht in die Restmülltonne passen: Möbel, …")
    assert summary_line(SAMPLE.documents["fahrzeug-abmelden"]) == (
        "Wenn Sie Ihr Fahrzeug nicht mehr nutzen, verschrotten oder ins Ausland verkaufen, melden Sie es ab.")


def test_a_button_summary_skips_a_bold_heading_and_an_empty_description(write_kb):
    kb = load_knowledge_base(write_kb({"leistungen/park.md": page("park", "Bewohnerparkausweis", """
        **Neuantrag**

        Sie sind in ein Parklizenzgebiet gezogen?
        Dann beantragen Sie den Ausweis.
        """), "leistungen/jagd.md": page("jagd", "Jagdschein", """
        **Antrag** Beim Erstantrag müssen Sie persönlich vorbeikommen.
        """), "leistungen/leer.md": page("leer", "Duldung", missing_description("Duldung")),
        "leistungen/hinweis.md": page("hinweis", "Abholung", """
        **Bitte bringen Sie den Abholschein mit.**

        Die Abholung dauert fünf Minuten.
        """)}))
    assert summary_line(kb.documents["park"]) == "Sie sind in ein Parklizenzgebiet gezogen?"  # was "Neuantrag Sie sind …"
    assert summary_line(kb.documents["jagd"]) == "Beim Erstantrag müssen Sie persönlich vorbeikommen."
    assert summary_line(kb.documents["leer"]) == ""  # the importer's placeholder says no more than the title
    assert summary_line(kb.documents["hinweis"]) == "Bitte bringen Sie den Abholschein mit."  # a bold sentence is content


def test_documents_come_from_the_documents_section_not_the_conditions_before_it():
    # The page has "## Voraussetzungen" and then "## Erforderliche Unterlagen".
    lines = answer(SAMPLE, "wohnsitz-anmelden", ["documents"])
    assert lines[0] == "**Wohnsitz anmelden (Umzug nach oder innerhalb von Musterstadt) – Unterlagen:**"
    assert lines[1] == "- Personalausweis oder Reisepass (bei Kindern auch Geburtsurkunde, falls kein Ausweis vorhanden)"
    assert not any("eingezogen" in line for line in lines)


def test_a_translation_answers_in_its_language_with_its_own_source_and_the_pages_links():
    from bot.dialogue.answers import answer_from_translation
    from retrieval.kb.knowledge_base import load_knowledge_base
    from tests.conftest import SAMPLE_KB

    kb = load_knowledge_base(SAMPLE_KB)
    page, english = kb.documents["wohnsitz-anmelden"], kb.translations[("wohnsitz-anmelden", "en")]
    reply = answer_from_translation(page, english, [], 0.7, [], CALENDAR, WEDNESDAY_10)
    assert reply.lang == "en" and reply.service_ids == ["wohnsitz-anmelden"] and reply.confidence == 0.7
    assert reply.text.startswith("**Registering your address") and "two weeks" in reply.text
    assert "What you need" not in reply.text and "passport" not in reply.text  # its first section only, like a German answer
    assert reply.sources[0].title == english.meta.title and reply.sources[0].date == english.meta.updated
    assert [(link.kind, link.title) for link in reply.links] == [("booking", "Book an appointment"),
                                                                  ("online", "Do it online")]


def test_without_a_translation_the_german_answer_follows_one_sentence_in_the_citizens_language():
    from bot.dialogue.answers import only_in_german
    from bot.reply import BotMessage, Kind, Source

    german = BotMessage(kind=Kind.ANSWER, text="**Führungszeugnis beantragen**\n13 Euro.", service_ids=["fuehrungszeugnis"],
                        sources=[Source(url="https://x.example/fz", title="Führungszeugnis beantragen")], confidence=0.8)
    notice, answer = only_in_german(german, "Führungszeugnis beantragen", "tr")
    assert notice.lang == "tr" and notice.text.startswith("„Führungszeugnis beantragen“: Ayrıntılar maalesef yalnızca Almanca")
    assert notice.service_ids == ["fuehrungszeugnis"] and notice.confidence == 0.8  # the turn's outcome is the answer
    assert answer.lang == "de" and answer.text == german.text and answer.sources == german.sources
    assert [(b.title, b.payload) for b in answer.buttons] == [("Bir kişiyle konuşmak istiyorum", "/request_human")]
    # A fact the German page leaves open is named in the citizen's language, not only in the German text.
    open_deadline = german.model_copy(update={"text": german.text.replace(
        "\n", "\nWie lange es dauert und welche Fristen gelten, steht auf dieser Seite nicht.\n")})
    notice, answer = only_in_german(open_deadline, "Führungszeugnis beantragen", "tr", ["deadline"])
    assert notice.text.endswith(" Bu sayfada işlemin ne kadar sürdüğü ve hangi sürelerin geçerli olduğu yazmıyor.")
    assert answer.text == german.text  # said once, in Turkish, not again in German below
    # A follow-up about the same page: its first answer explained it; a short line names the page.
    again, answer = only_in_german(german, "Führungszeugnis beantragen", "tr", again=True)
    assert again.text == "„Führungszeugnis beantragen“, yine Almanca:" and answer.text == german.text


@pytest.mark.parametrize(("lang", "facet", "heading", "fact"), [
    ("en", "cost", "Fees", "70 euros"), ("tr", "cost", "Ücret", "70 Euro"), ("uk", "cost", "Вартість", "70 євро"),
    ("ar", "cost", "الرسوم", "70 يورو"), ("en", "documents", "What you need", "current passport"),
    ("en", "deadline", "How long it takes", "four to six weeks"), ("de-x-ls", "cost", "Kosten", "70 Euro"),
])
def test_a_translation_answers_the_asked_fact_first_from_its_own_heading(lang, facet, heading, fact):
    from bot.dialogue.answers import answer_from_translation
    from retrieval.kb.knowledge_base import load_knowledge_base
    from tests.conftest import SAMPLE_KB

    kb = load_knowledge_base(SAMPLE_KB)
    reply = answer_from_translation(kb.documents["reisepass-beantragen"],
                                    kb.translations[("reisepass-beantragen", lang)], [facet], None, [], CALENDAR,
                                    WEDNESDAY_10)
    first, rest = reply.text.split("\n", 1)
    assert first.endswith(f" – {heading}:**") and fact in rest


def test_where_to_go_in_another_language_names_the_office_in_that_language():
    from bot.dialogue.answers import answer_from_translation

    page, english = SAMPLE.documents["reisepass-beantragen"], SAMPLE.translations[("reisepass-beantragen", "en")]
    offices = [SAMPLE.offices[o] for o in page.meta.offices]
    lines = answer_from_translation(page, english, ["where"], None, offices, CALENDAR, WEDNESDAY_10).text.splitlines()
    assert lines[0] == f"**{english.meta.title}**"  # the office answers "where?", not the page's first lines
    assert lines[1].startswith("Responsible office: Bürgerbüro Mitte, Rathausplatz 1, 12345 Musterstadt (and 1 more)")
    assert " ".join(lines[1].split()).endswith("– today: 7:30 AM – 12:30 PM, Phone 01234 5678-100.")


# Munich's page on deregistering, as imported (retrieval/kb/html_markdown.py keeps the label's line break).
DEREGISTER = ("**Bei einem Umzug innerhalb Deutschlands müssen Sie sich nicht abmelden.**\n\n"
              "**Aufgabe einer Nebenwohnung:**\nDie Abmeldung einer Nebenwohnung kann bei der Meldebehörde des "
              "Haupt- oder Nebenwohnsitzes erfolgen.\n\n"
              "**Wegzug ins Ausland:**\nWenn Sie ins Ausland wegziehen, können Sie bei der Abmeldung Ihre "
              "Anschrift im Ausland hinterlassen.\n\n"
              "Die häufigsten Gründe sind\n\n- Studium im Ausland\n\n- Arbeit\n\nSonst gilt nichts anderes.")


def test_the_paragraph_on_the_questions_detail_comes_first_with_its_label():
    # "Ich ziehe ins Ausland, muss ich mich abmelden?": "ausland" is rare in the pages, "abmelden" is the title.
    moved = shorten(question_first(DEREGISTER, {"ausland": 3.0, "abmelden": 4.0, "ziehen": 3.0}, "Wohnsitz abmelden"))
    assert moved.splitlines()[:2] == ["Wegzug ins Ausland:", "Wenn Sie ins Ausland wegziehen, können Sie bei "
                                      "der Abmeldung Ihre Anschrift im Ausland hinterlassen."]
    assert "Bei einem Umzug innerhalb Deutschlands" in moved  # the rest follows in the page's order


def test_a_label_whose_text_does_not_fit_never_ends_the_answer():
    # Seen in the widget: the deregistration answer ended with "Aufgabe einer Nebenwohnung:" and nothing after it.
    moved = question_first(DEREGISTER, {"ausland": 3.0}, "Wohnsitz abmelden")
    lines = shorten(moved, limit=230).splitlines()  # room for the label, not for its sentence
    assert lines[-1] == "Bei einem Umzug innerhalb Deutschlands müssen Sie sich nicht abmelden."
    assert shorten("Die Gebühren betragen:\n\n- 10 Euro", limit=5).splitlines() == ["Die Gebühren betragen:"]  # alone it stays


def test_a_list_moves_with_the_sentence_that_leads_into_it():
    moved = question_first(DEREGISTER, {"studium": 4.0}, "Wohnsitz abmelden")
    assert moved.startswith("Die häufigsten Gründe sind\n\n- Studium im Ausland\n\n- Arbeit\n\n")


@pytest.mark.parametrize("detail", [
    {"abmelden": 4.0},  # only the title's word
    {"munchen": 1.4},  # a word too many pages name
    {"melden": 3.0},  # a verb: the page's nouns count ("melden" is no "Meldebehörde" either: too short a prefix)
    {},
])
def test_the_page_order_stands_without_a_rare_detail_of_its_own(detail):
    assert question_first(DEREGISTER, detail, "Wohnsitz abmelden") == DEREGISTER
