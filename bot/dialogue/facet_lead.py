"""The lines that answer the asked facet first: the fee for "was kostet …?", yes or no with the
link for "geht das online?", the time span for "wie lange …?", the list for "was brauche ich?",
the office with today's hours for "wo …?".

Whole sentences and whole list items of the page are selected, never cut. None when the page
says nothing about the facet; the answer then falls back to the best section.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.dialogue.facets import FACETS, VALIDITY_WORDS, facet_section
from retrieval.german_text import fold, sentences
from retrieval.kb.chunking import plain_text, sections
from retrieval.kb.documents import Document
from retrieval.kb.offices import Office
from retrieval.languages import is_german

MAX_LIST_ITEMS = 8
MAX_SENTENCES = 2
MAX_WORDS_OF_A_LABEL = 5
# A numbered step of a few words without a full stop: "3. Unterlagen hochladen", "2. **Online-Antrag stellen**".
_STEP_NAME = re.compile(r"^\d+\.\s+(?=\S)((?:\S+\s*){1,4})$(?<![.!?:])")
MAX_WORDS_OF_A_LINE = 12  # "Ersterteilung: 100 Euro" is a line of a fee list, not a sentence
# A line that is bold as a whole and no sentence ("**Bitte zahlen Sie vor Ort.**" is emphasis), question
# or announcement: a heading in the text ("**Nach der Einreise**", "**Express-Bestellung**").
_BOLD_HEADING_LINE = re.compile(r"^\s*\*\*([^*:?]*[^*:?.!\s])\s*\*\*\s*$")
LIST_ITEM = re.compile(r"^\s*([-*]|\d+\.)\s+")
_NUMBER = r"(\d+|ein|einer|eine|zwei|drei|vier|funf|sechs|sieben|acht|neun|zehn|zwolf|vierzehn|einigen|wenigen)"
# A time span on the folded text ("drei bis vier Wochen", "14 Tage"; years are mostly ages and
# validity, not waiting times), and the words of a deadline or a processing time.
_COUNT = rf"\b{_NUMBER}(\s*(bis|-|–)\s*{_NUMBER})?\s*"  # "drei", "drei bis vier", "3-4"
_TIME_SPAN = re.compile(rf"{_COUNT}(werk|arbeits|kalender)?(tag|woche|monat|stunde|minute)\w*"
                        r"|\b(sofort|am selben tag|am gleichen tag)\b")
# How long something stays valid ("zehn Jahre gültig", "Gültigkeit für das aktuelle Kalenderjahr"):
# years count here, and a fee line that names a validity answers it ("12 Monate gültig: 30 Euro").
_VALID = re.compile(r"\bgultig\b|\bgultigkeit\w*")  # not "einen gültigen Ausweis, sobald Sie 16 Jahre alt sind"
_VALID_SPAN = re.compile(rf"{_COUNT}(kalender)?(jahr|monat|woche|tag)\w*"
                         r"|\bkalenderjahr|\b(unbefristet|unbegrenzt|lebenslang|dauerhaft)\b")
# A sentence that begins by pointing back ("Dieser ist drei Monate gültig.") is quoted with the one before.
_POINTS_BACK = re.compile(r"^(dieser|diese|dieses|er|es) (ist|sind|gilt|gelten|bleibt|wird)\b")
MAX_VALIDITY_LINES = 4
# "valid for 10 years", "10 yıl geçerli", "дійсне 10 років", "صالحة 10 سنوات": the word of validity
# next to the span, so that an age ("From your 16th birthday … a valid ID card") is not one.
_SPAN_ABROAD = (r"\d+([.,]\d+)?\s*(years?|months?|weeks?|days?|yıl|ay|hafta|gün|рік|роки|років|місяц\w*|тиж\w*|дн\w*"
                r"|год|года|лет|месяц\w*|недел\w*|rok|lata|lat|miesi\w*|tygodn\w*|dni|ani|an|luni|lună|săptăm\w*|zile"
                r"|سنة|سنوات|شهر|أشهر|أسبوع|يوم|أيام)\b")
_VALID_FOR = re.compile(rf"({VALIDITY_WORDS.pattern})\W+(\w+\W+){{0,2}}{_SPAN_ABROAD}"
                        rf"|{_SPAN_ABROAD}\W+(\w+\W+)?({VALIDITY_WORDS.pattern})")
_DEADLINE_WORDS = re.compile(r"\b(frist\w*|spatestens|innerhalb|dauer\w*|bearbeitung\w*|fertig\w*|abholbereit|rechtzeitig)")
_ONLINE_NO = re.compile(r"\b(nicht|kein\w*) (online|digital|moglich)|nur (personlich|vor ort)")
_FEE = re.compile(r"\d\s*(euro|€)")
_IN_PERSON = re.compile(r"\bpersonlich\b")
_SAYS_ONLINE = re.compile(r"\bonline(?!-?ausweis)")  # the eID ("Online-Ausweis") is no online service
_ONLINE_YES = re.compile(r"\bonline-?(anmeldung|antrag|dienst|service|formular|verfahren|portal)"
                         # up to three words between, none of them an appointment ("online einen Termin buchen")
                         r"|\bonline ((?!\w*termin)\w+ ){0,3}(beantrag|anmeld|erledig|stell|bestell|ummeld|abmeld|buch"
                         r"|einreich|vornehm)"
                         r"|\bonline oder (personlich|vor ort)|\bpersonlich oder online")
# Sections that are lists of links, not text to quote.
LINK_SECTIONS = ("formulare", "links", "weitere informationen")
# Form titles that name information about a topic, not a way to do it online.
_INFO_TITLE = re.compile(r"^(information|flyer|faq|hinweis|merkblatt)")
LABEL = {"cost": "Kosten", "documents": "Unterlagen", "deadline": "Dauer und Fristen", "validity": "Gültigkeit",
         "online": "Online", "where": "Wo", "appointment": "Termin", "contact": "Kontakt", "procedure": "Ablauf"}


def _lines_of(markdown: str, max_items: int = MAX_LIST_ITEMS) -> list[str]:
    """A section as lines: a list keeps its items (and the one line before or after it, where it
    stands); other text keeps its order, each list item and each short line without a full stop
    ("13 Euro", "Erwachsene: 100 Euro") a line of its own (at most ``max_items``), prose up to its
    MAX_SENTENCES-th sentence."""
    lines = [line.strip() for line in markdown.splitlines() if line.strip()]
    items = [line for line in lines if LIST_ITEM.match(line)]
    if items and len(items) >= len(lines) - 1:
        # A note after the fee list ("Bitte zahlen Sie erst vor Ort.") stays after it: the fees come first.
        listed = [_as_item(item) for item in items[:max_items]]
        if LIST_ITEM.match(lines[0]):
            return listed + [plain_text(line) for line in lines if not LIST_ITEM.match(line)]
        return [plain_text(lines[0])] + listed
    out: list[str] = []
    shown_items = shown_sentences = 0
    for unit, is_item in _units(markdown):
        if is_item and shown_items < max_items:
            out.append(unit)
            shown_items += 1
        elif not is_item:
            out.append(unit)
            # "…, betragen die Gebühren:" announces the list after it; the rest of the page is detail
            shown_sentences += not unit.endswith(":")
            if shown_sentences == MAX_SENTENCES:
                break
    return out


def _units(markdown: str) -> Iterator[tuple[str, bool]]:
    """(text, is a line of its own) in page order: list items and short lines without a full stop
    are lines; the lines of a paragraph between them are joined and split into sentences (joining
    across a blank line made "13 Euro Wenn Sie den Antrag …")."""
    for paragraph in re.split(r"\n\s*\n", markdown):
        prose: list[str] = []
        for line in [*paragraph.splitlines(), ""]:
            line = line.strip()
            if line and not LIST_ITEM.match(line) and not _ENDS_WITH_AMOUNT.search(line):
                prose.append(line)
                continue
            if prose:
                text = plain_text(" ".join(prose))
                if len(text.split()) <= MAX_WORDS_OF_A_LINE and not text.endswith((".", "!", "?", ":")):
                    yield text, True
                else:
                    yield from ((sentence, False) for sentence in sentences(text))
                prose = []
            if line and LIST_ITEM.match(line):
                yield _as_item(line), True
            elif line:  # "Erwachsene: je Antrag 255 Euro", then "minderjähriges Kind …: 51 Euro": two fee lines
                yield plain_text(line), True


# A line that ends with an amount is a line of a fee list, however long, never the start of a sentence
# that the next line goes on with.
_ENDS_WITH_AMOUNT = re.compile(r"\d\s*(euro|eur|€)\**$", re.IGNORECASE)


def _as_item(line: str) -> str:
    """A list item as a line; a numbered one keeps its number (the steps of a procedure are in order)."""
    number = re.match(r"\s*(\d+)\.\s", line)
    return (f"{number.group(1)}. " if number else "- ") + plain_text(LIST_ITEM.sub("", line))


def _section(doc: Document, facet: str) -> str | None:
    section = facet_section(facet, sections(doc.body))
    return section[1] if section else None


def page_sentences(doc: Document, pattern: re.Pattern[str], announcing: bool = False) -> list[str]:
    """The page's sentences (list items count as sentences) whose folded text matches ``pattern``;
    with ``announcing`` also those that only announce what follows ("So geht die Online-Anmeldung:")."""
    found = []
    for heading, text in sections(doc.body):
        if heading.casefold() in LINK_SECTIONS:
            continue
        label = None
        for line in text.splitlines():
            if _STEP_NAME.match(line.strip()):  # "3. Unterlagen hochladen" names a step, it states no fact
                continue
            for sentence in sentences(plain_text(LIST_ITEM.sub("", line.strip()))) if line.strip() else []:
                # "So funktioniert die Online-Anmeldung:" only announces what follows
                if not pattern.search(fold(sentence)) or (sentence.endswith(":") and not announcing):
                    continue
                sentence = sentence[:-1] + "." if sentence.endswith(":") else sentence
                if label and fold(label) not in fold(sentence):
                    sentence = f"{label}: {sentence}"
                if sentence not in found:
                    found.append(sentence)
            label = _label_of(line.strip())  # None after a blank line
    return found


def _label_of(line: str) -> str | None:
    """A bold line of a few words names what its paragraph is about ("**Express-Bestellung**"):
    a sentence quoted from there keeps it ("Express-Bestellung: Die Bearbeitungszeit … drei bis sechs
    Arbeitstage.", not the passport's own processing time)."""
    return bold_heading(line, MAX_WORDS_OF_A_LABEL)


def bold_heading(line: str, max_words: int = MAX_WORDS_OF_A_LINE) -> str | None:
    """The text of a bold heading line of at most ``max_words`` words, else None."""
    bold = _BOLD_HEADING_LINE.match(line)
    return bold.group(1).strip() if bold and len(bold.group(1).split()) <= max_words else None


def _cost(doc: Document) -> list[str] | None:
    section = _section(doc, "cost")
    if section:
        return _lines_of(section)
    if doc.meta.fees:
        return _lines_of(doc.meta.fees)
    return page_sentences(doc, FACETS["cost"])[:MAX_SENTENCES] or None


def _documents(doc: Document) -> list[str] | None:
    section = _section(doc, "documents")
    if section:
        return _lines_of(section)
    if doc.meta.documents:
        return [f"- {d}" for d in doc.meta.documents[:MAX_LIST_ITEMS]]
    # "ab 40 Euro (wenn besondere Unterlagen erforderlich sind …)" is a fee line, not a list of documents
    said = [sentence for sentence in page_sentences(doc, FACETS["documents"]) if not _FEE.search(fold(sentence))]
    return said[:MAX_SENTENCES] or None


def _deadline(doc: Document) -> list[str] | None:
    """A section on duration or deadlines, else sentences with a time span, those that also name a
    deadline or processing time first."""
    section = _section(doc, "deadline")
    if section:
        return _lines_of(section)
    # "12 Monate gültig: 30 Euro" is a fee line, not how long anything takes
    spans = [sentence for sentence in page_sentences(doc, _TIME_SPAN)
             if not _FEE.search(fold(sentence)) or _DEADLINE_WORDS.search(fold(sentence))]
    spans.sort(key=lambda sentence: not _DEADLINE_WORDS.search(fold(sentence)))  # stable: page order within
    return spans[:MAX_SENTENCES] or None


def _validity(doc: Document) -> list[str] | None:
    """A section on validity, else the page's sentences and lines that say how long something is valid."""
    section = _section(doc, "validity")
    if section:
        return _lines_of(section)
    found: list[str] = []
    before = ""
    for sentence in page_sentences(doc, re.compile(".")):
        if _states_validity(sentence):
            if _POINTS_BACK.match(fold(sentence)) and before and before not in found:
                found.append(before)
            found.append(sentence)
        before = sentence
    return found[:MAX_VALIDITY_LINES] or None


def translated_validity(translation: Document) -> list[str] | None:
    """In a page's version in another language, which has no heading for it: the lines that say how
    long something is valid ("70 euros from age 24 (valid for 10 years)", "10 yıl geçerli")."""
    found = [sentence for sentence in page_sentences(translation, re.compile(r"\d"))
             if _VALID_FOR.search(sentence.lower()) or _states_validity(sentence)]  # Leichte Sprache is German
    return found[:MAX_VALIDITY_LINES] or None


# What states a fee, a time span or the online way in a page's version in another language, which
# has no heading on it: "Applying is free.", "within **two weeks**", "You can also register online".
_FEE_ABROAD = re.compile(r"\d\s*(euro|eur\b|€|євро|евро|يورو)|€\s*\d|\b(is|are) free\b|\bfree of charge|\bfor free\b"
                         r"|\bno (fee|charge)|ucretsiz|ucret alinmaz|безкоштовн|бесплатн|bezpłatn|bezplatn|darmow"
                         r"|gratuit|gratis|مجان")
_TWO_OR_MORE = (r"(two|three|four|five|six|iki|uc|dort|bes|два|двох|три|трьох|чотир\w*|двух|трех|dwa|dwoch|dwóch"
                r"|trzy|trzech|doua|două|doi|trei|patru)")
_SPAN_ABROAD_SAID = re.compile(rf"{_SPAN_ABROAD}|\b{_TWO_OR_MORE}\W+(\w+\W+)?(years?|months?|weeks?|days?|yıl|ay"
                               r"|hafta|gun|gün|рок\w*|років|місяц\w*|тиж\w*|дн\w*|год\w*|лет|месяц\w*|недел\w*|lat\w*"
                               r"|miesi\w*|tygod\w*|dni|ani|luni|saptam\w*|săptăm\w*|zile)\b|أسبوعين|يومين|شهرين")
_ONLINE_ABROAD = re.compile(r"\bonline\b(?![- ]?(id|ausweis))|\binternet|cevrimici|çevrimiçi|онлайн|الإنترنت|الانترنت")
_CUES_ABROAD = {"cost": _FEE_ABROAD, "deadline": _SPAN_ABROAD_SAID, "online": _ONLINE_ABROAD}
_CUES_LEICHTE_SPRACHE = {"cost": FACETS["cost"], "online": re.compile(r"\bonline|\binternet")}
_LS_ONLINE_WAY = re.compile(rf"{_SAYS_ONLINE.pattern}|\binternet")


def translated_facet(translation: Document, facet: str) -> list[str] | None:
    """In a page's version in another language or in Leichte Sprache that has no heading on the
    asked facet: the sentences that state it, None if none does. Leichte Sprache is read as German."""
    if facet == "validity":
        return translated_validity(translation)
    if is_german(translation.meta.lang):
        if facet == "deadline":
            return _deadline(translation)
        cue = _CUES_LEICHTE_SPRACHE.get(facet)
    else:
        cue = _CUES_ABROAD.get(facet)
    found = page_sentences(translation, cue) if cue else []
    # "Dort sperren Sie den Online-Ausweis." is no online way; beside one ("im Internet") it says what it needs
    if facet == "online" and is_german(translation.meta.lang) \
            and not any(_LS_ONLINE_WAY.search(fold(sentence)) for sentence in found):
        found = []
    if facet == "deadline":  # "(37.50 euros, valid for 6 years)" is no waiting time
        found = [sentence for sentence in found if not VALIDITY_WORDS.search(sentence.lower())]
    return found[:MAX_SENTENCES] or None


def _states_validity(sentence: str) -> bool:
    folded = fold(sentence)
    return bool(_VALID.search(folded) and _VALID_SPAN.search(folded))


def online_link(doc: Document) -> tuple[str, str] | None:
    """(title, url) of the page's online service: its own field, else a form named "online"."""
    if doc.meta.online_service_url:
        return "Online-Dienst", str(doc.meta.online_service_url)
    form = next((f for f in doc.meta.forms if "online" in fold(f.title) and not _INFO_TITLE.match(fold(f.title))), None)
    return (form.title, str(form.url)) if form else None


def _online(doc: Document) -> list[str] | None:
    said = page_sentences(doc, _SAYS_ONLINE, announcing=True)
    link = online_link(doc)
    if link:
        return [f"Ja, das geht online: {link[0]} – {link[1]}", *[s for s in said if s != link[0]][:1]]
    no = [s for s in said if _ONLINE_NO.search(fold(s))]  # "Ein Online-Antrag ist nicht möglich." is a no
    yes = [s for s in said if s not in no and _ONLINE_YES.search(fold(s))]
    if no and yes:  # "entweder online oder persönlich … Nebenwohnsitze nicht online": the exception is no "no"
        return ["Zum Teil online.", yes[0], no[0]]
    if no:
        return ["Nein, online geht das nicht.", no[0]]
    if yes:
        return ["Ja, das geht online.", yes[0]]
    if said:
        return said[:1]
    in_person = page_sentences(doc, _IN_PERSON)[:1]
    if in_person:
        return ["Online geht das nach dieser Seite nicht.", *in_person]
    return None  # the answer says so (NOT_ON_PAGE in answers.py)


def _appointment(doc: Document) -> list[str] | None:
    said = page_sentences(doc, FACETS["appointment"])[:1]  # "Vorsprache nur mit Termin." answers "brauche ich …?"
    if doc.meta.booking_url:
        return [*said, f"Termin buchen: {doc.meta.booking_url}"]
    return said or None


def _contact(offices: list[Office]) -> list[str] | None:
    office = offices[0] if offices else None
    if not office or not (office.phone or office.email):
        return None
    reach = " oder ".join(x for x in (f"Tel. {office.phone}" if office.phone else "", office.email or "") if x)
    return [f"Sie erreichen {office.name} unter {reach}."]


# A page sentence that names the one place it is done: "nur im Bürgerbüro Ruppertstraße", "ausschließlich in
# der Zulassungsbehörde", "ausschließlich an der Eichstätter Straße 2" (folded); not "nur in den Vertragsstaaten".
_ONLY_THERE = re.compile(r"\b(nur|ausschliesslich)\s+(im|in der|beim|bei der|an der)\s+(\w+\s+)?"
                         r"[\w-]*(buro|behorde|amt|stelle|referat|strasse)\b")
# ... said of everyone, not of a case: "Ist das Fahrzeug finanziert, …", "Freie Berufe … sondern nur beim Finanzamt".
_CONDITION = re.compile(r"^(ist|sind|hat|haben|sollte\w*)\b|\b(wenn|falls|sofern|sondern|beispielsweise|zum beispiel)\b")


def facet_lead(doc: Document, facet: str, offices: list[Office], office_today: str | None) -> list[str] | None:
    """The lines that answer ``facet`` from ``doc``, or None when the page has nothing on it.
    ``office_today``: the responsible office with today's hours (answers.office_line)."""
    if facet == "cost":
        return _cost(doc)
    if facet == "documents":
        return _documents(doc)
    if facet == "deadline":
        return _deadline(doc)
    if facet == "validity":
        return _validity(doc)
    if facet == "online":
        return _online(doc)
    if facet == "where":
        # "Die persönliche Antragstellung ist nur im Bürgerbüro Ruppertstraße möglich." narrows the office list
        only_there = [s for s in page_sentences(doc, _ONLY_THERE) if not _CONDITION.search(fold(s))][:1]
        return [*only_there, office_today] if office_today else only_there or None
    if facet == "appointment":
        return _appointment(doc)
    if facet == "contact":
        return _contact(offices)
    if facet == "procedure":  # a section on the steps; else the page's overview says how (answers.section_for)
        section = _section(doc, "procedure")
        return _lines_of(section) if section else None
    return None
