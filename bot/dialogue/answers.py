"""Chat messages built from knowledge-base pages: short, with source, date and office."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from bot.dialogue.facet_lead import (
    LABEL,
    LINK_SECTIONS,
    LIST_ITEM,
    MAX_WORDS_OF_A_LABEL,
    bold_heading,
    facet_lead,
    online_link,
    translated_facet,
)
from bot.dialogue.facets import facet_section
from bot.dialogue.office_hours import OfficeCalendar, week_text
from bot.i18n.catalogue import text as say
from bot.reply import STAFF_PAYLOAD, BotMessage, Button, Kind, Link, Source
from retrieval.german_text import STOP, fold, german_pipeline, lemmas, sentences
from retrieval.kb.chunking import OVERVIEW, plain_text, sections
from retrieval.kb.dldb_import import missing_description
from retrieval.kb.documents import Document
from retrieval.kb.offices import Office

MAX_ANSWER_CHARS = 450
# A question word counts for a paragraph of the answer if at most about one page in eight names it
# (inverse document frequency >= 2): "Ausland" and "Kindergeld" do, "München" and "Wohnsitz" do not.
MIN_RARITY = 2.0
# A longer question word also counts inside a compound of the page: "Ausland" in "Auslandsanschrift".
MIN_LETTERS_OF_A_PREFIX = 5
MAX_SUMMARY_CHARS = 110
# "Was kostet das und was muss ich mitbringen?": both facets, at most two.
MAX_FACETS_ANSWERED = 2
# Said first when the answered page has nothing on the asked facet, so the page's overview that
# follows is not mistaken for the answer ("und was kostet das?" on a page without fees).
NOT_ON_PAGE = {"cost": "not_on_page_cost", "documents": "not_on_page_documents", "deadline": "not_on_page_deadline",
               "validity": "not_on_page_validity", "online": "not_on_page_online",
               "appointment": "not_on_page_appointment", "where": "not_on_page_where", "contact": "not_on_page_contact"}


def shorten(markdown: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """Whole sentences and list items up to ``limit`` characters; never a cut sentence (a first
    sentence longer than the limit is kept whole)."""
    lines = [line for line in markdown.strip().splitlines() if line.strip()]
    if all(LIST_ITEM.match(line) for line in lines) and lines:
        out = []
        for line in lines:  # a list: keep whole items
            if sum(len(x) + 1 for x in out) + len(line) > limit:
                break
            out.append(line.strip())
        return "\n".join(out) or lines[0].strip()
    # Line by line, so that blocks such as an address or bank details keep their lines; a bold line
    # of a few words ("**Nach der Einreise**") stays bold: it heads what follows, it is no sentence.
    out: list[str] = []
    used = 0
    for line in markdown.strip().splitlines():
        if heading := bold_heading(line):
            out.append(f"**{heading}**")
            used += len(heading) + 1
            continue
        kept, rest = [], sentences(re.sub(r"\s+", " ", plain_text(line)).strip())
        while rest and not (used and used + len(rest[0]) + 1 > limit):
            kept.append(rest.pop(0))
            used += len(kept[-1]) + 1
        if kept:
            out.append(" ".join(kept))
        if rest:  # the limit is reached
            break
    # A heading, or a label of a few words that announces what follows ("Aufgabe einer Nebenwohnung:"), with
    # nothing after it; a label goes only while a line of text stays.
    while out and (bold_heading(out[-1]) or _is_label(out[-1]) and any(not bold_heading(x) for x in out[:-1])):
        out.pop()
    return "\n".join(out)


def _is_label(line: str) -> bool:
    return line.endswith(":") and len(line.split()) <= MAX_WORDS_OF_A_LABEL


def question_first(markdown: str, detail: Mapping[str, float], title: str) -> str:
    """The paragraph that names the question's own detail, put first: "Ich ziehe ins Ausland, muss ich
    mich abmelden?" is answered with the page's paragraph on moving abroad, not with its first one on
    moving within Germany. ``detail``: the question's topic lemmas and how rare each is in the knowledge
    base (LexicalIndex.rarity); the title's words say nothing the whole page does not. Only the page's
    nouns count (German capitalises them), so "melden" in a question finds no "melden Sie sich". A
    paragraph moves only if it names more of the detail than the first, together with what leads into
    it ("Bitte beachten Sie:", a bold heading, a sentence that a list completes)."""
    rare = {word: weight for word, weight in detail.items() if weight >= MIN_RARITY}
    if not rare:
        return markdown
    in_title = {part for word in lemmas(title) for part in (*word.split("-"), word.replace("-", ""))}
    asked = {word: weight for word, weight in rare.items() if not any(word in part for part in in_title)}
    units = _units_of(markdown)
    if not asked or len(units) < 2:
        return markdown
    named = [_weight_named(unit, asked) for unit in units]
    best = max(range(len(units)), key=lambda i: (named[i], -i))
    if named[best] <= named[0]:
        return markdown
    return "\n\n".join([units[best], *units[:best], *units[best + 1:]])


def _units_of(markdown: str) -> list[str]:
    """Paragraphs, each joined to the one before if that one leads into it: a line ending without a
    sentence's end (a bold heading, "Hinweis:", "… wenn jemand") or a list item before another."""
    units: list[str] = []
    for part in (p.strip() for p in re.split(r"\n\s*\n", markdown.strip())):
        if not part:
            continue
        last_line = units[-1].splitlines()[-1] if units else ""
        in_list = bool(LIST_ITEM.match(last_line))
        if units and (LIST_ITEM.match(part) and in_list or not in_list and (
                bold_heading(last_line) or not re.search(r"[.!?)]\**$", last_line))):
            units[-1] = f"{units[-1]}\n\n{part}"
        else:
            units.append(part)
    return units


