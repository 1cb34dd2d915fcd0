"""`kb import-site` against a municipal website served on loopback (tests/retrieval/site_fixture.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from retrieval.kb.knowledge_base import load_knowledge_base
from retrieval.kb.site import SiteImportOptions, import_site
from retrieval.kb.site.extract import page_id
from retrieval.kb.site.sync import STATE
from tests.retrieval.site_fixture import BOILERPLATE, Site, serve

WANTED = SiteImportOptions(include=(r"^/leistungen/", r"^/faq", r"^/rathaus", r"^/intern/"), delay=0, timeout=1.0,
                           max_bytes=200_000)


@pytest.fixture
def site():
    site = Site()
    base, server = serve(site)
    site.base = base
    yield site
    server.shutdown()


def pages(out: Path) -> dict[str, tuple[dict, str]]:
    found = {}
    for path in (out / "seiten").glob("*.md"):
        _, front, body = re.split(r"^---$", path.read_text(encoding="utf-8"), maxsplit=2, flags=re.M)
        meta = yaml.safe_load(front)
        found[meta["id"]] = (meta, body)
    return found


def test_sitemap_index_import_with_every_kind_of_failure(site, tmp_path):
    out = tmp_path / "kb"
    report = import_site(f"{site.base}/sitemap.xml", out, WANTED)
    imported = pages(out)
    assert set(imported) == {"leistungen-personalausweis", "leistungen-hund", "leistungen-neu",
                             "faq-wann-ist-der-wertstoffhof-geoffnet", "faq-wo-bekomme-ich-gelbe-sacke", "rathaus"}
    failed = dict(report.failed)
    assert failed[f"{site.base}/leistungen/fehlt.html"] == "HTTP 404"
    assert failed[f"{site.base}/leistungen/kaputt.html"] == "HTTP 500"
    assert failed[f"{site.base}/leistungen/langsam.html"] == "Zeitüberschreitung"
    assert failed[f"{site.base}/leistungen/riesig.html"].startswith("größer als")
    skipped = dict(report.skipped)
    assert skipped[f"{site.base}/leistungen/formular.pdf"] == "kein HTML (application/pdf)"
    assert skipped[f"{site.base}/intern/geheim.html"] == "robots.txt verbietet den Abruf"
    assert "/intern/geheim.html" not in site.requests and "/aktuelles/news1.html" not in site.requests

    ausweis, body = imported["leistungen-personalausweis"]
    assert ausweis["title"] == "Personalausweis beantragen" and ausweis["source"] == "site"
    assert str(ausweis["updated"]) == "2026-03-12"  # the page's "Stand:" line beats the sitemap
    assert "Perso" in ausweis["keywords"]
    assert "22,80 Euro" in ausweis["fees"] and "| unter 24 Jahren | 22,80 Euro |" in body  # the fee table
    assert ausweis["documents"] == ["ein aktuelles biometrisches Passfoto", "der bisherige Ausweis"]
    assert ausweis["booking_url"] == "https://termine.teststadt.example/buergerbuero"
    assert ausweis["online_service_url"] == "https://online.teststadt.example/ausweis"
    hund, body = imported["leistungen-hund"]
    assert "Hundesteuer für Ihren Vierbeiner beträgt 120 € im Jahr" in body  # Windows-1252, declared in <meta>
    assert str(hund["updated"]) == "2026-02-01"  # the sitemap's lastmod
    moved, _ = imported["leistungen-neu"]
    assert moved["url"] == f"{site.base}/leistungen/neu.html"  # the redirect's target
    faq, body = imported["faq-wann-ist-der-wertstoffhof-geoffnet"]
    assert faq["type"] == "faq" and "**Montag bis Samstag**" in body
    for meta, body in imported.values():  # no CMS boilerplate in any page
        assert not any(b in body for b in BOILERPLATE), (meta["id"], body)

    offices = yaml.safe_load((out / "offices.yaml").read_text(encoding="utf-8"))["offices"]
    assert offices == [{"id": "burgerburo-teststadt", "name": "Bürgerbüro Teststadt",
                        "address": {"street": "Marktplatz 1", "postal_code": "12345", "city": "Teststadt"},
                        "phone": "+49 1234 5670", "email": "buergerbuero@teststadt.example",
                        "url": f"{site.base}/rathaus.html",
                        "opening_hours": {"mo": "08:00-12:00", "di": "08:00-12:00", "do": "14:00-18:00"}}]
    check = load_knowledge_base(out)
    assert not [f for f in check.findings if f.severity == "error"], check.findings
    assert ("leistungen-hund", 50) not in report.thin and any(i == "rathaus" for i, _ in report.thin)
    assert "Wenig Inhalt" in (out / "import-bericht.html").read_text(encoding="utf-8")


def test_start_url_crawl_follows_links_on_the_host_and_respects_robots(site, tmp_path):
    options = SiteImportOptions(include=(r"^/leistungen/",), exclude=(r"^/aktuelles/",), delay=0, timeout=1.0)
    report = import_site(f"{site.base}/", tmp_path / "kb", options)
    assert set(pages(tmp_path / "kb")) == {"leistungen-personalausweis", "leistungen-hund"}
    assert "/intern/geheim.html" not in site.requests  # disallowed: never fetched
    assert "/aktuelles/news1.html" not in site.requests  # excluded: never fetched
    assert (f"{site.base}/intern/geheim.html", "robots.txt verbietet den Abruf") in report.skipped
    assert not any("extern.example" in url for url in site.requests)


def test_reimport_changes_only_what_changed_and_keeps_hand_edits(site, tmp_path):
    out = tmp_path / "kb"
    import_site(f"{site.base}/sitemap.xml", out, WANTED)
    hund = out / "seiten" / "leistungen-hund.md"
    edited = hund.read_text(encoding="utf-8").replace("zwei Wochen", "14 Tagen")
    hund.write_text(edited, encoding="utf-8")
    before = (out / "seiten" / "rathaus.md").stat().st_mtime_ns

    changed = site.pages["/leistungen/neu.html"]
    site.pages["/leistungen/neu.html"] = (200, changed[1], changed[2].replace(b"5 Euro", b"7 Euro"), {})
    site.sitemap(["/leistungen/personalausweis.html", "/leistungen/hund.html", "/leistungen/alt.html"],
                 ["/rathaus.html"])  # the FAQ page is gone from the site
    report = import_site(f"{site.base}/sitemap.xml", out, WANTED)
    assert report.updated == ["leistungen-neu"] and "7 Euro" in (out / "seiten/leistungen-neu.md").read_text()
    assert report.edited == ["leistungen-hund"] and hund.read_text(encoding="utf-8") == edited  # never overwritten
    assert sorted(report.unchanged) == ["leistungen-personalausweis", "rathaus"]
    assert (out / "seiten" / "rathaus.md").stat().st_mtime_ns == before  # unchanged: not even rewritten
    assert sorted(report.gone) == ["faq-wann-ist-der-wertstoffhof-geoffnet", "faq-wo-bekomme-ich-gelbe-sacke"]
    assert (out / "seiten" / "faq-wo-bekomme-ich-gelbe-sacke.md").exists()  # listed, not deleted

    pruned = import_site(f"{site.base}/sitemap.xml", out, SiteImportOptions(**{**WANTED.__dict__, "prune": True}))
    assert sorted(pruned.pruned) == sorted(report.gone)
    assert not (out / "seiten" / "faq-wo-bekomme-ich-gelbe-sacke.md").exists()
    assert "faq-wo-bekomme-ich-gelbe-sacke" not in (out / STATE).read_text(encoding="utf-8")


def test_saved_html_files_from_a_cms_export(tmp_path):
    from tests.retrieval.site_fixture import AUSWEIS, wrap

    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "ausweis.html").write_text(AUSWEIS.replace(
        "<head>", '<head><link rel="canonical" href="https://www.teststadt.example/leistungen/ausweis.html">'),
        encoding="utf-8")
    (folder / "ohne-adresse.htm").write_text(AUSWEIS.replace("Personalausweis beantragen", "Reisepass"),
                                             encoding="utf-8")
    (folder / "alte-vorlage.html").write_text(wrap("Wohngeld", "<h1>Wohngeld</h1><p>Wohngeld ist ein Zuschuss zur "
                                                   "Miete. Den Antrag stellen Sie bei der Wohngeldstelle.</p>",
                                                   marked=False), encoding="utf-8")  # no <main>, no <article>
    report = import_site(str(folder), tmp_path / "kb", SiteImportOptions())
    imported = pages(tmp_path / "kb")
    assert imported["leistungen-ausweis"][0]["url"] == "https://www.teststadt.example/leistungen/ausweis.html"
    assert imported["ohne-adresse"][0]["title"] == "Reisepass" and len(report.new) == 3
    old_template = imported["alte-vorlage"][1]
    assert "Zuschuss zur Miete" in old_template and not any(b in old_template for b in BOILERPLATE)


def test_page_ids_are_stable_and_valid():
    assert page_id("https://x.de/leben/ausweis/Personalausweis.html") == "leben-ausweis-personalausweis"
    assert page_id("https://x.de/") == "startseite"
    assert page_id("https://x.de/index.php?id=12") != page_id("https://x.de/index.php?id=13")
    assert page_id("https://x.de/straße/") == "strasse"


def test_cli_imports_and_reports(site, tmp_path):
    from bot.cli import app

    result = CliRunner().invoke(app, ["kb", "import-site", f"{site.base}/sitemap.xml", "--out", str(tmp_path / "kb"),
                                      "--include", "^/leistungen/per", "--delay", "0"])
    assert result.exit_code == 0, result.output
    assert "neu: 1" in result.stdout and "import-bericht.html" in result.stdout
    bad = CliRunner().invoke(app, ["kb", "import-site", "kein/ordner", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "weder eine URL" in bad.output


def test_government_service_data_fills_a_page_with_little_text(tmp_path):
    import json as jsonlib

    from tests.retrieval.site_fixture import wrap

    service = {"@context": "https://schema.org", "@type": "GovernmentService", "name": "Bewohnerparkausweis",
               "description": "<p>Mit dem Bewohnerparkausweis parken Sie in Ihrer Zone ohne Parkschein. Er gilt "
                              "ein Jahr und wird online oder im Bürgerbüro beantragt.</p>",
               "offers": {"@type": "Offer", "price": "30.00", "priceCurrency": "EUR"}}
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "parken.html").write_text(wrap("Bewohnerparkausweis", "<h1>Bewohnerparkausweis</h1>",
                                             head='<link rel="canonical" href="https://www.teststadt.example/parken.html">'
                                                  f'<script type="application/ld+json">{jsonlib.dumps(service)}</script>'),
                                        encoding="utf-8")
    import_site(str(folder), tmp_path / "kb", SiteImportOptions())
    meta, body = pages(tmp_path / "kb")["parken"]
    assert meta["title"] == "Bewohnerparkausweis" and meta["fees"] == "30.00 EUR"
    assert "parken Sie in Ihrer Zone ohne Parkschein" in body
