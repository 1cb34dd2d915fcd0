"""Offices (Dienststellen): address, contact, opening hours per weekday and closing days."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, ValidationError, field_validator

from retrieval.kb.documents import DocumentId, NonEmpty, decode_utf8
from retrieval.kb.findings import Finding, KnowledgeBaseFileError
from retrieval.kb.yaml_lines import load_yaml_with_lines, validation_findings, yaml_error_line

OFFICES_FILE = "offices.yaml"
WEEKDAYS = ("mo", "di", "mi", "do", "fr", "sa", "so")
WEEKDAY_NAMES = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

Interval = tuple[time, time]


def parse_intervals(text: str) -> list[Interval]:
    """'08:00-12:00, 14:00-18:00' -> [(08:00, 12:00), (14:00, 18:00)]; '' or 'geschlossen' -> []."""
    if text.strip().lower() in ("", "geschlossen", "-"):
        return []
    intervals = []
    for part in text.split(","):
        m = _INTERVAL.match(part)
        if not m:
            raise ValueError(f"'{part.strip()}' ist keine Zeitspanne wie 08:00-12:00")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if not (0 <= h1 <= 23 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60):
            raise ValueError(f"'{part.strip()}' enthält eine ungültige Uhrzeit")
        start, end = time(h1, m1), (time(23, 59) if h2 == 24 else time(h2, m2))
        if end <= start:
            raise ValueError(f"'{part.strip()}': das Ende liegt vor dem Beginn")
        intervals.append((start, end))
    return sorted(intervals)


def _valid_hours(text: str) -> str:
    parse_intervals(text)
    return text


Weekday = Literal["mo", "di", "mi", "do", "fr", "sa", "so"]
Hours = Annotated[str, AfterValidator(_valid_hours)]


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")
    street: NonEmpty
    postal_code: Annotated[str, Field(pattern=r"^\d{5}$")]
    city: NonEmpty

    @field_validator("postal_code", mode="before")
    @classmethod
    def _as_text(cls, value: object) -> object:
        return f"{value:05d}" if isinstance(value, int) else value

    def one_line(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}"


class Office(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: DocumentId
    name: NonEmpty
    address: Address | None = None
    phone: str | None = None
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    url: HttpUrl | None = None
    opening_hours: dict[Weekday, Hours] = {}
    closing_days: list[date] = []
    note: str | None = None

    def intervals_on(self, day: date) -> list[Interval]:
        if day in self.closing_days:
            return []
        return parse_intervals(self.opening_hours.get(WEEKDAYS[day.weekday()], ""))

    def is_open(self, moment: datetime) -> bool:
        return any(start <= moment.time() < end for start, end in self.intervals_on(moment.date()))


def load_offices(kb_root: Path) -> tuple[dict[str, Office], dict[str, int]]:
    """Load ``offices.yaml``; return offices by id and the line of each office.

    A missing file means no offices. Raises KnowledgeBaseFileError on any problem.
    """
    path = kb_root / OFFICES_FILE
    if not path.exists():
        return {}, {}
    text = decode_utf8(path.read_bytes(), path)
    try:
        data, lines = load_yaml_with_lines(text)
    except yaml.YAMLError as e:
        problem = getattr(e, "problem", None) or str(e)
        raise KnowledgeBaseFileError([Finding(path, yaml_error_line(e), f"YAML-Fehler: {problem}")]) from None
    if not isinstance(data, dict) or not isinstance(data.get("offices"), list):
        raise KnowledgeBaseFileError([Finding(path, 1, "erwartet 'offices:' mit einer Liste von Dienststellen")])
    offices: dict[str, Office] = {}
    office_lines: dict[str, int] = {}
    findings: list[Finding] = []
    for i, entry in enumerate(data["offices"]):
        line = lines.get(("offices", i), 1)
        try:
            office = Office.model_validate(entry)
        except ValidationError as e:
            findings += validation_findings(e, path, lines, line, loc_prefix=("offices", i))
            continue
        if office.id in offices:
            findings.append(Finding(path, line, f"doppelte Dienststellen-ID '{office.id}' (zuerst in Zeile {office_lines[office.id]})"))
            continue
        offices[office.id] = office
        office_lines[office.id] = line
    if findings:
        raise KnowledgeBaseFileError(findings)
    return offices, office_lines


def dump_offices(offices: list[Office]) -> str:
    data = {"offices": [o.model_dump(mode="json", exclude_none=True, exclude_defaults=True) for o in offices]}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
