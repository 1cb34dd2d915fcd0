"""Importer for the DLDB export format (Munich's and Berlin's service portals).

The DLDB service id becomes the document id and location ids become office ids, so question
sets with DLDB gold ids can be scored directly. HTML is converted to Markdown; fees, forms,
links, the booking URL and the LeiKa key are kept. Records with gaps are imported with a
warning, never dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from slugify import slugify

from retrieval.kb.documents import FrontMatter, Link, render_document
from retrieval.kb.html_markdown import html_to_markdown
from retrieval.kb.offices import Address, Office, dump_offices

FALLBACK_URL = "https://service.example.invalid/"


@dataclass
class ImportReport:
    services: int = 0
    offices: int = 0
    warnings: list[str] = field(default_factory=list)

    def warn(self, record_id: str, message: str) -> None:
        self.warnings.append(f"{record_id}: {message}")


def missing_description(title: str) -> str:
    """The body of an imported service the catalogue has no description for."""
    return f"Für „{title}“ liegt noch keine Beschreibung vor. Bitte wenden Sie sich an die zuständige Stelle."


def _date_of(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        return None


def _fill(template: str | None, **ids: str) -> str | None:
    if not template:
        return None
    for key, value in ids.items():
        template = template.replace("{" + key + "}", value)
    return template


def _records(path: Path) -> tuple[list[dict[str, Any]], date | None]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        return data, None
    meta = data.get("meta") or {}
    export_date = _date_of(meta.get("generated") or data.get("created"))
    records = data.get("data") or []
    return (list(records.values()) if isinstance(records, dict) else records), export_date


def _links(items: Any) -> list[Link]:
    links = []
    for item in items or []:
        try:
            links.append(Link(title=str(item.get("name") or item.get("link")).strip(), url=item.get("link")))
        except (ValidationError, AttributeError):
            continue
    return links


def _section(title: str, content: str) -> str:
    return f"## {title}\n\n{content.strip()}" if content.strip() else ""


def _link_list(links: list[Link]) -> str:
    return "\n".join(f"- [{link.title}]({link.url})" for link in links)


def _named_list(items: Any) -> str:
    lines = []
    for item in items or []:
        name = html_to_markdown(item.get("name")) if isinstance(item, dict) else ""
        desc = html_to_markdown(item.get("description")) if isinstance(item, dict) and isinstance(item.get("description"), str) else ""
        if name:
            lines.append(f"- {name}" + (f": {desc}" if desc else ""))
    return "\n".join(lines)


def convert_service(record: dict[str, Any], export_date: date | None, known_offices: set[str] | None,
                    report: ImportReport) -> tuple[FrontMatter, str]:
    service_id = str(record.get("id") or "").strip()
    name = (record.get("name") or "").strip()
    meta = record.get("meta") or {}
    if not name:
        name = f"Leistung {service_id}"
        report.warn(service_id, "kein Name, Platzhalter verwendet")

    url = _fill(meta.get("url"), serviceId=service_id)
    if url and url.startswith("//"):
        url = "https:" + url
    if not url:
        authorities = record.get("authorities") or []
        url = next((a.get("webinfo") for a in authorities if a.get("webinfo")), None) or FALLBACK_URL
        report.warn(service_id, f"keine Quell-URL, ersatzweise {url}")
    updated = _date_of(meta.get("lastupdate")) or export_date
    if updated is None:
        updated = date.today()
        report.warn(service_id, "kein Änderungsdatum, heutiges Datum gesetzt")

    description = html_to_markdown(record.get("description"))
    if not description:
        report.warn(service_id, "keine Beschreibung")
    fees = html_to_markdown(record.get("fees")) or None
    forms, links = _links(record.get("forms")), _links(record.get("links"))
    if links and forms:  # Munich repeats the forms as links
        links = [link for link in links if link not in forms]
    requirements = record.get("requirements") or []
    documents = [html_to_markdown(r.get("name")) for r in requirements if isinstance(r, dict) and r.get("name")]

    # Office references only make sense when the locations file is imported too.
    offices = []
    for loc in record.get("locations") or [] if known_offices is not None else []:
        loc_id = str(loc.get("location", "")).strip()
        if loc_id in known_offices:
            offices.append(loc_id)
        elif loc_id:
            report.warn(service_id, f"Standort {loc_id} fehlt in der Standortdatei, Verweis weggelassen")

    online = (record.get("onlineprocessing") or {}).get("link")
    booking = _fill((record.get("appointment") or {}).get("link"), serviceId=service_id)
    keywords = [k.strip() for k in (meta.get("keywords") or "").split(",") if k.strip()]
    leika = str(record.get("leika") or "").strip() or None

    body_parts = [
        description or missing_description(name),
        _section("Voraussetzungen", _named_list(record.get("prerequisites"))),
        _section("Erforderliche Unterlagen", _named_list(requirements)),
        _section("Gebühren", fees or ""),
        _section("Bearbeitungsdauer", html_to_markdown(record.get("process_time"))),
        _section("Formulare", _link_list(forms)),
        _section("Weiterführende Links", _link_list(links)),
        _section("Rechtsgrundlagen", _named_list(record.get("legal"))),
    ]
    front = dict(
        id=service_id, type="service", title=name, url=url, updated=updated, keywords=keywords,
        leika=leika, fees=fees, documents=documents, online_service_url=online, booking_url=booking,
        offices=list(dict.fromkeys(offices)), forms=forms, links=links,
    )
    return _validated(front, service_id, report), "\n\n".join(p for p in body_parts if p)


def _validated(front: dict[str, Any], record_id: str, report: ImportReport) -> FrontMatter:
    """Validate; drop invalid optional fields (with a warning) instead of losing the record."""
    for _ in range(len(front)):
        try:
            return FrontMatter.model_validate(front)
        except ValidationError as e:
            for error in e.errors():
                key = str(error["loc"][0])
                if key == "url":
                    report.warn(record_id, f"Quell-URL '{front['url']}' ungültig, ersatzweise {FALLBACK_URL}")
                    front["url"] = FALLBACK_URL
                elif key == "id":
                    raise ValueError(f"Datensatz ohne gültige ID: {record_id!r}") from None
                else:
                    report.warn(record_id, f"{key} ungültig ({front[key]!r}), weggelassen")
                    front[key] = FrontMatter.model_fields[key].get_default()
    return FrontMatter.model_validate(front)


def convert_location(record: dict[str, Any], report: ImportReport) -> Office:
    loc_id = str(record.get("id"))
    address = record.get("address") or {}
    street = " ".join(str(address.get(k) or "").strip() for k in ("street", "house_number")).strip()
    addr = None
    try:
        addr = Address(street=street, postal_code=str(address.get("postal_code") or ""), city=address.get("city") or "")
    except ValidationError:
        report.warn(f"Standort {loc_id}", "Adresse unvollständig")
    contact = record.get("contact") or {}
    email = (contact.get("email") or "").strip() or None
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        report.warn(f"Standort {loc_id}", f"E-Mail '{email}' ungültig, weggelassen")
        email = None
    url = _fill((record.get("meta") or {}).get("url"), locationId=loc_id)
    return Office(
        id=loc_id, name=(record.get("displayName") or record.get("name") or f"Standort {loc_id}").strip(),
        address=addr, phone=(contact.get("phone") or "").strip() or None, email=email, url=url,
        note="Öffnungszeiten: siehe Terminvereinbarung",
    )


def import_dldb(services_json: Path, out_dir: Path, locations_json: Path | None = None) -> ImportReport:
    report = ImportReport()
    known_offices: set[str] | None = None
    offices: list[Office] = []
    if locations_json is not None:
        locations, _ = _records(locations_json)
        offices = [convert_location(r, report) for r in locations]
        known_offices = {o.id for o in offices}
    services, export_date = _records(services_json)

    out_dir.mkdir(parents=True, exist_ok=True)
    service_dir = out_dir / "leistungen"
    service_dir.mkdir(exist_ok=True)
    seen: set[str] = set()
    for record in services:
        front, body = convert_service(record, export_date, known_offices, report)
        if front.id in seen:
            report.warn(front.id, "doppelte Leistungs-ID in der Exportdatei; zweiter Eintrag überschreibt den ersten")
        seen.add(front.id)
        filename = f"{front.id}-{slugify(front.title, max_length=60, replacements=[['ß', 'ss']])}.md"
        (service_dir / filename).write_text(render_document(front, body), encoding="utf-8")
        report.services += 1
    if offices:
        (out_dir / "offices.yaml").write_text(dump_offices(offices), encoding="utf-8")
        report.offices = len(offices)
    return report
