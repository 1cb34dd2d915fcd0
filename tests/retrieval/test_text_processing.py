"""Chunking, German analysis, query expansion and opening hours."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import yaml

from retrieval.german_text import char_ngrams, fold, lemmas, separable_verbs
from retrieval.kb.chunking import MAX_CHARS, OVERVIEW, chunk_document, plain_text, sections, whole_document
from retrieval.kb.documents import Document, FrontMatter
from retrieval.kb.offices import Office, parse_intervals
from retrieval.search.dialect import DIALECT_TABLE, regular_form, written_german
from retrieval.search.expansion import (
    DEFAULT_LEXICON,
    MULTILINGUAL_LEXICON,
    as_typed_on_a_german_keyboard,
    expand_query,
    load_lexicon,
    place_pattern,
    without_place_name,
)
from retrieval.search.spelling import SpellingCorrector, lookup_table


def doc(body: str, **meta) -> Document:
    fm = FrontMatter(id="d", type="service", title="Personalausweis", url="https://x.org", updated=date(2026, 1, 1),
                     keywords=["Perso"], **meta)
    return Document(meta=fm, body=body, source="d.md", content_hash="h")


def test_chunks_follow_sections_and_carry_title():
    body = "Einleitung.\n\n## Gebühren\n\n37 Euro.\n\n## Unterlagen\n\n- Foto\n- alter Ausweis"
    chunks = chunk_document(doc(body))
    assert [c.section for c in chunks] == [OVERVIEW, "Gebühren", "Unterlagen"]
    assert chunks[0].text.startswith("Personalausweis\nSuchbegriffe: Perso\n\nEinleitung.")
    assert all(c.title == "Personalausweis" and c.doc_id == "d" for c in chunks)
    assert [c.chunk_id for c in chunks] == ["d#0", "d#1", "d#2"]


def test_long_sections_are_cut_at_sentence_boundaries():
    sentence = "Dies ist ein Satz mit einigen Wörtern über die Anmeldung. "
    chunks = chunk_document(doc("## Lang\n\n" + sentence * 60))
    long_parts = [c for c in chunks if c.section == "Lang"]
    assert len(long_parts) > 1
    assert all(len(c.text) <= MAX_CHARS + len(sentence) for c in long_parts)
    assert all(c.text.rstrip().endswith(".") for c in long_parts)


def test_chunk_hash_changes_only_with_content():
    a = chunk_document(doc("## A\n\nx\n\n## B\n\ny"))
    b = chunk_document(doc("## A\n\nx\n\n## B\n\nz"))
    assert a[1].content_hash == b[1].content_hash and a[2].content_hash != b[2].content_hash
    assert whole_document(doc("x"))[2] != whole_document(doc("y"))[2]


def test_markdown_to_plain_text():
    assert plain_text("**Fett** und [Link](https://x.org/a_(b)) - ok") == "Fett und Link - ok"
    assert sections("Vorwort\n# Eins\nA\n### Zwei ###\nB") == [(OVERVIEW, "Vorwort"), ("Eins", "A"), ("Zwei", "B")]


def test_lemmas_handle_inflection_and_umlauts():
    assert lemmas("Die Anmeldungen der Hunde") == ["anmeldung", "hund"]
    assert lemmas("Führerschein") == lemmas("fuhrerschein")
    assert "<hun" in char_ngrams(["hundesteuer"]) and "hund" in char_ngrams(["hund"])


@pytest.mark.parametrize(("question", "verbs"), [
    ("Auto verkauft, wie melde ich es ab?", ["abmelden"]),
    ("Wann macht das Freibad auf?", ["aufmachen"]),
    ("Was bringe ich zum Termin mit? Und wann hat das Amt auf", ["mitbringen"]),  # "aufhaben" is no lemma
    ("Wie trete ich aus der Kirche aus?", ["austreten"]),
    ("Wer schleppt falsch geparkte Autos ab", ["abschleppen"]),
    ("Wo ist das Amt?", []),
    ("Der Antrag. Ab", []),  # a particle alone is no clause
    ("Ich brauche das Zeichen ab", []),  # capitalised nouns never join ("abzeichen")
    ("wen ruf ich an?", ["anrufen"]),  # forms the lemma table lacks: "ruf", "rufe", "ruft" of "rufen"
    ("Wo hol ich den Pass ab?", ["abholen"]),
])
def test_separated_verbs_are_joined_again(question, verbs):
    assert separable_verbs(question) == verbs


def test_a_joined_verb_feeds_the_expansion_and_its_lexicon():
    lexicon = load_lexicon(DEFAULT_LEXICON)
    expanded = expand_query("Unser Hund ist tot, wie melde ich ihn ab?", lexicon,
                            words=separable_verbs("Unser Hund ist tot, wie melde ich ihn ab?"))
    assert "abmelden" in expanded
    assert expand_query("Wie melde ich mich ab?", lexicon, words=["abmelden"]).count("abmelden") == 1
    assert expand_query("Ich will mich abmelden", lexicon, words=["abmelden"]) == expand_query(
        "Ich will mich abmelden", lexicon)  # a word already in the question is not added twice


@pytest.mark.parametrize(("question", "term"), [
    ("mein perso ist abgelaufen", "Personalausweis"),
    ("Muss ich den grauen Lappen umtauschen?", "Führerschein"),  # inflected: grauen
    ("wir ziehen um", "Ummeldung"),
    ("Knöllchen bekommen", "Bußgeld"),
    # inflected forms of the lexicon's entries (compared by stem)
    ("Wo bekomme ich gelbe Säcke?", "Verpackungsabfall"),  # entry "gelber sack"
    ("wohin mit den alten Möbeln", "Sperrmüll"),  # entry "alte möbel"
    ("Unsere lauten Nachbarn feiern jede Nacht", "Ruhestörung"),  # entry "laute nachbarn"
    ("Meine Ausweise sind abgelaufen", "Personalausweis"),  # entry "ausweis"
    ("zwei Knollen in einer Woche", "Verwarnungsgeld"),  # entry "knolle"
    ("Meine ID-Karte ist weg", "Personalausweis"),  # hyphenated entry "id-karte"
    ("Ich ziehe nach Ulm, muss ich mich anmelden?", "Wohnsitz"),  # "sich anmelden"
    ("Ich ziehe von Hamburg nach Musterstadt", "Ummeldung"),  # moving, without "um"
    ("Ich habe meinen Fahrzeugschein verloren", "Zulassungsbescheinigung"),
    ("Die Bank will eine Bestätigung, dass ich hier wohne", "Meldebescheinigung"),
    ("Perso weg", "Verlust"), ("mein Führerschein ist weg", "Verlust"),  # "weg" as gone
    ("Ich möchte deutscher Staatsbürger werden", "Einbürgerung"),
    ("Wie bekomme ich die deutsche Staatsbürgerschaft?", "Einbürgerung"),
    ("Ich möchte meine Frau nachholen", "Ehegattennachzug"), ("Wie kann ich meine Kinder nachholen?", "Kindernachzug"),
])
def test_colloquial_terms_are_expanded(question, term):
    assert term in expand_query(question, load_lexicon(DEFAULT_LEXICON))


@pytest.mark.parametrize(("question", "term"), [
    ("Mir droht die Ausweisung", "Personalausweis"),  # a derivation of "Ausweis", not an inflection
    ("Was kostet die Hundesteuer?", "Hundehaltung"),  # "hund" is a whole word, not a part of one
    ("Ich möchte mich für einen Sprachkurs anmelden", "Wohnsitz"),  # "mich anmeld*" needs the words in a row
    ("Wie weit ist der Weg zum Rathaus?", "Verlust"), ("Wir ziehen weg nach Berlin", "Verlust"),  # "weg" alone
    ("Ich bin EU-Staatsbürger, brauche ich eine Aufenthaltserlaubnis?", "Einbürgerung"),  # a citizen, not becoming one
])
def test_expansion_needs_the_entry_itself_or_an_inflection(question, term):
    assert term not in expand_query(question, load_lexicon(DEFAULT_LEXICON))


def test_expansion_leaves_plain_questions_alone():
    lexicon = load_lexicon(DEFAULT_LEXICON)
    assert expand_query("Was kostet eine Meldebescheinigung?", lexicon) == "Was kostet eine Meldebescheinigung?"
    assert "Personalausweis" not in expand_query("Personenbeförderungsschein", lexicon)


def test_the_longest_expression_wins_over_the_words_inside_it():
    lexicon = load_lexicon(DEFAULT_LEXICON, MULTILINGUAL_LEXICON)
    # "zameldowaniu" alone means registering; inside "zaświadczenie o zameldowaniu" it is the certificate
    assert expand_query("zaświadczenie o zameldowaniu", lexicon) == "zaświadczenie o zameldowaniu (Meldebescheinigung)"
    assert "Anmeldung" in expand_query("jak się zameldować", lexicon)
    # an empty longer entry cancels a shorter one: found work is no lost property
    assert "Fundbüro" not in expand_query("mein Mann hat hier Arbeit gefunden", load_lexicon(DEFAULT_LEXICON))
    assert "Fundbüro" in expand_query("ich habe einen Geldbeutel gefunden", load_lexicon(DEFAULT_LEXICON))
    # two expressions side by side both count
    both = expand_query("radiez mașina și închid firma", lexicon)
    assert "Außerbetriebsetzung" in both and "Gewerbeabmeldung" in both


def test_an_arabic_entry_finds_the_word_with_its_article_and_prepositions():
    lexicon = load_lexicon(DEFAULT_LEXICON, MULTILINGUAL_LEXICON)
    # entry "تكلفة" (cost): "the cost", "and the fees", "with the fees"
    for question in ("كم التكلفة؟", "والرسوم؟", "بالرسوم"):
        assert "Kosten" in expand_query(question, lexicon), question
    # a word that only begins like the article keeps its meaning: "التي" (which) is no "تي"
    assert expand_query("التي", lexicon) == "التي"



def test_a_multilingual_entry_finds_its_word_with_other_endings():
    lexicon = load_lexicon(DEFAULT_LEXICON, MULTILINGUAL_LEXICON)
    # entry "karta parkingowa", asked in the accusative
    assert "Bewohnerparkausweis" in expand_query("Jak wyrobić kartę parkingową?", lexicon)
    # a word that only shares its first letters is another word: "kart" (4 letters) stays "kart",
    # and "України" (Ukraine) is not "украли" (stolen)
    assert "Verlust" not in expand_query("Як зареєструвати машину з України?", lexicon)
    assert "Bewohnerparkausweis" not in expand_query("Jak wyrobić kartoteki parkingowe?", lexicon)
    # endings by the Snowball stemmers of the other languages: "registering my car" is the entry
    # "register my car", "înregistrez domiciliul" is "înregistrare domiciliu", "hesabımı" is "hesap"
    assert "Zulassung" in expand_query("registering my car", lexicon)
    assert "Wohnsitz" in expand_query("Cum îmi înregistrez domiciliul?", lexicon)
    assert "Sperrkonto" in expand_query("bloke hesabımı açtırmak istiyorum", lexicon)
    # one word may stand inside a multilingual term: "обмен* прав*" in "обменять российские права"
    assert "Umschreibung" in expand_query("как обменять российские права", lexicon)
    assert "Umschreibung" not in expand_query("как обменять эти старые российские права", lexicon)
    # German entries keep German matching: the colloquial lexicon is not read with other endings
    colloquial = load_lexicon(DEFAULT_LEXICON)
    assert not any(word.inflected for key, _ in colloquial.keys for word in key)


@pytest.mark.parametrize(("typed", "term"), [
    ("ochrona uzupelniajaca, jak przedluzyc karte pobytu", "subsidiär"),  # entry "ochrona uzupełniająca"
    ("prawo jazdy zgubilem", "Führerschein"),
    ("certificat de nastere pentru copil", "Geburtsurkunde"),  # "naștere"
    ("nufus cuzdani kayboldu", "Personalausweis"),  # "nüfus cüzdanı"
])
def test_a_multilingual_entry_finds_its_words_typed_without_accents(typed, term):
    lexicon = load_lexicon(DEFAULT_LEXICON, MULTILINGUAL_LEXICON)
    assert term in expand_query(typed, lexicon)
    # German stays German: the colloquial lexicon matches as before ("Perso" is no "Pęrso")
    assert "Personalausweis" not in expand_query("Pęrsø", load_lexicon(DEFAULT_LEXICON))


@pytest.mark.parametrize(("question", "term"), [
    # services of a large catalogue that the model alone barely connects to their German titles
    ("my mother gets a widow's pension, who do I ask", "Hinterbliebenenrente"),
    ("babamın eski arabası klasik araç, plaka lazım", "Historisches"),
    ("скільки штрафних балів у мене у Фленсбурзі", "Fahreignungsregister"),
    ("чи потрібна віза громадянину Швейцарії", "Schweizer"),  # not the general visa page
    ("potrzebuję tablice sezonowe na motocykl", "Saisonkennzeichen"),
    ("vreau sa fac reabilitare dupa operatie", "Rehabilitation"),
    ("أريد أن أعمل سائق تاكسي", "Personenbeförderungsschein"),
    # picking up a finished document is a service of its own ("Abholung …")
    ("where can I pick up my residence card", "Abholung"),
    ("yeni ehliyetimi nereden teslim alabilirim?", "Abholung"),
    ("де забрати готовий паспорт?", "Abholung"),
    ("czy żona może odebrać mój dowód osobisty?", "Abholung"),
])
def test_a_multilingual_entry_names_the_catalogues_own_service(question, term):
    assert term in expand_query(question, load_lexicon(DEFAULT_LEXICON, MULTILINGUAL_LEXICON))


def test_an_empty_entry_cancels_across_the_clause_but_not_across_the_thing_found():
    colloquial = load_lexicon(DEFAULT_LEXICON)
    # "wohnung gefunden": "" cancels "gefunden" -> Fundbüro, also with the flat's details in between
    assert "Fundbüro" not in expand_query("wir haben ne Wohnung in der Altstadt gefunden, wo anmelden?", colloquial)
    assert "Fundbüro" not in expand_query("Job in der Stadt gefunden", colloquial)
    # an article starts the thing found: that is lost property
    assert "Fundbüro" in expand_query("auf dem Platz eine Geldbörse gefunden", colloquial)
    assert "Fundbüro" in expand_query("in meiner Wohnung einen fremden Ring gefunden", colloquial)
    # at most three words between
    assert "Fundbüro" in expand_query("eine Wohnung in der Nähe vom Bahnhof gefunden", colloquial)


def test_a_gap_in_an_entry_lets_up_to_three_words_stand_there(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text('nach … gezogen: Wohnsitz\nnach betracht gezogen: ""\n', encoding="utf-8")
    lexicon = load_lexicon(path)
    assert "(Wohnsitz)" in expand_query("wir sind nach Bad Tölz gezogen", lexicon)
    assert "(Wohnsitz)" in expand_query("nach der Stadt gezogen", lexicon)
    assert "Wohnsitz" not in expand_query("nach dem Fest an der Leine gezogen", lexicon)  # four words between
    assert "Wohnsitz" not in expand_query("nach Betracht gezogen", lexicon)  # an empty entry over the same words
    assert "…" not in lexicon.words  # not a spelling target


def test_a_move_in_the_perfect_tense_and_a_dead_dog():
    colloquial = load_lexicon(DEFAULT_LEXICON)
    assert "Wohnsitz Anmeldung" in expand_query("Wir sind nach der Stadt gezogen, wo melden?", colloquial)
    assert "Wohnsitz" not in expand_query("Ich habe in Betracht gezogen, ein Gewerbe anzumelden", colloquial)
    dog = expand_query("mein Hund ist gestorben, muss ich den abmelden?", colloquial)
    assert "Hundesteuer" in dog and "Sterbeurkunde" not in dog
    assert "Sterbeurkunde" in expand_query("Mein Vater ist gestorben", colloquial)


def test_typing_on_a_german_keyboard_drops_the_accents_it_has_no_key_for():
    assert as_typed_on_a_german_keyboard("Mój mąż zmarł, şoför, ședere, Führerschein") == \
        "Moj maz zmarl, soför, sedere, Führerschein"
    assert as_typed_on_a_german_keyboard("паспорт ещё, جواز السفر") == "паспорт еще, جواز السفر"

@pytest.mark.parametrize("path", sorted(DEFAULT_LEXICON.parent.glob("*.yaml")), ids=lambda p: p.name)
def test_no_lexicon_expression_is_written_twice(path):
    # YAML keeps the last of two equal keys without a word; the first entry would silently vanish.
    keys = [line.split(":", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    assert [k for k in set(keys) if keys.count(k) > 1] == []


def test_the_towns_name_in_other_languages_is_neutral_too():
    place = place_pattern("München")
    for typed, neutral in (("Münih'e taşındım", "der Stadt taşındım"), ("живу у Мюнхені", "живу у der Stadt"),
                           ("أعيش بميونخ", "أعيش der Stadt"), ("moved to Munich", "moved to der Stadt"),
                           ("mieszkam w Monachium", "mieszkam w der Stadt")):
        assert without_place_name(typed, place) == neutral
    # another town's names stay, and a town without names in other languages keeps only its own
    assert without_place_name("moved to Cologne", place) == "moved to Cologne"
    assert without_place_name("in Musterstadt, not Munich", place_pattern("Musterstadt")) == "in der Stadt, not Munich"


@pytest.fixture(scope="module")
def corrector() -> SpellingCorrector:
    pages = ["Führerschein verloren", "Personalausweis beantragen", "Wohnungsgeberbestätigung", "Gelber Sack"]
    return SpellingCorrector(pages + [" ".join(load_lexicon(DEFAULT_LEXICON).words)])


@pytest.mark.parametrize(("typed", "meant"), [
    ("Fürerschein", "Führerschein"),  # a letter dropped
    ("fuehrerschein", "Führerschein"),  # umlaut typed as ue
    ("Persoanlausweis", "Personalausweis"),  # two letters swapped
    ("Wohnungsgeberbestätigug", "Wohnungsgeberbestätigung"),
    ("Persso", "perso"),  # a lexicon word, so "Persso" is expanded like "Perso"
])
def test_typos_are_corrected_to_the_pages_words(corrector, typed, meant):
    assert corrector.correction(typed) == meant


@pytest.mark.parametrize("word", [
    "selber",  # a German word one letter from "gelber": left alone
    "Halle",
    "mach",  # too short to guess
    "Wührerschein",  # the first letter differs
    "Fhrerscheinnn",  # too far from any word of the pages
])
def test_known_or_distant_words_are_left_alone(corrector, word):
    assert corrector.correction(word) is None


def test_hostile_input_gets_no_corrections(corrector):
    assert corrector.corrections("a" * 1000 + " " + "ä-" * 300 + " <script>alert(1)</script>") == []


def test_expansion_adds_corrections_and_keeps_what_was_typed(corrector):
    lexicon = load_lexicon(DEFAULT_LEXICON)
    assert expand_query("persso ist weg", lexicon, corrector) == "persso ist weg (perso Personalausweis Verlust)"
    assert expand_query("Führerschein beantragen", lexicon, corrector) == "Führerschein beantragen"


def test_opening_hours():
    office = Office(id="a", name="Amt", opening_hours={"mo": "08:00-12:00, 14:00-18:00"}, closing_days=[date(2026, 12, 28)])
    monday = datetime(2026, 11, 23, 9, 30)
    assert office.is_open(monday) and not office.is_open(monday.replace(hour=13))
    assert office.intervals_on(monday.date()) == [(time(8), time(12)), (time(14), time(18))]
    assert office.intervals_on(date(2026, 12, 28)) == []  # a Monday, but a closing day
    with pytest.raises(ValueError, match="Ende liegt vor dem Beginn"):
        parse_intervals("12:00-08:00")


def test_dialect_words_become_written_german_and_written_german_stays():
    assert written_german("Wos kost'n a zwoate Biotonne bei eich?") == "was kost'n a zweite Biotonne bei euch?"
    assert written_german("muas i mi do ummeldn?") == "muss ich mich da ummelden?"
    # then the colloquial lexicon reads it: "sich ummelden" is the residence
    assert "Wohnsitz" in expand_query(written_german("i mog mi ummeldn"), load_lexicon(DEFAULT_LEXICON))
    for question in ("Was braucht mein Kind für eine Reise ins Ausland?", "Führerschein Klasse A, was kostet des?",
                     "Wie hoch ist die Gebühr des Ausweises?"):
        assert written_german(question) == question


@pytest.mark.parametrize(("typed", "written"), [
    ("lassn", "lassen"), ("tauschn", "tauschen"), ("Gartn", "Garten"),  # "-en" spoken as "-n"
    ("Angln", "Angeln"),  # "-eln" as "-ln"
    ("jezogen", "gezogen"), ("jut", None),  # Berlin "j" for "g"; too short a word to guess
    ("Bahn", None), ("Jahr", None), ("Kindern", None), ("Jonas", None),  # known words and names stay
])
def test_a_word_german_does_not_know_gets_its_regular_written_form(typed, written):
    assert regular_form(typed) == written


def test_no_dialect_entry_is_a_word_of_written_german():
    # Compared without umlauts: "bräucht" was "braucht" and turned every "braucht" into "bräuchte".
    lemma_table = lookup_table("de_lemma_lookup")
    written = {fold(word) for word in [*lemma_table, *lemma_table.values()]}
    # Rare in written German and frequent in dialect: "hob" (past of "heben"; Bavarian "habe"), "olles", "haste".
    accepted = {"hob", "olles", "haste"}
    entries = yaml.safe_load(DIALECT_TABLE.read_text(encoding="utf-8"))
    assert {fold(key) for key in entries} & written == accepted
