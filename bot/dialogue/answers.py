"""Chat messages built from knowledge-base pages: short, with source, date and office."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.dialogue.facets import FACETS, section_matches
from bot.dialogue.office_hours import OfficeCalendar
from retrieval.chunking import OVERVIEW, plain_text, sections
from retrieval.documents import Document
from retrieval.german_text import fold, sentences
from retrieval.offices import Office

MAX_ANSWER_CHARS = 450


@dataclass(frozen=True)
class Answer:
    text: str
    custom: dict[str, Any]  # structured data for the widget: kind, sources, links


def shorten(markdown: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """Cut at a sentence or list item boundary; never mid-word."""
    lines = [line for line in markdown.strip().splitlines() if line.strip()]
    if all(re.match(r"\s*([-*]|\d+\.)\s", line) for line in lines) and lines:
        out = []
        for line in lines:  # a list: keep whole items
            if sum(len(x) + 1 for x in out) + len(line) > limit:
                break
            out.append(line.strip())
        return "\n".join(out) or lines[0][:limit]
    # Line by line, so that blocks such as an address or bank details keep their lines.
    out: list[str] = []
    used = 0
    for line in plain_text(markdown).splitlines():
        kept, rest = [], sentences(re.sub(r"\s+", " ", line).strip())
        while rest and not (used and used + len(rest[0]) + 1 > limit):
            kept.append(rest.pop(0))
            used += len(kept[-1]) + 1
        if kept:
            out.append(" ".join(kept))
        if rest:  # the limit is reached
            break
    text = "\n".join(out)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def section_for(doc: Document, facets: list[str], fallback: tuple[str, str] | None) -> tuple[str, str]:
    """(heading, text) of the section that answers the question's facet, else the retrieved one."""
    parts = sections(doc.body)
    for facet in facets:
        for heading, text in parts:
            if section_matches(facet, heading):
                return heading, text
    if "cost" in facets and doc.meta.fees:
        return "Gebühren", doc.meta.fees
    if "documents" in facets and doc.meta.documents:
        return "Unterlagen", "\n".join(f"- {d}" for d in doc.meta.documents)
    for facet in facets:  # no section for it: the page's sentences that speak about it
        pattern = FACETS[facet]
        hits = [x for x in sentences(plain_text(doc.body).replace("\n", " ")) if pattern.search(fold(x))]
        if hits:
            return "", " ".join(hits[:2])
    if fallback and fallback[0] != OVERVIEW:  # the overview chunk carries keywords: use the page text
        return fallback
    return parts[0] if parts else (OVERVIEW, doc.body)


def office_line(offices: list[Office], calendar: OfficeCalendar, now: datetime) -> str | None:
    if not offices:
        return None
    office = offices[0]
    where = f"{office.name}, {office.address.one_line()}" if office.address else office.name
    hours = calendar.hours_today(office, now)
    more = f" (und {len(offices) - 1} weitere Stelle{'n' if len(offices) > 2 else ''})" if len(offices) > 1 else ""
    contact = f", Tel. {office.phone}" if office.phone else ""
    return f"Zuständig: {where}{more} – {hours}{contact}."


def source_custom(doc: Document, kind: str, **extra: Any) -> dict[str, Any]:
    meta = doc.meta
    return {"kind": kind, "service_id": doc.id,
            "sources": [{"title": meta.title, "url": str(meta.url), "updated": meta.updated.isoformat()}],
            "links": {k: str(v) for k, v in (("booking", meta.booking_url), ("online", meta.online_service_url)) if v},
            **extra}


def answer_from_document(doc: Document, facets: list[str], snippet: tuple[str, str] | None, offices: list[Office],
                         calendar: OfficeCalendar, now: datetime, confidence: float | None = None) -> Answer:
    meta = doc.meta
    heading, text = section_for(doc, facets, snippet)
    lines = [f"**{meta.title}**" + (f" – {heading}" if heading and heading != OVERVIEW else ""), shorten(text)]
    if not facets or {"appointment", "where", "contact"} & set(facets):
        office = office_line(offices, calendar, now)
        if office:
            lines.append(office)
    if meta.booking_url:
        lines.append(f"Termin buchen: {meta.booking_url}")
    if meta.online_service_url and ("online" in facets or not facets or "appointment" in facets):
        lines.append(f"Online erledigen: {meta.online_service_url}")
    lines.append(f"Quelle: {meta.url} (Stand: {meta.updated:%d.%m.%Y})")
    custom = source_custom(doc, "answer", facets=facets)
    if confidence is not None:
        custom["confidence"] = round(confidence, 3)
    return Answer("\n".join(lines), custom)


def office_answer(office: Office, calendar: OfficeCalendar, now: datetime, asked_day: date | None = None) -> str:
    """The office's address, its hours today (or on the day asked about) and in the week, contact, notes."""
    parts = [f"**{office.name}**"]
    if office.address:
        parts.append(office.address.one_line())
    if asked_day and office.opening_hours:
        today = calendar.hours_on(office, asked_day, now)
    else:
        today = calendar.hours_today(office, now)
    parts.append(today[:1].upper() + today[1:] + ".")
    if office.opening_hours:
        week = ", ".join(f"{day.capitalize()} {office.opening_hours[day]}" for day in
                         ("mo", "di", "mi", "do", "fr", "sa", "so") if day in office.opening_hours)
        parts.append(f"Öffnungszeiten: {week}.")
    contact = " · ".join(x for x in (f"Tel. {office.phone}" if office.phone else "", office.email or "") if x)
    if contact:
        parts.append(contact)
    if office.note and office.note.rstrip(".").casefold() != today.rstrip(".").casefold():  # not twice
        parts.append(office.note)
    if office.url:
        parts.append(f"Mehr: {office.url}")
    return "\n".join(parts)
