"""`kb import-site` on a test website built from the Munich catalogue.

    .venv/bin/python benchmarks/site_import.py [--json OUT] [--skip-retrieval]

The 287 Munich services (``../shared/data/dldb/munich/services.jsonl``: description_html,
fees_html, keywords, booking link, last update) become pages of a CMS-like site: navigation,
cookie notice, breadcrumbs, search form, related-page box and footer around every page (the
template of tests/retrieval/site_fixture.py), plus 20 news and 3 legal pages that the include
pattern leaves out, all in a sitemap. Served on loopback and imported with ``--delay 0``:

1. every service page imported, and nothing else; no boilerplate text in any page;
2. import time (target: 300 pages in <= 60 s);
3. the Munich dev questions against the imported knowledge base and against the DLDB import:
   top-1 and top-3 (target: within 0.02);
4. main-content extraction, trafilatura (the product's) against readability-lxml (the ``bench``
   extra), both on the page's marked main area as in the product, and trafilatura on the whole
   page: boilerplate lines kept and the share of the description's words kept, per page.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the project's packages

from benchmarks.shared_data import SHARED  # noqa: E402
from retrieval.kb.site import SiteImportOptions, import_site  # noqa: E402
from retrieval.kb.site.extract import main_area, page_id  # noqa: E402
from tests.retrieval.site_fixture import BOILERPLATE, StaticSite, serve, wrap  # noqa: E402

SERVICES = SHARED / "dldb/munich/services.jsonl"
DEV = SHARED / "munich-questions/dev.jsonl"
ROOT = Path(__file__).resolve().parents[1]


def service_path(record: dict) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", record["name"].lower()).strip("-")[:60]
    return f"/buergerservice/leistungen/{record['id']}-{slug}.html"


def build_site(records: list[dict], marked: bool = True) -> StaticSite:
    site = StaticSite()
    html = "text/html; charset=utf-8"
    for r in records:
        stand = datetime.fromisoformat(r["lastupdate"]).strftime("%d.%m.%Y") if r.get("lastupdate") else ""
        booking = f'<p><a href="{r["booking_url"]}">Termin vereinbaren</a></p>' if r.get("booking_url") else ""
        main = (f"<h1>{r['name']}</h1>{r.get('description_html') or ''}"
                + (f"<h2>Gebühren</h2>{r['fees_html']}" if r.get("fees_html") else "")
                + booking + (f"<p>Stand: {stand}</p>" if stand else ""))
        keywords = f'<meta name="keywords" content="{r.get("keywords") or ""}">'
        site.put(service_path(r), wrap(r["name"], main, head=keywords, marked=marked), html)
    others = [f"/aktuelles/meldung-{i}.html" for i in range(20)] + ["/impressum.html", "/datenschutz.html",
                                                                    "/barrierefreiheit.html"]
    for path in others:
        site.put(path, wrap("Meldung", f"<h1>Meldung {path}</h1><p>Die Stadt informiert über Neuigkeiten.</p>"), html)
    site.sitemap([service_path(r) for r in records], others)
    return site


def retrieval(questions: Path, kb: Path) -> tuple[float, float]:
    out = subprocess.run([str(ROOT / ".venv/bin/kommunalbot"), "eval", "retrieval", str(questions), "--kb", str(kb)],
                         capture_output=True, text=True, check=True).stdout
    match = re.search(r"Top-1 ([\d.]+)\s+Top-3 ([\d.]+)", out)
    return float(match.group(1)), float(match.group(2))


def compare_extractors(records: list[dict]) -> dict[str, dict[str, float]]:
    import trafilatura
    from markdownify import markdownify
    from readability import Document

    def words(text: str) -> set[str]:
        return {w for w in re.findall(r"\w{4,}", text.lower())}

    results: dict[str, dict[str, float]] = {}
    def with_trafilatura(h: str) -> str:
        return trafilatura.extract(h, output_format="markdown", include_tables=True, include_formatting=True) or ""

    def with_readability(h: str) -> str:
        return markdownify(Document(h).summary(html_partial=True))

    marked, unmarked = build_site(records), build_site(records, marked=False)
    runs = {  # on the page's marked main area as the product does (extract.main_area), and on pages without one
        "trafilatura, main area": (marked, lambda h: with_trafilatura(main_area(h))),
        "readability-lxml, main area": (marked, lambda h: with_readability(main_area(h))),
        "trafilatura, page without <main>": (unmarked, lambda h: with_trafilatura(main_area(h))),
        "readability-lxml, page without <main>": (unmarked, lambda h: with_readability(main_area(h))),
    }
    for name, (site, extract) in runs.items():
        leaked = kept = 0
        started = time.perf_counter()
        for r in records:
            text = extract(site.pages[service_path(r)][2].decode("utf-8"))
            leaked += sum(b in text for b in BOILERPLATE)
            source = words(r.get("description_text") or "")
            kept += len(source & words(text)) / len(source) if source else 1.0
        results[name] = {"boilerplate_lines_kept": leaked, "description_words_kept": round(kept / len(records), 3),
                         "seconds": round(time.perf_counter() - started, 1)}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--skip-retrieval", action="store_true")
    args = parser.parse_args()
    if not SERVICES.is_file():
        print(f"{SERVICES} fehlt (../shared/data)", file=sys.stderr)
        return 1
    records = [json.loads(line) for line in SERVICES.open(encoding="utf-8")]
    site = build_site(records)
    base, server = serve(site)
    report: dict[str, object] = {"service_pages": len(records)}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "munich_site_kb"
        started = time.perf_counter()
        result = import_site(f"{base}/sitemap.xml", out, SiteImportOptions(include=(r"^/buergerservice/leistungen/",),
                                                                          delay=0))
        report["import_s"] = round(time.perf_counter() - started, 1)
        server.shutdown()
        expected = {page_id(base + service_path(r)) for r in records}
        imported = {p.stem for p in (out / "seiten").glob("*.md")}
        bodies = [p.read_text(encoding="utf-8") for p in (out / "seiten").glob("*.md")]
        report.update({"imported": len(imported), "all_services_and_nothing_else": imported == expected,
                       "pages_with_boilerplate": sum(any(b in text for b in BOILERPLATE) for text in bodies),
                       "failed": len(result.failed), "thin_pages": len(result.thin),
                       "fetched_urls": len(site.requests)})
        if not args.skip_retrieval and DEV.is_file():
            mapping = {r["id"]: page_id(base + service_path(r)) for r in records}
            questions = Path(scratch) / "dev_site_ids.jsonl"
            with questions.open("w", encoding="utf-8") as f:
                for line in DEV.open(encoding="utf-8"):
                    q = json.loads(line)
                    q["gold"] = [mapping.get(g, g) for g in q.get("gold") or []]
                    f.write(json.dumps(q, ensure_ascii=False) + "\n")
            dldb = Path(scratch) / "munich_dldb_kb"
            subprocess.run([str(ROOT / ".venv/bin/kommunalbot"), "kb", "import-dldb",
                            str(SHARED / "dldb/munich/services_de.raw.json"), "--locations",
                            str(SHARED / "dldb/munich/locations_de.raw.json"), "--out", str(dldb)],
                           capture_output=True, check=True)
            report["munich_dev_site_import"] = retrieval(questions, out)
            report["munich_dev_dldb_import"] = retrieval(DEV, dldb)
    report["extractors"] = compare_extractors(records)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
