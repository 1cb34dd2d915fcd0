"""One HTML page of a city's website -> knowledge-base pages (front matter + Markdown) and offices.

Structured data first: schema.org JSON-LD ``FAQPage`` (each question its own FAQ page),
``GovernmentService``/``Service`` (name, description, fees) and ``GovernmentOffice`` (with
``openingHoursSpecification``: offices.yaml entries). The main content comes from trafilatura
(chosen over readability-lxml on measurements, benchmarks/site_import.py), run on the page's
marked main area: it keeps headings, lists, tables and drops navigation, cookie notices,
breadcrumbs, related-page boxes, search forms and footers.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from slugify import slugify

from retrieval.kb.html_markdown import html_to_markdown
from retrieval.kb.offices import Address, Office

MONTHS = {m: i for i, m in enumerate(("januar", "februar", "märz", "april", "mai", "juni", "juli", "august",
                                      "september", "oktober", "november", "dezember"), start=1)}
STAND = re.compile(r"\bStand:?\s*(?:(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})|(\d{4})-(\d{2})-(\d{2})"
                   r"|(\d{1,2})\.\s?([A-Za-zä]+)\s(\d{4}))", re.I)
FEE_HEADINGS = ("gebühr", "kosten", "preis", "entgelt")
DOCUMENT_HEADINGS = ("unterlagen", "was brauche ich", "mitbringen", "erforderliche dokumente", "nachweise")
ONLINE_LINK = re.compile(r"\bonline\b.*\b(beantrag|erledig|dienst|service|antrag)|online-?(antrag|dienst|service)", re.I)
BOOKING_LINK = re.compile(r"\btermin\w*\b.*\b(vereinbar|buch|reservier)|\b(termin)?buchung\b|terminvereinbarung", re.I)
DAYS = {"monday": "mo", "tuesday": "di", "wednesday": "mi", "thursday": "do", "friday": "fr", "saturday": "sa",
        "sunday": "so"}


@dataclass
class ExtractedPage:
    front: dict[str, Any]  # FrontMatter fields
    body: str


@dataclass
class Extracted:
    pages: list[ExtractedPage] = field(default_factory=list)
    offices: list[Office] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for the report: dates guessed, fields dropped …


def page_id(url: str) -> str:
    """Stable id from the URL's path: '/leben/ausweis/personalausweis.html' -> 'leben-ausweis-personalausweis'."""
    parts = urlsplit(url)
    path = re.sub(r"\.(html?|php|aspx?|jsp)$", "", parts.path.strip("/"), flags=re.I)
    base = slugify(path.replace("/", "-"), max_length=100, replacements=[["ß", "ss"]]) or "startseite"
    if parts.query:
        base = f"{base[:90]}-{hashlib.sha1(parts.query.encode()).hexdigest()[:8]}"
    return base


def json_ld(tree: Any) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page (lists and @graph flattened); broken blocks are skipped."""
    found: list[dict[str, Any]] = []

    def walk(item: Any) -> None:
        if isinstance(item, list):
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            found.append(item)
            walk(item.get("@graph", []))

    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            walk(json.loads(script))
        except json.JSONDecodeError:
            continue
    return found


def types_of(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type", [])
    return {str(k).rsplit("/", 1)[-1] for k in (kind if isinstance(kind, list) else [kind])}


def text_of(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("text") or value.get("name") or ""
    return html_to_markdown(str(value or "")) if "<" in str(value or "") else str(value or "").strip()


def updated_of(text: str, tree: Any, sitemap_lastmod: str | None, last_modified: str | None) -> tuple[date, str]:
    """The page's date and where it came from: a "Stand:" line, article:modified_time, the sitemap's
    lastmod, the Last-Modified header, in that order; else today."""
    match = STAND.search(text)
    if match:
        g = match.groups()
        try:
            if g[0]:
                return date(int(g[2]), int(g[1]), int(g[0])), "Stand-Zeile"
            if g[3]:
                return date(int(g[3]), int(g[4]), int(g[5])), "Stand-Zeile"
            if g[7] and g[7].lower() in MONTHS:
                return date(int(g[8]), MONTHS[g[7].lower()], int(g[6])), "Stand-Zeile"
        except ValueError:
            pass
    for value, source in ((_meta(tree, "article:modified_time"), "article:modified_time"),
                          (sitemap_lastmod, "Sitemap lastmod"), (last_modified, "Last-Modified")):
        if value:
            try:
                return date.fromisoformat(value[:10]), source
            except ValueError:
                continue
    return date.today(), "Importdatum (keine Angabe auf der Seite)"


def _meta(tree: Any, name: str) -> str | None:
    for xpath in (f"//meta[@property='{name}']/@content", f"//meta[@name='{name}']/@content"):
        found = tree.xpath(xpath)
        if found and found[0].strip():
            return found[0].strip()
    return None


def section(markdown: str, words: tuple[str, ...]) -> str | None:
    """The text under the first heading that contains one of ``words`` (up to the next heading)."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#") and any(w in line.lower() for w in words):
            rest = []
            for following in lines[i + 1:]:
                if following.startswith("#"):
                    break
                rest.append(following)
            text = "\n".join(rest).strip()
            return text or None
    return None


