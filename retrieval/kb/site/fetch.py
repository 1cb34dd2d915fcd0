"""Polite HTTP for the site import: robots.txt, one host, a pause between requests, time-outs,
a size limit, redirects followed (on the allowed hosts only), HTML only."""

from __future__ import annotations

import time
import urllib.robotparser
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

MAX_BYTES = 5_000_000
TIMEOUT_SECONDS = 15.0
DEFAULT_USER_AGENT = "Kommunalbot-Import/1.0 (+https://github.com/kommunalbot; Import der eigenen Website)"
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    content_type: str
    body: bytes
    charset: str | None
    last_modified: str | None  # ISO date of the Last-Modified header


class FetchError(Exception):
    """Why a URL could not be imported (the message is shown in the report). ``skipped``: left out
    on purpose (robots.txt, not HTML), not a failure of the site."""

    def __init__(self, reason: str, skipped: bool = False):
        super().__init__(reason)
        self.skipped = skipped


class SiteClient:
    def __init__(self, hosts: set[str], delay: float = 1.0, user_agent: str = DEFAULT_USER_AGENT,
                 timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES):
        self.hosts, self.delay, self.user_agent, self.max_bytes = hosts, delay, user_agent, max_bytes
        self._client = httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=5,
                                    headers={"User-Agent": user_agent, "Accept": "text/html,application/xml;q=0.9,*/*;q=0.5"})
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._last_request = 0.0

    def close(self) -> None:
        self._client.close()

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.hostname not in self.hosts:
            return False
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            parser = urllib.robotparser.RobotFileParser()
            try:
                response = self._get(urljoin(origin, "/robots.txt"))
                # No robots.txt (404 and the like) allows everything; a server error forbids nothing either.
                parser.parse(response.text.splitlines() if response.status_code == 200 else [])
            except httpx.HTTPError:
                parser.parse([])
            self._robots[origin] = parser
        return self._robots[origin].can_fetch(self.user_agent, url)

    def _pause(self) -> None:
        wait = self._last_request + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_request = time.monotonic()

    def _get(self, url: str) -> httpx.Response:
        self._pause()
        return self._client.get(url)

    def fetch(self, url: str, html_only: bool = True) -> Fetched:
        """The page at ``url``; raises FetchError with a reason for the report."""
        if not self.allowed(url):
            if urlsplit(url).hostname in self.hosts:
                raise FetchError("robots.txt verbietet den Abruf", skipped=True)
            raise FetchError("anderer Host")
        self._pause()
        try:
            with self._client.stream("GET", url) as response:
                final = str(response.url)
                if urlsplit(final).hostname not in self.hosts:
                    raise FetchError(f"Weiterleitung auf einen anderen Host ({urlsplit(final).hostname})")
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code}")
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if html_only and content_type and content_type not in HTML_TYPES:
                    raise FetchError(f"kein HTML ({content_type})", skipped=True)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > self.max_bytes:
                        raise FetchError(f"größer als {self.max_bytes // 1_000_000} MB")
                return Fetched(final, response.status_code, content_type, bytes(body), response.charset_encoding,
                               _http_date(response.headers.get("last-modified")))
        except httpx.TimeoutException:
            raise FetchError("Zeitüberschreitung") from None
        except httpx.TooManyRedirects:
            raise FetchError("zu viele Weiterleitungen") from None
        except httpx.HTTPError as e:
            raise FetchError(f"nicht erreichbar ({type(e).__name__})") from None


def _http_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError):
        return None
