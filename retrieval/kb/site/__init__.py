"""`kommunalbot kb import-site`: a city's own website -> a knowledge-base folder for review.

fetch (polite HTTP) -> discover (sitemap, crawl, saved files) -> extract (structured data, main
content) -> sync (write, re-import, prune, report). The running bot never fetches anything; this
is an editor's or IT's action against the city's own site.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from retrieval.kb.site.discover import UrlFilter, from_folder, from_sitemap, from_start_url
from retrieval.kb.site.fetch import DEFAULT_USER_AGENT, MAX_BYTES, TIMEOUT_SECONDS, SiteClient
from retrieval.kb.site.sync import SiteImportReport, SiteSync, import_pages

__all__ = ["SiteImportOptions", "SiteImportReport", "import_site", "source_kind"]


@dataclass(frozen=True)
class SiteImportOptions:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_pages: int = 2000
    delay: float = 1.0
    user_agent: str = DEFAULT_USER_AGENT
    prune: bool = False
    timeout: float = TIMEOUT_SECONDS  # per request
    max_bytes: int = MAX_BYTES  # per page


def source_kind(source: str) -> str:
    """'folder', 'sitemap' or 'start': what SOURCE names."""
    if not source.startswith(("http://", "https://")):
        return "folder"
    path = urlsplit(source).path.lower()
    return "sitemap" if path.endswith((".xml", ".xml.gz")) or "sitemap" in path else "start"


def hosts_of(url: str) -> set[str]:
    """The given host and its www./bare twin (the same site under both names)."""
    host = urlsplit(url).hostname or ""
    twin = host[4:] if host.startswith("www.") else f"www.{host}"
    return {host, twin}


def import_site(source: str, out: Path, options: SiteImportOptions = SiteImportOptions(),
                progress: Callable[[str], None] | None = None) -> SiteImportReport:
    """Import SOURCE (sitemap URL, start URL or folder of HTML files) into the folder ``out``."""
    try:
        wanted = UrlFilter(tuple(re.compile(p) for p in options.include), tuple(re.compile(p) for p in options.exclude))
    except re.error as e:
        raise ValueError(f"Ungültiger regulärer Ausdruck in --include/--exclude: {e}") from None
    kind = source_kind(source)
    out.mkdir(parents=True, exist_ok=True)
    sync = SiteSync(out, source)
    if kind == "folder":
        folder = Path(source)
        if not folder.is_dir():
            raise ValueError(f"{source}: weder eine URL (http/https) noch ein Ordner")
        import_pages(from_folder(folder, wanted, options.max_pages, sync.problem), sync, progress)
    else:
        client = SiteClient(hosts_of(source), options.delay, options.user_agent, options.timeout, options.max_bytes)
        try:
            pages = (from_sitemap if kind == "sitemap" else from_start_url)(
                client, source, wanted, options.max_pages, sync.problem)
            import_pages(pages, sync, progress)
        finally:
            client.close()
    complete = not any("--max-pages" in reason for _, reason in sync.report.skipped)
    return sync.finish(options.prune, complete)
