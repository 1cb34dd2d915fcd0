"""Load a whole knowledge-base folder: every document and office, plus every finding.

A file with an error is left out (and reported); the rest of the folder stays usable.
This is both `kb check` and the first step of every index build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from retrieval.kb.documents import Document, document_files, parse_document
from retrieval.kb.findings import Finding, KnowledgeBaseFileError
from retrieval.kb.offices import OFFICES_FILE, Office, load_offices
from retrieval.kb.readability import readability_warnings
from retrieval.languages import EASY_GERMAN

STALE_AFTER = timedelta(days=2 * 365)


@dataclass
class KnowledgeBase:
    root: Path
    documents: dict[str, Document] = field(default_factory=dict)  # the German pages, searched
    # (German page id, language) -> that page in that language; answered from, not searched
    translations: dict[tuple[str, str], Document] = field(default_factory=dict)
    offices: dict[str, Office] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    broken_sources: set[str] = field(default_factory=set)  # relative paths of unusable files
    offices_broken: bool = False

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def load_knowledge_base(root: Path, today: date | None = None) -> KnowledgeBase:
    today = today or date.today()
    kb = KnowledgeBase(root=root)
    if not root.is_dir():
        kb.findings.append(Finding(root, 0, "Ordner nicht gefunden"))
        return kb
    try:
        kb.offices, _ = load_offices(root)
    except KnowledgeBaseFileError as e:
        kb.findings += e.findings
        kb.offices_broken = True
        kb.broken_sources.add(OFFICES_FILE)

    first_seen: dict[str, tuple[Path, int]] = {}
    translations: list[tuple[Document, Path, dict]] = []
    for path in document_files(root):
        source = path.relative_to(root).as_posix()
        try:
            doc, lines = parse_document(path, root)
        except KnowledgeBaseFileError as e:
            kb.findings += e.findings
            kb.broken_sources.add(source)
            continue
        errors = []
        id_line = lines.get(("id",), 2)
        if doc.id in first_seen:
            other, other_line = first_seen[doc.id]
            errors.append(Finding(path, id_line, f"doppelte ID '{doc.id}', schon vergeben in {other}:{other_line}"))
        if not kb.offices_broken and not doc.meta.is_translation:
            for i, office_id in enumerate(doc.meta.offices):
                if office_id not in kb.offices:
                    line = lines.get(("offices", i), lines.get(("offices",), 2))
                    errors.append(Finding(path, line, f"offices: unbekannte Dienststelle '{office_id}' (nicht in {OFFICES_FILE})"))
        if errors:
            kb.findings += errors
            kb.broken_sources.add(source)
            continue
        first_seen[doc.id] = (path, id_line)
        if doc.meta.is_translation:
            translations.append((doc, path, lines))
            continue
        kb.documents[doc.id] = doc
        kb.findings += _warnings(doc, path, lines, today)
    for doc, path, lines in translations:  # once every German page is known
        _add_translation(kb, doc, path, lines)
    return kb


def _add_translation(kb: KnowledgeBase, doc: Document, path: Path, lines: dict) -> None:
    base, lang = doc.meta.translation_of or "", doc.meta.lang or ""
    error = None
    if base not in kb.documents:
        error = Finding(path, lines.get(("translation_of",), 2),
                        f"translation_of: keine deutsche Seite mit der ID '{base}' (Tippfehler, oder ist die Seite "
                        "selbst eine Übersetzung?)")
    elif (base, lang) in kb.translations:
        other = kb.translations[(base, lang)].source
        error = Finding(path, lines.get(("lang",), 2),
                        f"lang: '{base}' hat schon eine Fassung in '{lang}' ({other}); eine Sprache je Seite")
    if error:
        kb.findings.append(error)
        kb.broken_sources.add(doc.source)
        return
    kb.translations[(base, lang)] = doc
    if lang == EASY_GERMAN:
        kb.findings += readability_warnings(doc.body, path, lines.get(("body",), 2))


def _warnings(doc: Document, path: Path, lines: dict, today: date) -> list[Finding]:
    found = []
    updated_line = lines.get(("updated",), 2)
    if doc.meta.updated > today:
        found.append(Finding(path, updated_line, f"updated: Datum {doc.meta.updated} liegt in der Zukunft", "warning"))
    elif today - doc.meta.updated > STALE_AFTER:
        found.append(Finding(path, updated_line, f"updated: Seite seit {doc.meta.updated} nicht geprüft, bitte aktualisieren", "warning"))
    if not doc.meta.keywords:
        found.append(Finding(path, 2, "keywords: keine Suchbegriffe; Bürgerinnen und Bürger finden die Seite schlechter", "warning"))
    return found
