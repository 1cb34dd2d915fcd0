"""A small municipal website on loopback for the site-import tests: CMS boilerplate around every
page, a sitemap index, robots.txt, structured data, and pages that fail in the usual ways."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOILERPLATE = ("Wir verwenden Cookies", "Startseite", "Das könnte Sie auch interessieren", "Impressum",
               "Newsletter abonnieren", "Suche starten")


def wrap(title: str, main: str, head: str = "", charset: str = "utf-8", marked: bool = True) -> str:
    """A page as a typical CMS renders it; ``marked=False``: an older template without <main> or
    <article>, the content in plain <div>s."""
    return f"""<!doctype html><html lang="de"><head><meta charset="{charset}"><title>{title} | Stadt Teststadt</title>
{head}</head><body>
<div class="cookie-banner"><p>Wir verwenden Cookies, um unsere Website zu verbessern.</p><button>Alle akzeptieren</button></div>
<header><a href="/">Startseite</a><nav><ul><li><a href="/leistungen/personalausweis.html">Bürgerservice</a></li>
<li><a href="/aktuelles/news1.html">Aktuelles</a></li><li><a href="/intern/geheim.html">Intern</a></li>
<li><a href="https://extern.example/">Partner</a></li></ul></nav>
<form class="search"><label>Suche <input name="q"></label><button>Suche starten</button></form></header>
<ol class="breadcrumb"><li><a href="/">Startseite</a></li><li>Bürgerservice</li><li>{title}</li></ol>
{"<main><article>" if marked else '<div id="content"><div class="col-md-8">'}{main}{"</article></main>" if marked else "</div></div>"}
<aside class="related"><h3>Das könnte Sie auch interessieren</h3><ul><li><a href="/leistungen/hund.html">Hund anmelden</a></li>
<li><a href="/faq.html">Häufige Fragen</a></li></ul></aside>
<footer><p><a href="/impressum.html">Impressum</a> · <a href="/datenschutz.html">Datenschutz</a> · Newsletter abonnieren</p>
<p>© Stadt Teststadt</p></footer></body></html>"""


AUSWEIS = wrap("Personalausweis beantragen", """<h1>Personalausweis beantragen</h1>
<p>Den Personalausweis beantragen Sie persönlich im Bürgerbüro der Stadt Teststadt. Ab 16 Jahren ist er
Pflicht. Er gilt zehn Jahre, für Menschen unter 24 Jahren sechs Jahre. Die Herstellung dauert etwa drei Wochen.</p>
<h2>Erforderliche Unterlagen</h2><ul><li>ein aktuelles biometrisches Passfoto</li><li>der bisherige Ausweis</li></ul>
<h2>Gebühren</h2><table><tr><th>Wer</th><th>Gebühr</th></tr><tr><td>unter 24 Jahren</td><td>22,80 Euro</td></tr>
<tr><td>ab 24 Jahren</td><td>37,00 Euro</td></tr></table>
<p><a href="https://termine.teststadt.example/buergerbuero">Termin vereinbaren</a></p>
<p><a href="https://online.teststadt.example/ausweis">Online beantragen</a></p>
<p>Stand: 12.03.2026</p>""", head='<meta name="keywords" content="Perso, Ausweis, ID-Karte">')

HUND = wrap("Hund anmelden", """<h1>Hund anmelden</h1>
<p>Wer einen Hund hält, meldet ihn innerhalb von zwei Wochen bei der Steuerstelle an. Die Hundesteuer für
Ihren Vierbeiner beträgt 120 € im Jahr, für jeden weiteren Hund 180 €. Sie erhalten eine Hundemarke, die der
Hund außerhalb der Wohnung tragen muss. Die Anmeldung geht formlos per Brief oder E-Mail.</p>""",
           charset="windows-1252")

FAQ = wrap("Häufige Fragen", "<h1>Häufige Fragen</h1><p>Antworten auf häufige Fragen.</p>", head="""
<script type="application/ld+json">""" + json.dumps({
    "@context": "https://schema.org", "@type": "FAQPage", "mainEntity": [
        {"@type": "Question", "name": "Wann ist der Wertstoffhof geöffnet?",
         "acceptedAnswer": {"@type": "Answer", "text": "<p>Der Wertstoffhof ist <b>Montag bis Samstag</b> von 8 bis 16 Uhr geöffnet.</p>"}},
        {"@type": "Question", "name": "Wo bekomme ich gelbe Säcke?",
         "acceptedAnswer": {"@type": "Answer", "text": "Gelbe Säcke gibt es kostenlos im Bürgerbüro und in allen Ortsverwaltungen."}}]},
    ensure_ascii=False) + "</script>")

RATHAUS = wrap("Bürgerbüro im Rathaus", """<h1>Bürgerbüro im Rathaus</h1><p>Das Bürgerbüro ist die erste
Anlaufstelle für Ausweise, Meldeangelegenheiten und Beglaubigungen. Kommen Sie mit Termin oder ohne.</p>""",
               head="""<script type="application/ld+json">""" + json.dumps({
                   "@context": "https://schema.org", "@type": "GovernmentOffice", "name": "Bürgerbüro Teststadt",
                   "address": {"@type": "PostalAddress", "streetAddress": "Marktplatz 1", "postalCode": "12345",
                               "addressLocality": "Teststadt"},
                   "telephone": "+49 1234 5670", "email": "buergerbuero@teststadt.example",
                   "openingHoursSpecification": [
                       {"@type": "OpeningHoursSpecification", "dayOfWeek": ["Monday", "Tuesday"], "opens": "08:00",
                        "closes": "12:00"},
                       {"@type": "OpeningHoursSpecification", "dayOfWeek": "https://schema.org/Thursday",
                        "opens": "14:00", "closes": "18:00"}]}, ensure_ascii=False) + "</script>")

NEWS = wrap("Stadtfest am Wochenende", "<h1>Stadtfest am Wochenende</h1><p>Das Stadtfest beginnt am Samstag.</p>")
SECRET = wrap("Intern", "<h1>Intern</h1><p>Nur für Mitarbeitende.</p>")


class StaticSite:
    """path -> (status, content type, body bytes, extra headers), a sitemap index over two
    sitemaps, and ``slow`` paths that answer after 3 s; ``requests`` records every path asked for."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}
        self.templates: dict[str, str] = {}
        self.requests: list[str] = []
        self.slow: set[str] = set()

    def put(self, path: str, text: str, content_type: str) -> None:
        self.pages[path] = (200, content_type, text.encode("utf-8"), {})

    def sitemap(self, services: list[str], others: list[str]) -> None:
        def urlset(paths: list[str]) -> str:
            entries = "".join(f"<url><loc>{{base}}{p}</loc><lastmod>2026-02-01</lastmod></url>" for p in paths)
            return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
        self.templates = {"/sitemap-leistungen.xml": urlset(services), "/sitemap-weitere.xml": urlset(others),
                          "/sitemap.xml": '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                                          'sitemap/0.9"><sitemap><loc>{base}/sitemap-leistungen.xml</loc></sitemap>'
                                          '<sitemap><loc>{base}/sitemap-weitere.xml</loc></sitemap></sitemapindex>'}


