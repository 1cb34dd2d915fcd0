"""Write imported pages into the knowledge-base folder and keep it in step with the site.

A state file (``.site-import.json``, not a page) remembers, per page id, its URL, its file, a
hash of what the site said and a hash of the file as written. On a re-import a page is new,
unchanged (the site says the same: the file is not touched), updated, or edited by hand (the
file differs from what the import wrote: never overwritten). Pages the site no longer has are
listed; ``prune`` deletes them (never one edited by hand).
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from retrieval.kb.documents import FrontMatter, render_document
from retrieval.kb.offices import Office, dump_offices
from retrieval.kb.site.discover import RawPage
from retrieval.kb.site.extract import extract

STATE = ".site-import.json"
REPORT = "import-bericht.html"
PAGES_DIR = "seiten"
THIN_WORDS = 40


@dataclass
class SiteImportReport:
    new: list[str] = field(default_factory=list)  # page ids
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)  # edited by hand: kept
    gone: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)
    thin: list[tuple[str, int]] = field(default_factory=list)  # (page id, words)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (url or id, note)
    offices: int = 0
    urls: dict[str, str] = field(default_factory=dict)  # page id -> URL

    def counts(self) -> dict[str, int]:
        return {"neu": len(self.new), "geändert": len(self.updated), "unverändert": len(self.unchanged),
                "von Hand bearbeitet (behalten)": len(self.edited), "nicht mehr auf der Website": len(self.gone),
                "übersprungen": len(self.skipped), "fehlgeschlagen": len(self.failed)}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def validated(front: dict[str, Any], report: SiteImportReport) -> FrontMatter | None:
    """The front matter; an invalid optional field is dropped with a note instead of losing the page."""
    for _ in range(len(front) + 1):
        try:
            return FrontMatter.model_validate(front)
        except ValidationError as e:
            key = str(e.errors()[0]["loc"][0])
            if key in ("id", "title", "url", "type", "updated"):
                report.failed.append((str(front.get("url")), f"{key} ungültig: {e.errors()[0]['msg']}"))
                return None
            report.notes.append((str(front["id"]), f"{key} ungültig, weggelassen"))
            front.pop(key, None)
    return None


class SiteSync:
    def __init__(self, out: Path, source: str):
        self.out, self.source = out, source
        self.state = self._load_state()
        self.report = SiteImportReport()
        self.seen: set[str] = set()
        self.offices: dict[str, Office] = {}

    def _load_state(self) -> dict[str, Any]:
        path = self.out / STATE
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
        return {"source": None, "pages": {}, "offices_hash": None}

    def problem(self, url: str, kind: str, reason: str) -> None:
        (self.report.failed if kind == "failed" else self.report.skipped).append((url, reason))

    def add(self, raw: RawPage) -> None:
        extracted = extract(raw.url, raw.html, raw.sitemap_lastmod, raw.last_modified)
        self.report.notes += [(raw.url, note) for note in extracted.notes]
        if not extracted.pages and not extracted.offices:
            self.report.skipped.append((raw.url, extracted.notes[0] if extracted.notes else "kein Inhalt"))
        for office in extracted.offices:
            self.offices[office.id] = office
        for page in extracted.pages:
            front = dict(page.front)
            if front["id"] in self.seen:  # two URLs with the same path slug
                front["id"] = f"{front['id'][:110]}-{sha(str(front['url']))[:8]}"
            meta = validated(front, self.report)
            if meta is not None:
                self._write(meta, page.body)

    def _write(self, meta: FrontMatter, body: str) -> None:
        self.seen.add(meta.id)
        self.report.urls[meta.id] = str(meta.url)
        words = len(body.split())
        if words < THIN_WORDS:
            self.report.thin.append((meta.id, words))
        site_hash = sha(render_document(meta.model_copy(update={"updated": meta.updated.replace(year=2000)}), body))
        known = self.state["pages"].get(meta.id)
        path = self.out / (known["file"] if known else f"{PAGES_DIR}/{meta.id}.md")
        if known and path.is_file():
            if sha(path.read_text(encoding="utf-8")) != known["written"]:
                self.report.edited.append(meta.id)
                return
            if known["site"] == site_hash:
                self.report.unchanged.append(meta.id)
                return
            self.report.updated.append(meta.id)
        elif known:  # the editor deleted the file: respect that
            self.report.notes.append((meta.id, "Datei wurde gelöscht; nicht neu angelegt (Eintrag in "
                                               f"{STATE} entfernen, um sie wieder zu importieren)"))
            return
        else:
            self.report.new.append(meta.id)
        text = render_document(meta, body)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.state["pages"][meta.id] = {"url": str(meta.url), "file": path.relative_to(self.out).as_posix(),
                                        "site": site_hash, "written": sha(text)}

    def finish(self, prune: bool, complete: bool) -> SiteImportReport:
        """Offices, pages gone from the site, the state file and the report. ``complete``: every URL
        was reached (no --max-pages cut), so a page not seen is really gone."""
        failed_urls = {url for url, _ in self.report.failed} | {url for url, _ in self.report.skipped}
        for page_id, known in list(self.state["pages"].items()):
            if page_id in self.seen or not complete or known["url"] in failed_urls:
                continue
            self.report.gone.append(page_id)
            path = self.out / known["file"]
            if prune:
                if path.is_file() and sha(path.read_text(encoding="utf-8")) != known["written"]:
                    self.report.notes.append((page_id, "nicht mehr auf der Website, aber von Hand bearbeitet: "
                                                       "nicht gelöscht"))
                    continue
                path.unlink(missing_ok=True)
                del self.state["pages"][page_id]
                self.report.pruned.append(page_id)
        self._write_offices()
        self.state["source"] = self.source
        (self.out / STATE).write_text(json.dumps(self.state, ensure_ascii=False, indent=1, sort_keys=True),
                                      encoding="utf-8")
        (self.out / REPORT).write_text(render_report(self.report, self.source), encoding="utf-8")
        return self.report

    def _write_offices(self) -> None:
        if not self.offices:
            return
        path = self.out / "offices.yaml"
        if path.is_file() and sha(path.read_text(encoding="utf-8")) != self.state.get("offices_hash"):
            self.report.notes.append(("offices.yaml", "von Hand bearbeitet oder nicht vom Import: nicht "
                                                      "überschrieben; die gefundenen Dienststellen stehen im Bericht"))
            return
        text = dump_offices(sorted(self.offices.values(), key=lambda o: o.id))
        path.write_text(text, encoding="utf-8")
        self.state["offices_hash"] = sha(text)
        self.report.offices = len(self.offices)


def import_pages(pages: Iterator[RawPage], sync: SiteSync, progress: Callable[[str], None] | None = None) -> None:
    for raw in pages:
        if progress:
            progress(raw.url)
        sync.add(raw)


def render_report(report: SiteImportReport, source: str) -> str:
    """The editors' report: what changed, what to look at (German, plain HTML, no external files)."""
    def rows(items: list[str]) -> str:
        return "".join(f"<li><code>{html.escape(i)}</code> – <a href=\"{html.escape(report.urls.get(i, ''))}\">"
                       f"{html.escape(report.urls.get(i, ''))}</a></li>" for i in items) or "<li>keine</li>"

    def reasons(items: list[tuple[str, str]]) -> str:
        return "".join(f"<li>{html.escape(a)}: {html.escape(b)}</li>" for a, b in items) or "<li>keine</li>"

    counts = "".join(f"<tr><th scope=\"row\">{k}</th><td>{v}</td></tr>" for k, v in report.counts().items())
    thin = "".join(f"<li><code>{html.escape(i)}</code>: {n} Wörter</li>" for i, n in report.thin) or "<li>keine</li>"
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Importbericht</title></head><body>
<h1>Import der Website</h1>
<p>Quelle: {html.escape(source)} · {datetime.now():%d.%m.%Y %H:%M}. Bitte prüfen, dann
<code>kommunalbot kb check</code> und <code>kommunalbot kb build</code>.</p>
<table><caption>Ergebnis</caption>{counts}</table>
<h2>Neu</h2><ul>{rows(report.new)}</ul>
<h2>Geändert</h2><ul>{rows(report.updated)}</ul>
<h2>Von Hand bearbeitet – nicht überschrieben</h2><ul>{rows(report.edited)}</ul>
<h2>Nicht mehr auf der Website</h2><p>Mit <code>--prune</code> werden sie gelöscht.</p><ul>{rows(report.gone)}</ul>
<h2>Wenig Inhalt (unter {THIN_WORDS} Wörtern – der Bot antwortet damit schlecht)</h2><ul>{thin}</ul>
<h2>Übersprungen</h2><ul>{reasons(report.skipped)}</ul>
<h2>Fehlgeschlagen</h2><ul>{reasons(report.failed)}</ul>
<h2>Hinweise</h2><ul>{reasons(report.notes)}</ul>
</body></html>
"""