def keywords_of(tree: Any, title: str, url: str) -> list[str]:
    words = [w.strip() for w in (_meta(tree, "keywords") or "").split(",") if w.strip()]
    slug_words = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    slug_words = re.sub(r"\.(html?|php|aspx?)$", "", slug_words).replace("-", " ").replace("_", " ").strip()
    if slug_words and slug_words.lower() != title.lower() and not slug_words.isdigit():
        words.append(slug_words)
    return list(dict.fromkeys(words))[:12]


def links_in(tree: Any, url: str, pattern: re.Pattern[str]) -> str | None:
    for anchor in tree.xpath("//a[@href]"):
        label = " ".join(anchor.text_content().split())
        href = urljoin(url, anchor.get("href"))
        if pattern.search(label) and href.startswith("http"):
            return href
    return None


def office_of(item: dict[str, Any], url: str) -> Office | None:
    name = str(item.get("name") or "").strip()
    if not name:
        return None
    address = item.get("address") if isinstance(item.get("address"), dict) else {}
    addr = None
    try:
        addr = Address(street=str(address.get("streetAddress") or ""), postal_code=str(address.get("postalCode") or ""),
                       city=str(address.get("addressLocality") or ""))
    except ValueError:
        addr = None
    hours: dict[str, list[str]] = {}
    for spec in item.get("openingHoursSpecification") or []:
        if not isinstance(spec, dict) or not spec.get("opens") or not spec.get("closes"):
            continue
        days = spec.get("dayOfWeek") or []
        for day in days if isinstance(days, list) else [days]:
            key = DAYS.get(str(day).rsplit("/", 1)[-1].lower())
            if key:
                hours.setdefault(key, []).append(f"{str(spec['opens'])[:5]}-{str(spec['closes'])[:5]}")
    email = str(item.get("email") or "").removeprefix("mailto:").strip() or None
    try:
        return Office(id=slugify(name, max_length=60, replacements=[["ß", "ss"]]) or page_id(url), name=name,
                      address=addr, phone=str(item.get("telephone") or "").strip() or None, email=email,
                      url=str(item.get("url") or url), opening_hours={k: ", ".join(v) for k, v in hours.items()})
    except ValueError:
        return None


