"""Knowledge-base documents: one Markdown file with YAML front matter per service or FAQ."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, field_validator

from retrieval.kb.findings import Finding, KnowledgeBaseFileError
from retrieval.kb.yaml_lines import load_yaml_with_lines, validation_findings, yaml_error_line
from retrieval.languages import ALL, GERMAN

OTHER_LANGUAGES = tuple(code for code in ALL if code != GERMAN)

DocumentId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", min_length=1, max_length=120)]
NonEmpty = Annotated[str, Field(min_length=1)]

# Files in the knowledge-base folder that are not documents.
IGNORED_NAMES = {"README.md"}


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: NonEmpty
    url: HttpUrl


def _accept_comma_list(cls: type, value: object) -> object:
    # Editors often write "keywords: Perso, Ausweis" instead of a YAML list.
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class FrontMatter(BaseModel):
    """The editor-facing schema of a (German) page; see docs/editors-guide.md."""

    model_config = ConfigDict(extra="forbid")

    id: DocumentId
    type: Literal["service", "faq"]
    title: NonEmpty
    url: HttpUrl
    updated: date
    lang: str | None = None  # "de" or nothing; other languages are translations
    keywords: list[NonEmpty] = []
    # Leistungsschlüssel; several keys separated by commas where one page covers variants.
    leika: Annotated[str, Field(pattern=r"^\d{14}(, ?\d{14})*$")] | None = None
    fees: str | None = None
    documents: list[NonEmpty] = []
    online_service_url: HttpUrl | None = None
    booking_url: HttpUrl | None = None
    offices: list[NonEmpty] = []
    forms: list[Link] = []
    links: list[Link] = []
    # "site": written by `kommunalbot kb import-site`; a re-import updates it unless edited by hand.
    source: Literal["site"] | None = None
    is_translation: ClassVar[bool] = False

    _comma_lists = field_validator("keywords", "documents", "offices", mode="before")(_accept_comma_list)

    @field_validator("lang")
    @classmethod
    def _german(cls, value: str | None) -> str | None:
        if value not in (None, GERMAN):
            raise ValueError(f"'{value}' – eine Seite in einer anderen Sprache ist die Übersetzung einer deutschen "
                             "Seite: tragen Sie deren ID als translation_of ein (siehe docs/editors-guide.md)")
        return value

    @field_validator("leika", mode="before")
    @classmethod
    def _leika_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value


class TranslationFrontMatter(BaseModel):
    """A page's version in another language or in Leichte Sprache: it names its German page and its
    language; fees, offices, booking and online links come from the German page."""

    model_config = ConfigDict(extra="forbid")

    id: DocumentId
    lang: Literal[OTHER_LANGUAGES]  # type: ignore[valid-type]
    translation_of: DocumentId
    title: NonEmpty
    updated: date
    url: HttpUrl | None = None  # the page in this language on the city's site, if it has one
    keywords: list[NonEmpty] = []
    is_translation: ClassVar[bool] = True

    _comma_lists = field_validator("keywords", mode="before")(_accept_comma_list)


class Document(BaseModel):
    """A parsed document, as stored in an index build."""

    meta: FrontMatter | TranslationFrontMatter
    body: str
    source: str  # path relative to the knowledge-base folder
    content_hash: str

    @property
    def id(self) -> str:
        return self.meta.id


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?", re.DOTALL | re.MULTILINE)


def decode_utf8(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise KnowledgeBaseFileError(
            [Finding(path, line, f"Datei ist nicht UTF-8-kodiert (Byte 0x{raw[e.start]:02x}); bitte als UTF-8 speichern")]
        ) from None


def parse_document(path: Path, kb_root: Path) -> tuple[Document, dict[tuple, int]]:
    """Parse one file; raise KnowledgeBaseFileError with every problem found.

    Returns the document and the line of each front-matter key (for cross-file checks), and of the
    first line of its text under the key ("body",).
    """
    raw = path.read_bytes()
    text = decode_utf8(raw, path).lstrip("\ufeff")
    match = _FRONT_MATTER.match(text)
    if not match:
        raise KnowledgeBaseFileError(
            [Finding(path, 1, "YAML-Kopf fehlt: die Datei muss mit einer Zeile '---' beginnen und der Kopf mit '---' enden")]
        )
    try:
        data, lines = load_yaml_with_lines(match.group(1), first_line=2)
    except yaml.YAMLError as e:
        problem = getattr(e, "problem", None) or str(e)
        raise KnowledgeBaseFileError([Finding(path, yaml_error_line(e, 2), f"YAML-Fehler: {problem}")]) from None
    if not isinstance(data, dict):
        raise KnowledgeBaseFileError([Finding(path, 2, "YAML-Kopf muss aus 'feld: wert'-Zeilen bestehen")])
    schema = TranslationFrontMatter if "translation_of" in data else FrontMatter
    try:
        meta = schema.model_validate(data)
    except ValidationError as e:
        raise KnowledgeBaseFileError(validation_findings(e, path, lines, 2)) from None
    body = text[match.end():].strip()
    rest = text[match.end():]
    lines[("body",)] = text[: match.end() + len(rest) - len(rest.lstrip())].count("\n") + 1  # where the text starts
    findings = []
    if not body:
        findings.append(Finding(path, text[: match.end()].count("\n") + 1, "Text fehlt: unter dem YAML-Kopf steht kein Inhalt"))
    if findings:
        raise KnowledgeBaseFileError(findings)
    digest = hashlib.sha256(
        json.dumps([meta.model_dump(mode="json"), body], ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()
    source = path.relative_to(kb_root).as_posix()
    return Document(meta=meta, body=body, source=source, content_hash=digest), lines


def document_files(kb_root: Path) -> list[Path]:
    return sorted(p for p in kb_root.rglob("*.md") if p.name not in IGNORED_NAMES and not p.name.startswith("."))


def render_document(meta: FrontMatter | TranslationFrontMatter, body: str) -> str:
    """Write a document back as Markdown with front matter (used by importers)."""
    front = meta.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    first = ("id", "type", "lang", "translation_of", "title", "url", "updated")  # the order editors know
    front = {**{key: front.pop(key) for key in first if key in front}, **front}
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{dumped}---\n\n{body.strip()}\n"
