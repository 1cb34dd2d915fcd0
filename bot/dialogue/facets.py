"""What a question asks about (cost, documents, place, deadline, validity, online, appointment, contact).

Used to pick the section of a page that answers the question, and to recognise follow-ups
("und was kostet das?") that refer to the service discussed before.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from functools import cache

from retrieval.german_text import fold, lemmas, separable_verbs
from retrieval.languages import DETECTED, is_german
from retrieval.search.dialect import written_german
from retrieval.search.expansion import Lexicon, phrases_found, words_of

# Up to 40 characters of one clause: "wie lange dauert es und wie lange ist er gültig?" asks both.
_WITHIN_CLAUSE = r"((?!\b(wie|wia|und)\b)[^?.!,]){0,40}"
# Patterns on the folded question (umlauts as a/o/u).
FACETS: dict[str, re.Pattern[str]] = {
    "cost": re.compile(r"\b(kost\w*|gebuhr\w*|preis\w*|teuer\w*|euro|bezahl\w*|zahl(e|en|t)\b|billig\w*|umsonst|gratis"
                       r"|blech(e|en|st|t)\b|gunstig\w*|beitrag\b|beitrage\b|zoi(d|dt|t|n)\b|zahln\b)"),
    "documents": re.compile(r"\b(unterlagen|dokument\w*|mitbring\w*|mitbrig\w*|mitnehm\w*|nachweis\w*|papiere|formular\w*"
                            r"|vorleg\w*|vorzeig\w*"
                            # "was brauche ich dafür?", "was brauch i do ois?"; not the yes-or-no question
                            # "Brauch ich für mein Wohnmobil ein Saisonkennzeichen?", which asks for a service
                            r"|\b(was|wos)( \w+){0,2} brauch\w* (ich|i|man|wir)\b|brauch\w* (ich|i|man|wir) (da |do )?(alles|ois))"),
    "deadline": re.compile(r"\b(frist\w*|wie lange?\b|wie ?viel zeit|bis wann|dauer\w*|wann (ist|bekomm|krieg)\w*"
                           r"|rechtzeitig|spatestens"
                           r"|fallig\w*|wann (darf|muss|kann|soll) (man|ich|i)\b"
                           r"|schnell(er)?\b)"),
    # How long a document or permit stays valid, not how long it takes: "wie lange ist der Pass
    # gültig?", "bis wann gilt der Parkausweis?", "ist mein Ausweis noch gültig?" (not "einen
    # gültigen Ausweis vorlegen").
    "validity": re.compile(rf"\bgultigkeit\w*|\b(wie|wia) lang(e)?\b{_WITHIN_CLAUSE}\b(gultig|gilt|gelten)\b"
                           rf"|\b(gilt|gelten)\b{_WITHIN_CLAUSE}\b(wie|wia) lang(e)?\b"
                           rf"|\bbis wann\b{_WITHIN_CLAUSE}\b(gultig|gilt|gelten)\b"
                           rf"|\b(ist|sind|bleibt|bleiben|is)\b{_WITHIN_CLAUSE}\bgultig\b"),
    # "muss ich da persönlich hin?" asks whether it works without going there: the online facet.
    # An online shop is a subject, not the way to apply: "Gewerbe für meinen Onlineshop anmelden".
    "online": re.compile(r"\b(online(?!-?(shop|hand|versand|banking|ausweis))|internet\b|digital\w*|von zu ?hause"
                         r"|per mail|e-?mail(?!-?adresse)|personlich|vor ort"
                         r"|hin(gehen|kommen|fahren)|selbst (hin|vorbei)|muss\w* (ich|i|man|wir) (da |dort )?hin\b)"),
    "appointment": re.compile(r"\b(termin(?!al)\w*|vorbeikommen|einfach so vorbei)"),  # not "Foto-Terminal"
    # "Adresse" asks where only as "wie ist die Adresse?", "und die Adresse?": "meine neue Adresse
    # anmelden" and "die Adresse im Fahrzeugschein ändern" are about the address, not the office's.
    "where": re.compile(r"\b(wo\b|wohin|zustandig\w*|welches amt|welche stelle|welche adresse"
                        r"|(wie|was) (ist|lautet) (denn )?(die |eure |ihre )?adresse"
                        r"|adresse (des|der|vom|von dem) (amt|amts|buros|burgerburos|stelle)"
                        r"|^\W*(und )?(die )?adresse\W*$)"),
    "contact": re.compile(r"\b(anruf\w*|oruaf\w*|telefon\w*|nummer|erreiche ich|erreichen\b|kontakt\w*|ansprechp\w*"
                          r"|e-?mail-?adresse|wen (kann|soll) (ich|i|man) (da |dort )?(frag|ansprech)\w*)"),
    # How it is done, the steps: "was muss ich da machen?", "wie geht das?", "wie läuft das ab?" (not
    # "Ablaufdatum", not "mein Ausweis läuft ab"). Last, so that a question that also asks something
    # specific is answered on that first.
    "procedure": re.compile(r"\bwas (muss|mus|muas|soll) (ich|i|man|wir) (\w+ ){0,2}(tun|machen|doa)\b"
                            r"|\bwie (geht|gehts|lauft|funktioniert|klappt) (das|des|es)\b(?! (ihnen|dir|euch)\b)"
                            r"|\bwie (mache|gehe) ich\b|\bwie lauft (das|des|es) ab\b|\bablaufs?\b|\bvorgehen\b"
                            r"|\bvorgehensweise\b"),
}
# Section headings that answer each facet, the most specific word first: a page with both
# "Voraussetzungen" and "Erforderliche Unterlagen" answers "was muss ich mitbringen?" with the second.
# After the German words, the usual headings of a page's versions in the other languages and in
# Leichte Sprache (knowledge_base/sprachen/): "Fees", "Ücret", "Вартість", "الرسوم", "Das brauchen Sie".
SECTION_WORDS: dict[str, tuple[str, ...]] = {
    "cost": ("gebühr", "kosten", "preis", "steuers", "beitr",
             "fee", "cost", "price", "ücret", "fiyat", "вартість", "ціна", "стоимость", "цена", "الرسوم",
             "التكلفة", "koszt", "opłat", "taxe", "tarif"),
    "documents": ("unterlagen", "voraussetzung", "mitbringen", "nachweis", "das brauchen sie",
                  "what you need", "documents", "belge", "документ", "الأوراق", "الوثائق", "dokument", "acte"),
    "deadline": ("frist", "dauer", "fällig", "bearbeitung", "so lange",
                 "how long", "süre", "строк", "срок", "مدة", "jak długo", "czas", "durat"),
    "validity": ("gültigkeit", "validity", "geçerlilik", "термін дії", "срок действия", "ważność", "valabilitate",
                 "الصلاحية"),
    "online": ("online", "internet", "çevrim", "онлайн", "الإنترنت"),
    "contact": ("kontakt", "ansprechp", "contact", "iletişim", "контакт", "اتصال"),
    "procedure": ("ablauf", "so geht", "vorgehen", "how it works", "procedure", "step", "nasıl", "порядок",
                  "як це", "как это", "procedura", "jak to", "procedur", "الإجراء", "كيف"),
}
_FACET_WORDS = {"kosten", "kostet", "gebuhr", "unterlage", "dauern", "frist", "online", "termin", "genau", "und",
                "brauchen", "brauche", "brauch", "teuer", "lange", "denn", "dafur", "das", "da",
                # verbs that fit any service: "kann ich den auch online beantragen?" names no topic
                "beantragen", "machen", "erledigen", "bekommen", "kriegen", "bringen", "nehmen", "mitbringen", "mitnehmen",
                # "was kostet ein neuer?" after a lost ID asks about that service, not about "new" ones
                "neu",
                # "geht das schnell?" asks how long, about what was just discussed
                "gehen", "schnell", "schnellen",
                # going there in person is the online facet: "muss ich da persönlich hin?"
                "personlich", "ort", "selbst", "hingehen", "hinkommen", "hinfahren",
                # which office, and sending instead of going: "welches Amt ist zuständig?", "per Mail schicken?"
                "amt", "zustandig", "zustandige", "per", "mail", "schicken", "senden",
                # Bavarian function words: "was brauch i do ois?", "wos zoid ma dafür?", "muas i an Termin hom?"
                "do", "ois", "wos", "ma", "muas", "ko", "hob", "hom", "mia", "wia", "des", "is", "zoin",
                # asking for a phone number names no topic either: "wen kann ich da anrufen?"
                "anrufen", "ruf", "rufe", "erreichen", "telefonisch", "telefonnummer", "nummer", "kontakt",
                # how long it stays valid: "wie lange ist der gültig?"
                "gultig", "gultigkeit", "gelten", "gilt"}

# The same for the other languages: verbs that fit any service ("what do I need?", "які документи
# потрібні?") and "new" ("how much is a new one?"), beside each language's stop words; the facet
# words themselves ("cost", "коштує") are the multilingual lexicon's.
_GENERIC_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"need", "needed", "bring", "apply", "get", "pay", "take", "go", "done", "new"}),
    "tr": frozenset({"lazım", "gerekli", "gerek", "gerekiyor", "götürmem", "getirmem", "başvuru", "yapabilir",
                      "gitmem", "gitmeliyim", "yapmam", "yapmalıyım", "yeni", "yenisi"}),
    "uk": frozenset({"потрібно", "потрібні", "потрібен", "потрібна", "треба", "подати", "взяти", "йти",
                      "піти", "зробити", "звернутися", "новий", "нова", "нове", "нового", "нову"}),
    "ru": frozenset({"нужно", "нужны", "нужен", "нужна", "надо", "стоит", "подать", "взять", "идти", "пойти",
                      "сделать", "обратиться", "новый", "новая", "новое", "нового", "новую"}),
    "pl": frozenset({"potrzebne", "potrzebuję", "potrzebny", "trzeba", "muszę", "złożyć", "iść", "pójść",
                      "zrobić", "załatwić", "idzie", "nowy", "nowa", "nowe", "nowego", "nową"}),
    "ro": frozenset({"nevoie", "trebuie", "necesare", "aduc", "depun", "merg", "fac", "adresez", "nou", "nouă",
                      "noua"}),
    "ar": frozenset({"أحتاج", "احتاج", "يجب", "أحضر", "احضر", "المطلوبة", "مطلوب", "أذهب", "اذهب", "جديد",
                      "جديدة", "يمكنني", "يمكن", "القيام", "أقوم", "يوجد", "هناك", "طلب", "الطلب"}),
}


def facets_of(question: str) -> list[str]:
    """The facets a German question asks, its separated verbs joined ('was bringe ich mit?' ->
    mitbringen -> documents)."""
    folded = fold(" ".join([question, *separable_verbs(question)]))
    # The "wie lange" of "wie lange ist er gültig?" asks the validity, not the processing time.
    without_validity = FACETS["validity"].sub(" ", folded)
    return [name for name, pattern in FACETS.items()
            if pattern.search(without_validity if name == "deadline" else folded)]


# How long something stays valid, in the other languages: read here, not through the lexicon,
# whose "how long" adds the German words of a processing time to the search.
VALIDITY_WORDS = re.compile(r"\b(valid|validity|expire\w*|geçerli\w*|gecerli\w*|дійсн\w*|действител\w*"
                             r"|ważn\w*|wazn\w*|valabil\w*|valabilitate\w*)|صالح\w*|صلاحي\w*")


# "What do I need to do?" asks the procedure, as German "was muss ich tun?" does: the lexicon's
# "what do I need" reads it as the documents. Unless the documents are named ("which documents do
# I need, what do I do?"), a verb of doing takes that facet's place; so does "how does it work?".
_ASKS_HOW = re.compile(r"\b(to|i|we) do\b(?! not\b)|\byap(mam|mak|malı\w*|mamız|acağım)\b|\bзробити\b|\bробити\b"
                       r"|\bсделать\b|\bделать\b|\bzrobić\b|\brobić\b|\bfac\b|\bfacem\b"
                       r"|أفعل|افعل|أعمل|اعمل|نفعل"
                       r"|\bhow (does|do) (it|this|that|i do)\b|\bwhat are the steps\b|\bhow to do\b"
                       r"|\bnasıl (yapılır|yapabilirim|yaparım|işliyor)|\bяк це (робиться|працює)\b"
                       r"|\bкак это (делается|работает)\b|\bjak to (działa|wygląda|się robi)\b"
                       r"|\bcum (se face|funcționează)\b"
                       r"|كيف يتم ذلك|كيف أقوم")
_DOCUMENT_WORDS = re.compile(r"document|dokument|документ|belge|evrak|paper|papier|\bacte\b|الأوراق|الوثائق|المستندات")


# Facet words of the other languages that are read here and not through the lexicon, because as
# search terms they would pull other pages: "Adresse" the address-change pages above "register my
# address", "Termin" the appointment pages above "запис до садка" (registering a child).
_DIALOGUE_ONLY_WORDS: dict[str, frozenset[str]] = {
    "where": frozenset({"address", "adres", "adresi", "adresa", "adresă", "адреса", "адресу", "адрес", "عنوان",
                        "العنوان"}),
    "appointment": frozenset({"запис", "запись"}),
}
_ALL_DIALOGUE_ONLY_WORDS = frozenset().union(*_DIALOGUE_ONLY_WORDS.values())
# They ask only in a short question ("care este adresa?"); in a longer one the address is the subject.
MAX_WORDS_OF_A_DIALOGUE_ONLY_FACET = 4


def facets_asked(question: str, lang: str, expand: Callable[[str, str], str]) -> list[str]:
    """What a question in any language asks about. The facet words are German; a question in another
    language is read with the German terms its expansion adds ("how much" -> "Gebühren Kosten")."""
    if is_german(lang):
        return facets_of(written_german(question))  # "wia lang dauert des?" asks as "wie lang"
    facets = facets_of(expand(question, lang))
    lowered = question.lower()
    if _ASKS_HOW.search(lowered):
        if "documents" in facets and not _DOCUMENT_WORDS.search(lowered):
            facets.remove("documents")
        if "procedure" not in facets:
            facets.append("procedure")
    if VALIDITY_WORDS.search(lowered):  # "how long is it valid?": not the processing time
        facets = ["validity", *(f for f in facets if f != "deadline")]
    words = [w.lower() for w in words_of(question)]
    if len(words) > MAX_WORDS_OF_A_DIALOGUE_ONLY_FACET:  # "I moved and want to register my new address"
        return facets
    return facets + [facet for facet, own in _DIALOGUE_ONLY_WORDS.items() if facet not in facets and own & set(words)]


def topic_words(question: str, lang: str = "de", lexicon: Lexicon | None = None) -> list[str]:
    """The words that name a subject, not a facet: 'was kostet ein Personalausweis?' -> ['personalausweis'].

    In another language: the words that are neither that language's stop words (spaCy's lists) nor
    part of an expression the multilingual ``lexicon`` reads as a facet ('how much does it cost?' ->
    [], 'скільки коштує паспорт?' -> ['паспорт'])."""
    if is_german(lang):
        question = written_german(question)  # "wos" and "mi" are no subjects
        # A word that asks a facet by itself names no subject either, in any spelling: "was kost des?"
        words = [w for w in lemmas(question) if w not in _FACET_WORDS and not _asks_a_facet(w)]
        # "und die Adresse?" asks where the service is done; searched, it found the address-change
        # pages. In a longer question the address is the subject ("neue Adresse im Fahrzeugschein").
        if len(question.split()) <= MAX_WORDS_OF_A_DIALOGUE_ONLY_FACET and "where" in facets_of(question):
            return [w for w in words if w != "adresse"]
        return words
    words = words_of(question)
    in_facet = {i for (start, end), terms in (phrases_found(question, lexicon) if lexicon else [])
                if facets_of(terms) for i in range(start, end)}
    stop = _no_topic(lang)
    return [w.lower() for i, w in enumerate(words) if i not in in_facet and w.lower() not in stop and not w.isdigit()]


@cache
def _asks_a_facet(word: str) -> bool:
    """The word alone asks a facet ("kost", "gebühren", "termin"); not "where": "Adresse" is also a subject."""
    return any(pattern.fullmatch(word) for name, pattern in FACETS.items() if name != "where")


@cache
def _no_topic(lang: str) -> frozenset[str]:
    return stop_words(lang) | _GENERIC_WORDS.get(lang, frozenset()) | _ALL_DIALOGUE_ONLY_WORDS


@cache
def stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words of ``lang`` ('en', 'uk' …), lower case; none for a language the bot does not
    speak (the code names a module: only known codes are looked up) or spaCy lacks."""
    if lang not in DETECTED:
        return frozenset()
    try:
        return frozenset(w.lower() for w in importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS)
    except ModuleNotFoundError:
        return frozenset()


