"""The DLDB importer on the real Munich and Berlin exports, and on records with gaps."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bot.cli import app
from retrieval.kb.dldb_import import import_dldb
from retrieval.kb.html_markdown import html_to_markdown
from retrieval.kb.knowledge_base import load_knowledge_base
from tests.conftest import shared


def test_munich_imports_completely(tmp_path):
    services = shared("dldb/munich/services_de.raw.json")
    locations = shared("dldb/munich/locations_de.raw.json")
    report = import_dldb(services, tmp_path / "kb", locations)
    raw = json.loads(services.read_text(encoding="utf-8"))["data"]
    assert report.services == len(raw) == 287
    assert report.offices == 109

    kb = load_knowledge_base(tmp_path / "kb")
    assert kb.errors == []
    assert set(kb.documents) == {str(r["id"]) for r in raw}  # DLDB ids are the document ids
    doc = kb.documents["1063423"]  # Gewerbe-Anmeldung
    assert doc.meta.title == "Gewerbe-Anmeldung"
    assert doc.meta.leika == "99050012104000"
    assert doc.meta.fees.startswith("50 bis 60 Euro")
    assert str(doc.meta.url).endswith("/services/1063423") and "{serviceId}" not in str(doc.meta.booking_url)
    assert "<p>" not in doc.body and "**vor oder spätestens mit Aufnahme der Tätigkeit**" in doc.body
    assert "10546" in doc.meta.offices and kb.offices["10546"].name == "Gewerbeamt"
    with_forms = [d for d in kb.documents.values() if d.meta.forms]
    assert with_forms and all(str(f.url).startswith("http") for d in with_forms for f in d.meta.forms)
    # records without description are imported, with a warning, not dropped
    missing = [w for w in report.warnings if w.endswith("keine Beschreibung")]
    assert len(missing) >= 50


def test_berlin_fixtures_import_without_crash(tmp_path):
    services = shared("dldb/berlin/services_de_2018.raw.json")
    locations = shared("dldb/berlin/locations_de_2016.raw.json")
    report = import_dldb(services, tmp_path / "kb", locations)
    assert report.services == 653 and report.offices == 496
    kb = load_knowledge_base(tmp_path / "kb")
    assert kb.errors == [] and len(kb.documents) == 653


def test_record_with_gaps_is_kept_with_warnings(tmp_path):
    export = {"data": [
        {"id": "1", "name": "Vollständig", "description": "<p>Text <a href='https://x.org'>Link</a></p>",
         "meta": {"url": "//service.example.org/1/", "lastupdate": "2025-01-02T10:00:00", "keywords": "A, B"},
         "leika": "12 34", "fees": "<ul><li>10 Euro</li></ul>", "forms": [{"name": "Antrag", "link": "https://x.org/a.pdf"}],
         "links": [{"name": "kaputt", "link": "kein link"}], "locations": [{"location": "999"}]},
        {"id": "2"},
    ], "meta": {"generated": "2025-03-04T00:00:00"}}
    path = tmp_path / "services.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    locations = tmp_path / "locations.json"
    locations.write_text(json.dumps({"data": [{"id": "5", "name": "Amt", "address": {"street": "A", "house_number": "1",
                                                                                       "postal_code": "12345", "city": "X"}}]}))
    report = import_dldb(path, tmp_path / "kb", locations)
    assert report.services == 2
    kb = load_knowledge_base(tmp_path / "kb")
    assert kb.errors == []
    full, empty = kb.documents["1"], kb.documents["2"]
    assert str(full.meta.url) == "https://service.example.org/1/" and full.meta.fees == "- 10 Euro"
    assert full.meta.leika is None and full.meta.keywords == ["A", "B"] and full.meta.links == []
    assert "[Link](https://x.org)" in full.body and "## Formulare" in full.body
    assert empty.meta.title == "Leistung 2" and str(empty.meta.updated) == "2025-03-04"
    warnings = "\n".join(report.warnings)
    for expected in ("1: leika ungültig", "1: Standort 999 fehlt", "2: kein Name", "2: keine Quell-URL", "2: keine Beschreibung"):
        assert expected in warnings


def test_cli_import_prints_counts(tmp_path):
    services = shared("dldb/munich/services_de.raw.json")
    result = CliRunner().invoke(app, ["kb", "import-dldb", str(services), "--out", str(tmp_path / "kb")])
    assert result.exit_code == 0, result.output
    assert "287 Leistungen und 0 Dienststellen" in result.output


def test_a_line_break_at_the_end_of_a_bold_label_stays_after_the_label():
    # Munich's "<strong>Wegzug ins Ausland:<br></strong>Wenn Sie …" read "Ausland:Wenn Sie" in the answer.
    html = "<p><strong>Wegzug ins Ausland:<br></strong>Wenn Sie ins Ausland ziehen.</p><p>Mit <b>fett</b> im Satz.</p>"
    assert html_to_markdown(html) == "**Wegzug ins Ausland:**\nWenn Sie ins Ausland ziehen.\n\nMit **fett** im Satz."