def extract(url: str, html: str, sitemap_lastmod: str | None = None, last_modified: str | None = None) -> Extracted:
    result = Extracted()
    try:
        tree = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        result.notes.append("HTML nicht lesbar")
        return result
    objects = json_ld(tree)
    text = " ".join(tree.text_content().split())
    updated, date_source = updated_of(text, tree, sitemap_lastmod, last_modified)
    base_id = page_id(url)

    for item in objects:
        if "GovernmentOffice" in types_of(item):
            office = office_of(item, url)
            if office:
                result.offices.append(office)

    faq = [item for item in objects if "FAQPage" in types_of(item)]
    for item in faq:
        questions = item.get("mainEntity") or []
        for question in questions if isinstance(questions, list) else [questions]:
            if not isinstance(question, dict) or not question.get("name"):
                continue
            answer = text_of(question.get("acceptedAnswer"))
            if not answer:
                continue
            title = " ".join(str(question["name"]).split())
            faq_id = f"{base_id}-{slugify(title, max_length=60, replacements=[['ß', 'ss']])}"[:120]
            result.pages.append(ExtractedPage(
                {"id": faq_id, "type": "faq", "title": title, "url": url, "updated": updated, "source": "site",
                 "keywords": keywords_of(tree, title, url)}, answer))
    if faq:
        return result  # an FAQ page is its questions

    service = next((item for item in objects if types_of(item) & {"GovernmentService", "Service"}), None)
    main = trafilatura.extract(main_area(html), url=url, output_format="markdown", include_tables=True, include_links=False,
                               include_formatting=True, include_comments=False) or ""
    title = _title(tree) or (str(service.get("name")) if service else "")
    if not title:
        result.notes.append("ohne Titel (kein <h1>, kein og:title): nicht importiert")
        return result
    body = _without_title(main, title)
    if service and service.get("description") and len(body.split()) < 20:
        body = text_of(service.get("description")) + ("\n\n" + body if body else "")
    fees = section(body, FEE_HEADINGS)
    offers = (service or {}).get("offers")
    if not fees and isinstance(offers, dict) and offers.get("price") is not None:
        fees = f"{offers['price']} {offers.get('priceCurrency', 'EUR')}".strip()
    documents = [line.lstrip("-* ").strip() for line in (section(body, DOCUMENT_HEADINGS) or "").splitlines()
                 if line.lstrip().startswith(("-", "*")) and line.lstrip("-* ").strip()]
    front: dict[str, Any] = {
        "id": base_id, "type": "faq" if title.endswith("?") or "/faq" in urlsplit(url).path.lower() else "service",
        "title": title, "url": url, "updated": updated, "source": "site", "keywords": keywords_of(tree, title, url),
        "fees": fees[:1000] if fees else None, "documents": documents[:20],
        "online_service_url": links_in(tree, url, ONLINE_LINK), "booking_url": links_in(tree, url, BOOKING_LINK)}
    if date_source.startswith("Importdatum"):
        result.notes.append("kein Datum gefunden (Stand-Zeile, article:modified_time, lastmod, Last-Modified): "
                            "Importdatum eingesetzt")
    result.pages.append(ExtractedPage({k: v for k, v in front.items() if v not in (None, [])}, body))
    return result


def main_area(html: str, tree: Any | None = None) -> str:
    """The page's main area where the CMS marks it (<main>, role="main", <article>), else the page
    without navigation, header, footer, side boxes, forms and elements named like them (cookie,
    breadcrumb, related …). Where a page has little text of its own, trafilatura would otherwise
    fall back to navigation and breadcrumbs (measured: benchmarks/site_import.py)."""
    try:
        tree = tree if tree is not None else lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return html
    for xpath in ("//main", "//*[@role='main']", "//article"):
        found = tree.xpath(xpath)
        if found:
            return f"<html><body>{etree.tostring(found[0], encoding='unicode', method='html')}</body></html>"
    # No marked area (older templates): drop what is never content, by element and by the usual names.
    for element in tree.xpath(f"//nav | //header | //footer | //aside | //form | //*[{_BOILERPLATE_NAMES}]"):
        if element.getparent() is not None:
            element.getparent().remove(element)
    return etree.tostring(tree, encoding="unicode", method="html")


_BOILERPLATE_NAMES = " or ".join(
    f"contains(translate(@{attr}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '{name}')"
    for attr in ("class", "id") for name in ("cookie", "breadcrumb", "navigation", "related", "teaser", "footer",
                                              "header", "sidebar", "consent", "newsletter", "search", "suche"))


def _title(tree: Any) -> str:
    for xpath in ("//h1", "//meta[@property='og:title']/@content", "//title"):
        found = tree.xpath(xpath)
        if found:
            value = found[0] if isinstance(found[0], str) else found[0].text_content()
            value = " ".join(value.split())
            if value:
                return value
    return ""


def _without_title(markdown: str, title: str) -> str:
    lines = markdown.strip().splitlines()
    if lines and lines[0].lstrip("# ").strip() == title:
        lines = lines[1:]
    return "\n".join(lines).strip()