def _weight_named(unit: str, asked: Mapping[str, float]) -> float:
    nouns = _nouns(plain_text(unit))
    return sum(weight for word, weight in asked.items()
               if word in nouns or (len(word) >= MIN_LETTERS_OF_A_PREFIX and any(n.startswith(word) for n in nouns)))


def _nouns(text: str) -> set[str]:
    """Folded lemmas of the capitalised words that do not open a sentence, and of short lines ("Füchse")."""
    out = set()
    for sentence in german_pipeline()(text).sents:
        words = [t for t in sentence if t.text[:1].isalpha()]
        for i, token in enumerate(words):
            if token.text[:1].isupper() and (i > 0 or len(words) <= 3) and fold(token.text) not in STOP:
                out.add(fold(token.lemma_ or token.text))
    return out


def summary_line(doc: Document) -> str:
    """One line that says what a page is about, for a "Meinten Sie …?" button: the first sentence of
    its first section, cut at a word if long. A bold heading before it ("**Neuantrag**",
    "**Allgemeine Informationen**", "**Wichtig:**") is no part of it; an imported page without a
    description has none (its placeholder says no more than the title)."""
    parts = sections(doc.body)
    markdown = parts[0][1] if parts else doc.body
    if plain_text(markdown).strip().startswith(missing_description(doc.meta.title)):
        return ""
    text = " ".join(plain_text(_without_heading(p)) for p in re.split(r"\n\s*\n", markdown))
    first = next(iter(sentences(re.sub(r"\s+", " ", text).strip())), "")
    if len(first) <= MAX_SUMMARY_CHARS:
        return first
    return first[: MAX_SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + " …"


# A bold phrase of a few words without a sentence's end, alone or opening its paragraph (as a bold
# label in facet_lead, but "Wichtig:" counts too: the summary quotes what follows it).
_BOLD_HEADING = re.compile(rf"^\s*\*\*(?=[^*]*[^*.!?\s]\s*\*\*)((?:[^*\s]+\s*){{1,{MAX_WORDS_OF_A_LABEL}}})\*\*\s*")


def _without_heading(paragraph: str) -> str:
    return _BOLD_HEADING.sub("", paragraph, count=1)


def section_for(doc: Document, facets: list[str], fallback: tuple[str, str] | None) -> tuple[str, str]:
    """(heading, text) of a section headed by the question's facet, else the retrieved one, else the
    page's first section (facet_lead has found nothing more precise)."""
    parts = [(heading, text) for heading, text in sections(doc.body) if heading.casefold() not in LINK_SECTIONS]
    for facet in facets:
        if section := facet_section(facet, parts):
            return section
    if fallback and fallback[0] != OVERVIEW and fallback[0].casefold() not in LINK_SECTIONS:
        return fallback  # the overview chunk carries keywords: use the page text
    return parts[0] if parts else (OVERVIEW, doc.body)


def office_line(offices: list[Office], calendar: OfficeCalendar, now: datetime, lang: str = "de") -> str | None:
    """'Zuständig: Bürgerbüro Mitte, Rathausplatz 1 (und 1 weitere) – heute 08:00–12:00 Uhr, Tel. …'."""
    if not offices:
        return None
    office = offices[0]
    where = f"{office.name}, {office.address.one_line()}" if office.address else office.name
    more = say("office_more", lang, count=len(offices) - 1) if len(offices) > 1 else ""
    contact = ", " + say("office_phone", lang, phone=office.phone) if office.phone else ""
    return say("office_responsible", lang, office=where + more, hours=calendar.hours_today(office, now, lang),
               contact=contact)


# The facets whose answer is the responsible office ("wo muss ich hin?", "brauche ich einen Termin?").
OFFICE_FACETS = frozenset({"appointment", "where", "contact"})
# Asked like a general question: "wie geht das?" is answered by the page's overview unless it has a
# section on the steps, and never said to be missing.
GENERAL_FACETS = frozenset({"procedure"})


def page_source(doc: Document) -> Source:
    return Source(url=str(doc.meta.url), title=doc.meta.title, date=doc.meta.updated)


def facet_leads(doc: Document, facets: list[str], offices: list[Office],
                office_today: str | None) -> dict[str, list[str] | None]:
    """The lines that answer each asked facet (as far as an answer takes them), None where the page
    has none. Computed once per answer: without a section on the facet, facet_lead reads the whole page."""
    return {facet: facet_lead(doc, facet, offices, office_today) for facet in facets[:MAX_FACETS_ANSWERED]}


def facets_not_on_page(doc: Document, leads: dict[str, list[str] | None]) -> list[str]:
    """The asked facets (``leads`` of facet_leads) that the page neither states nor has a section on."""
    parts = sections(doc.body)
    return [facet for facet, lead in leads.items()
            if facet in NOT_ON_PAGE and not lead and not facet_section(facet, parts)]


def answer_from_document(doc: Document, facets: list[str], snippet: tuple[str, str] | None, offices: list[Office],
                         calendar: OfficeCalendar, now: datetime, confidence: float | None = None,
                         see_also: tuple[str, str] | None = None,
                         leads: dict[str, list[str] | None] | None = None,
                         detail: Mapping[str, float] | None = None, again: bool = False) -> BotMessage:
    """The asked facet first (facet_lead), else the best section, its paragraph on the question's
    ``detail`` first (question_first); then the office. Source with its date, booking and online links
    and a nearly tied second page (``see_also``: title, url) are fields of the message, not lines of
    its text. ``leads``: facet_leads, if the caller has them. ``again``: a follow-up about the page just
    answered; if the page says nothing on what it asks, that and the office (where one can ask) are the
    answer, not the page's overview once more ("und was brauche ich dafür?" after the overview)."""
    meta = doc.meta
    office = office_line(offices, calendar, now)
    leads = facet_leads(doc, facets, offices, office) if leads is None else leads
    lines: list[str] = []
    for facet, lead in leads.items():
        if lead:
            lines += [f"**{meta.title} – {LABEL[facet]}:**" if not lines else f"**{LABEL[facet]}:**", *lead]
    missing = facets_not_on_page(doc, leads)
    not_said = [say(NOT_ON_PAGE[f], "de") for f in missing]
    if not lines and again and missing:
        lines = [f"**{meta.title}**", *not_said]
    elif not lines:
        heading, text = section_for(doc, facets, snippet)
        lines = [f"**{meta.title}**" + (f" – {heading}" if heading and heading != OVERVIEW else ""),
                 *not_said, shorten(question_first(text, detail or {}, meta.title))]
    else:
        lines += not_said
    # The office goes with a question about it, with a general one, and where the page leaves the asked fact open.
    general = set(facets) <= GENERAL_FACETS
    if office and office not in lines and (general or OFFICE_FACETS & set(facets) or missing):
        lines.append(office)
    said = "\n".join(lines)
    links = []
    if meta.booking_url and str(meta.booking_url) not in said:
        links.append(Link(kind="booking", url=str(meta.booking_url), title="Termin buchen"))
    if meta.online_service_url and str(meta.online_service_url) not in said and (
            "online" in facets or general or "appointment" in facets):
        links.append(Link(kind="online", url=str(meta.online_service_url), title="Online erledigen"))
    if see_also:
        links.append(Link(kind="related", url=see_also[1], title=see_also[0]))
    return BotMessage(kind=Kind.ANSWER, text=said, lang="de", sources=[page_source(doc)], links=links,
                      service_ids=[doc.id], confidence=None if confidence is None else round(confidence, 3))


def office_answer(office: Office, calendar: OfficeCalendar, now: datetime, asked_day: date | None = None,
                  lang: str = "de") -> str:
    """The office's address, its hours today (or on the day asked about) and in the week, contact, notes.
    Days, hours and labels in ``lang``; name, address and the office's own note as the city wrote them."""
    parts = [f"**{office.name}**"]
    if office.address:
        parts.append(office.address.one_line())
    if asked_day and office.opening_hours:
        today = calendar.hours_on(office, asked_day, now, lang)
    else:
        today = calendar.hours_today(office, now, lang)
    parts.append(today[:1].upper() + today[1:] + ".")
    if office.opening_hours:
        parts.append(say("office_week", lang, week=week_text(office, lang)))
    contact = contact_line(office, lang)
    if contact:
        parts.append(contact)
    if office.note and office.note.rstrip(".").casefold() != today.rstrip(".").casefold():  # not twice
        parts.append(office.note)
    return "\n".join(parts)


def contact_line(office: Office, lang: str = "de") -> str:
    """'Tel. 089 123 · buergerbuero@example.org'; empty if the office gave neither."""
    phone = say("office_phone", lang, phone=office.phone) if office.phone else ""
    return " · ".join(x for x in (phone, office.email or "") if x)


def answer_from_translation(doc: Document, translation: Document, facets: list[str], confidence: float | None,
                            offices: list[Office], calendar: OfficeCalendar, now: datetime) -> BotMessage | None:
    """The page's version in the citizen's language (or Leichte Sprache): the section that answers
    the asked facet ("Fees" for "how much?"), else its sentences that state it ("Applying is free."),
    else its first paragraphs, and for "where do I go?" the responsible office with today's hours;
    with its own source and date. The booking and online links are the German page's.

    None where the version leaves open a fact that the German page states ("how long does it
    take?"): the German answer gives it (the action, with only_in_german)."""
    meta = doc.meta
    title, lang = translation.meta.title, translation.meta.lang
    parts = sections(translation.body)
    asked = facets[:MAX_FACETS_ANSWERED]
    found = next((hit for facet in asked if (hit := facet_section(facet, parts))), None)
    stated = None if found else next((lines for facet in asked if facet not in OFFICE_FACETS
                                      and (lines := translated_facet(translation, facet))), None)
    # "Can I do it online?": the German page's online service answers it, its link goes with every answer.
    online = not found and not stated and "online" in asked and online_link(doc) is not None
    answered = found or stated or online
    german_leads = {} if answered else facet_leads(doc, asked, offices, office_line(offices, calendar, now))
    # Whether a German page without an online service can be used online is its own guess ("nicht
    # genannt", "persönlich"); the version's first lines, which say how to apply, answer that as well.
    if any(lead for facet, lead in german_leads.items() if facet not in OFFICE_FACETS | GENERAL_FACETS | {"online"}):
        return None
    # Said to be missing only where the German page has nothing on it either.
    missing = facets_not_on_page(doc, german_leads)
    office = office_line(offices, calendar, now, lang) if OFFICE_FACETS & set(facets) or missing else None
    if found:
        text = f"**{title} – {found[0]}:**\n{shorten(found[1])}"
    elif stated or online:
        text = "\n".join([f"**{title}**", *(stated or [say("online_yes", lang)])])
    elif office and set(facets) <= {"where", "contact"}:  # "where do I go?": the office, not the page's first lines
        text = f"**{title}**"
    else:
        # Its first section, as a German page's answer: headings and lists further down would run into it.
        first = parts[0][1] if parts else translation.body
        text = "\n".join([f"**{title}**", *[say(NOT_ON_PAGE[f], lang) for f in missing], shorten(first)])
    if office:
        text += f"\n{office}"
    links = [Link(kind="booking", url=str(meta.booking_url), title=say("booking", lang))] if meta.booking_url else []
    if meta.online_service_url:
        links.append(Link(kind="online", url=str(meta.online_service_url), title=say("online", lang)))
    source = Source(url=str(translation.meta.url or meta.url), title=title, date=translation.meta.updated)
    return BotMessage(kind=Kind.ANSWER, text=text, sources=[source], links=links, service_ids=[doc.id], lang=lang,
                      confidence=None if confidence is None else round(confidence, 3))


def only_in_german(answer: BotMessage, title: str, lang: str, missing: Sequence[str] = (),
                   again: bool = False, detail: bool = False) -> list[BotMessage]:
    """For a page without a version in ``lang``: one sentence in that language saying the details
    are only in German (and which asked ``missing`` facets the page leaves open), then the German
    answer, marked as German, with staff offered. ``again``: a follow-up about the same page, whose
    first answer said all that; a short line names the page. ``detail``: the page has a version in
    ``lang`` (titled ``title``), but only the German page states what was asked."""
    lead = say("only_german_detail" if detail else "only_german_again" if again else "only_german", lang, title=title)
    notice = " ".join([lead, *[say(NOT_ON_PAGE[f], lang) for f in missing]])
    notice = BotMessage(kind=Kind.ANSWER, text=notice, lang=lang,
                        service_ids=answer.service_ids, confidence=answer.confidence)
    # The notice said what the page leaves open; the same line in German below it would say it twice.
    said_in_german = {say(NOT_ON_PAGE[f], "de") for f in missing}
    german = "\n".join(line for line in answer.text.split("\n") if line not in said_in_german)
    return [notice, answer.model_copy(update={"text": german, "lang": "de",
                                              "buttons": [*answer.buttons, staff_button(lang)]})]


def staff_button(lang: str) -> Button:
    """"Mit einer Person sprechen" in the citizen's language."""
    return Button(title=say("talk_to_person", lang), payload=STAFF_PAYLOAD)