def is_follow_up(question: str, lang: str = "de", lexicon: Lexicon | None = None,
                 facets: list[str] | None = None) -> bool:
    """A short question about a facet, with at most one word of its own: 'und was kostet das?',
    'wo genau?', but also 'was kostet ein Personalausweis?' (the search tells those apart). In another
    language ``facets`` are those read from its German expansion (the action's facets)."""
    asked = facets_of(question) if facets is None else facets
    return bool(asked) and len(topic_words(question, lang, lexicon)) <= 1 and len(question) <= 60


def facet_section(facet: str, parts: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The (heading, text) among ``parts`` whose heading answers ``facet``: the one with the
    earliest word of SECTION_WORDS, then the first on the page; None if no heading fits."""
    for word in SECTION_WORDS.get(facet, ()):
        for heading, text in parts:
            if word in heading.lower():
                return heading, text
    return None


# "und die Telefonnummer?", "Nummer?", "and the email?", "номер телефону?": a message that asks for an
# office's contact details and for nothing else (no person: "kann ich da jemanden anrufen?" is a wish
# for staff). Folded words: umlauts as a/o/u.
_CONTACT_DETAIL_WORDS = frozenset({
    "telefonnummer", "telefon", "nummer", "tel", "rufnummer", "mail", "email", "e", "mailadresse", "emailadresse",
    "kontakt", "kontaktdaten", "phone", "number", "contact", "details", "numara", "numarasi", "numarası", "telefonu",
    "номер", "телефон", "телефона", "телефону", "numer", "numerem", "număr", "numărul", "numar", "numarul",
    "رقم", "الهاتف", "هاتف"})
_CONTACT_FILLER_WORDS = frozenset({
    "und", "die", "ihre", "eure", "deren", "wie", "ist", "lautet", "denn", "bitte", "noch", "auch", "dort", "da",
    "davon", "von", "adresse", "and", "the", "their", "what", "is", "s", "please", "ve", "ne", "nedir", "а", "і",
    "и", "яка", "який", "какой", "ваш", "ваша", "їх", "их", "a", "jaki", "jest", "și", "si", "care", "este", "و",
    "ما", "هو"})


def asks_only_for_contact_details(text: str) -> bool:
    """True for "und die Telefonnummer?" or "and the email?", said of an office in context."""
    words = words_of(fold(text))
    return (0 < len(words) <= 6 and any(w in _CONTACT_DETAIL_WORDS for w in words)
            and all(w in _CONTACT_DETAIL_WORDS or w in _CONTACT_FILLER_WORDS for w in words))
