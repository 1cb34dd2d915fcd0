"""Where the pages come from: a sitemap (or sitemap index), a start URL whose links are followed
on the same host, or a folder of saved HTML files. Each source yields raw pages and reports
what it skipped or could not fetch."""

from __future__ import annotations

import gzip
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from retrieval.kb.site.fetch import FetchError, SiteClient

Problem = Callable[[str, str, str], None]  # (url, "skipped" | "failed", reason)


@dataclass(frozen=True)
class RawPage:
    url: str
    html: str
    sitemap_lastmod: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class UrlFilter:
    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()

    def wanted(self, url: str) -> bool:
        path = urlsplit(url).path or "/"
        if any(p.search(path) for p in self.exclude):
            return False
        return not self.include or any(p.search(path) for p in self.include)


def decode(body: bytes, declared: str | None) -> str:
    """HTML bytes as text: the declared charset, else the page's own <meta charset>, else UTF-8, else
    Windows-1252 (what old CMS pages without a declaration usually are)."""
    head = body[:4096].decode("ascii", errors="ignore")
    meta = re.search(r"""<meta[^>]+charset=["']?([\w-]+)""", head, re.I)
    for charset in (declared, meta.group(1) if meta else None, "utf-8"):
        if charset:
            try:
                return body.decode(charset)
            except (LookupError, UnicodeDecodeError):
                continue
    return body.decode("cp1252", errors="replace")


def sitemap_urls(client: SiteClient, url: str, problem: Problem, depth: int = 0) -> list[tuple[str, str | None]]:
    """(page URL, lastmod) of a sitemap; a sitemap index is followed (two levels at most)."""
    try:
        fetched = client.fetch(url, html_only=False)
    except FetchError as e:
        problem(url, "failed", f"Sitemap: {e}")
        return []
    body = gzip.decompress(fetched.body) if fetched.body[:2] == b"\x1f\x8b" else fetched.body
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as e:
        problem(url, "failed", f"Sitemap ist kein gültiges XML ({e})")
        return []
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    found: list[tuple[str, str | None]] = []
    if etree.QName(root).localname == "sitemapindex":
        for loc in root.findall("s:sitemap/s:loc", ns):
            if depth < 2 and loc.text:
                found += sitemap_urls(client, loc.text.strip(), problem, depth + 1)
        return found
    for entry in root.findall("s:url", ns):
        loc, lastmod = entry.find("s:loc", ns), entry.find("s:lastmod", ns)
        if loc is not None and loc.text:
            found.append((loc.text.strip(), lastmod.text.strip()[:10] if lastmod is not None and lastmod.text else None))
    return found


def from_sitemap(client: SiteClient, sitemap: str, wanted: UrlFilter, max_pages: int,
                 problem: Problem) -> Iterator[RawPage]:
    seen: set[str] = set()
    fetched_pages = 0
    for url, lastmod in sitemap_urls(client, sitemap, problem):
        url = urldefrag(url)[0]
        if url in seen or not wanted.wanted(url):
            continue
        seen.add(url)
        fetched_pages += 1
        if fetched_pages > max_pages:
            problem(url, "skipped", f"mehr als --max-pages {max_pages}")
            continue
        try:
            fetched = client.fetch(url)
        except FetchError as e:
            problem(url, "skipped" if e.skipped else "failed", str(e))
            continue
        yield RawPage(fetched.url, decode(fetched.body, fetched.charset), lastmod, fetched.last_modified)


def links_of(page_url: str, html: str) -> list[str]:
    try:
        tree = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    return [urldefrag(urljoin(page_url, href))[0] for href in tree.xpath("//a/@href")
            if not href.startswith(("mailto:", "tel:", "javascript:"))]


def from_start_url(client: SiteClient, start: str, wanted: UrlFilter, max_pages: int,
                   problem: Problem) -> Iterator[RawPage]:
    """Breadth-first over links on the start URL's host. Every page is read for links; only those
    the include/exclude patterns want are imported (excluded paths are not even fetched)."""
    queue, seen, fetched_pages = deque([start]), {start}, 0
    while queue:
        url = queue.popleft()
        if fetched_pages >= max_pages:
            problem(url, "skipped", f"mehr als --max-pages {max_pages}")
            continue
        if any(p.search(urlsplit(url).path or "/") for p in wanted.exclude):
            continue
        try:
            fetched = client.fetch(url)
        except FetchError as e:
            problem(url, "skipped" if e.skipped else "failed", str(e))
            continue
        fetched_pages += 1
        html = decode(fetched.body, fetched.charset)
        for link in links_of(fetched.url, html):
            if urlsplit(link).hostname in client.hosts and link not in seen:
                seen.add(link)
                queue.append(link)
        if wanted.wanted(fetched.url):
            yield RawPage(fetched.url, html, None, fetched.last_modified)


def from_folder(folder: Path, wanted: UrlFilter, max_pages: int, problem: Problem) -> Iterator[RawPage]:
    """Saved HTML files; a page's URL is its canonical link (or og:url), else a placeholder."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".html", ".htm") and p.is_file())
    for count, path in enumerate(files):
        if count >= max_pages:
            problem(str(path), "skipped", f"mehr als --max-pages {max_pages}")
            continue
        html = decode(path.read_bytes(), None)
        url = canonical_url(html) or f"https://website.invalid/{path.relative_to(folder).as_posix()}"
        if not wanted.wanted(url):
            continue
        yield RawPage(url, html)


def canonical_url(html: str) -> str | None:
    try:
        tree = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        found = tree.xpath(xpath)
        if found and found[0].startswith("http"):
            return found[0].strip()
    return None