class Site(StaticSite):
    """The test site: every page kind the import meets."""

    def __init__(self) -> None:
        super().__init__()
        html = "text/html; charset=utf-8"
        self.put("/robots.txt", "User-agent: *\nDisallow: /intern/\n", "text/plain")
        self.put("/", wrap("Willkommen", "<h1>Willkommen in Teststadt</h1><p>Alles über die Stadt.</p>"), html)
        self.put("/leistungen/personalausweis.html", AUSWEIS, html)
        self.pages["/leistungen/hund.html"] = (200, "text/html", HUND.encode("cp1252"), {})  # charset only in <meta>
        self.put("/faq.html", FAQ, html)
        self.put("/rathaus.html", RATHAUS, html)
        self.put("/aktuelles/news1.html", NEWS, html)
        self.put("/intern/geheim.html", SECRET, html)
        self.pages["/leistungen/alt.html"] = (301, html, b"", {"Location": "/leistungen/neu.html"})
        self.put("/leistungen/neu.html", wrap("Meldebescheinigung", "<h1>Meldebescheinigung</h1><p>Eine "
                 "Meldebescheinigung bekommen Sie sofort im Bürgerbüro oder online. Sie kostet 5 Euro. "
                 "Bringen Sie Ihren Ausweis mit. Für Behörden ist sie oft kostenlos.</p>"), html)
        self.pages["/leistungen/fehlt.html"] = (404, html, b"nicht gefunden", {})
        self.pages["/leistungen/kaputt.html"] = (500, html, b"Serverfehler", {})
        self.put("/leistungen/langsam.html", wrap("Langsam", "<h1>Langsam</h1>"), html)
        self.slow.add("/leistungen/langsam.html")
        self.put("/leistungen/riesig.html", wrap("Riesig", "<h1>Riesig</h1>" + "<p>Text</p>" * 60_000), html)
        self.pages["/leistungen/formular.pdf"] = (200, "application/pdf", b"%PDF-1.4", {})
        self.sitemap(["/leistungen/personalausweis.html", "/leistungen/hund.html", "/leistungen/alt.html",
                      "/leistungen/fehlt.html", "/leistungen/kaputt.html", "/leistungen/langsam.html",
                      "/leistungen/riesig.html", "/leistungen/formular.pdf", "/intern/geheim.html",
                      "/aktuelles/news1.html"], ["/faq.html", "/rathaus.html"])



def serve(site: StaticSite):
    """Start the site on a free loopback port; returns (base URL, server)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.split("?")[0]
            site.requests.append(path)
            if path in site.slow:
                time.sleep(3)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if path in site.templates:
                status, content_type, body, headers = 200, "application/xml", \
                    site.templates[path].replace("{base}", base).encode(), {}
            else:
                status, content_type, body, headers = site.pages.get(path, (404, "text/html", b"nicht gefunden", {}))
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server
