"""The widget in a real browser (Debian's chromium driven by Playwright; nothing downloaded).

Runs against the real product (chat service + Rasa). Screenshots of the main states go to
var/screenshots/ (copied to docs/screenshots/ for the README).
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from tests.chat_turns import ask as ask_api
from tests.conftest import PROJECT_ROOT, add_staff_user
from tests.tcp_proxy import TcpProxy
from tests.widget.conftest import AXE

SHOTS = PROJECT_ROOT / "var/screenshots"
pytestmark = pytest.mark.model
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0)
GERMAN = "de-DE"  # the browser's language: the widget speaks it (test_widget_languages.py tests the others)


@pytest.fixture
def page(browser, stack):
    context = browser.new_context(base_url=stack.app_url, viewport={"width": 1280, "height": 800}, bypass_csp=True,
                                  locale=GERMAN)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def staff_account(stack):
    add_staff_user(stack, "widgetstaff", "Petra", "widget-geheim-123")


def shadow(page, selector: str):
    return page.locator("[data-kommunalbot]").locator(selector)


def open_widget(page) -> float:
    """Click the launcher; return ms from the click until the dialog is painted."""
    page.goto("/")
    page.wait_for_selector("[data-kommunalbot]", state="attached")
    return page.evaluate("""() => new Promise(resolve => {
        const root = document.querySelector('[data-kommunalbot]').shadowRoot;
        const t0 = performance.now();
        root.querySelector('.launcher').click();
        requestAnimationFrame(() => requestAnimationFrame(() => {
          if (!root.querySelector('.dialog').hidden) resolve(performance.now() - t0);
        }));
    })""")


def ask(page, text: str) -> None:
    # Count the replies before sending: counted after, a fast reply is already in the baseline and
    # the wait never ends. With no messages yet, the greeting may still come: wait for it and the reply.
    replies = ".msg.bot, .msg.system, .msg.staff"
    before = shadow(page, replies).count() if shadow(page, ".msg").count() else 1
    shadow(page, "#kb-input").fill(text)
    shadow(page, "#kb-input").press("Enter")
    page.wait_for_function("n => document.querySelector('[data-kommunalbot]').shadowRoot"
                           ".querySelectorAll('.msg.bot, .msg.system, .msg.staff').length > n",
                           arg=before, timeout=30000)


def axe_violations(page) -> list[dict]:
    # The dialog fades in (0.15 s): mid-fade its text is partly transparent, and axe would measure
    # that contrast. Check the page as it stays, after every running animation has finished.
    page.evaluate("""async () => {
        const roots = [document, ...[...document.querySelectorAll('[data-kommunalbot]')]
            .map(host => host.shadowRoot).filter(Boolean)];
        await Promise.all(roots.flatMap(root => root.getAnimations()).map(a => a.finished.catch(() => null)));
    }""")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => (await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target)}))""")
    return result


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_full_conversation_with_clarification_and_staff(browser, page, stack, staff_account, clock):
    clock(WEDNESDAY_10)
    page.goto("/")
    shot(page, "1-geschlossen")
    assert axe_violations(page) == []
    opened_ms = open_widget(page)  # resolves only once the dialog is painted; its time is recorded, not asserted
    (SHOTS.mkdir(parents=True, exist_ok=True), (SHOTS / "open-ms.json").write_text(json.dumps({"open_ms": opened_ms})))
    shot(page, "2-geoeffnet")
    assert axe_violations(page) == []

    ask(page, "Was kostet ein Reisepass?")
    answer = shadow(page, ".msg.bot").last
    assert "70 Euro" in answer.inner_text()
    link = answer.locator("a", has_text="Quelle")
    assert link.get_attribute("href") == "https://www.musterstadt.example/buergerservice/reisepass"
    assert "Stand 14.10.2026" in link.inner_text()
    # screen readers hear the answer as it is shown: the bold title without its markdown stars
    live = shadow(page, "#kb-live").inner_text()
    assert "Reisepass beantragen – Kosten:" in live and "**" not in live
    shot(page, "3-antwort")
    assert axe_violations(page) == []

    ask(page, "Führerschein")
    options = shadow(page, ".choices button")
    assert options.count() >= 3 and options.last.inner_text() == "Nichts davon"
    shot(page, "4-rueckfrage")
    assert axe_violations(page) == []
    # each service button carries its title and a one-line summary of the page
    assert options.nth(1).locator(".choice-summary").inner_text().strip()
    chosen = options.nth(1).locator(".choice-title").inner_text()
    options.nth(1).click()
    page.wait_for_function("t => [...document.querySelector('[data-kommunalbot]').shadowRoot.querySelectorAll('.msg.bot')]"
                           ".some(m => m.innerText.includes(t) && m.querySelector('a'))", arg=chosen, timeout=30000)
    assert shadow(page, ".msg.citizen").last.inner_text().endswith(chosen)  # the caption, not the command

    ask(page, "Ich möchte mit einem Menschen sprechen")
    assert "Gleich meldet sich jemand" in shadow(page, ".msg.bot").last.inner_text()

    staff_context = browser.new_context(base_url=stack.app_url, bypass_csp=True, locale=GERMAN)  # only to inject axe
    staff = staff_context.new_page()
    staff.goto("/staff/")
    staff.fill("#username", "widgetstaff")
    staff.fill("#password", "widget-geheim-123")
    staff.click("button[type=submit]")
    staff.goto("/staff/queue/waiting")
    assert axe_violations(staff) == []
    staff.locator("table a").first.click()
    # Wait for each form's page load: filling the reply while the takeover still loads lost it.
    with staff.expect_navigation():
        staff.get_by_role("button", name="Gespräch übernehmen").click()
    staff.fill("#reply", "Guten Tag, hier ist Petra vom Bürgerservice. Wie kann ich helfen?")
    with staff.expect_navigation():
        staff.get_by_role("button", name="Senden", exact=True).click()
    assert axe_violations(staff) == []
    page.wait_for_function("() => [...document.querySelector('[data-kommunalbot]').shadowRoot.querySelectorAll('.msg.staff')]"
                           ".some(m => m.innerText.includes('Petra vom Bürgerservice'))", timeout=30000)
    assert "Bürgerservice ist jetzt im Chat" in shadow(page, ".msg.system").last.inner_text()
    live = shadow(page, "#kb-live").inner_text()
    assert "Petra vom Bürgerservice" in live  # announced to screen readers
    shot(page, "5-mitarbeiterin")
    assert axe_violations(page) == []
    staff_context.close()


def test_reload_restores_and_delete_clears(page):
    open_widget(page)
    ask(page, "Wie melde ich meinen Hund an?")
    before = shadow(page, ".msg").count()
    page.reload()
    page.wait_for_function("() => document.querySelector('[data-kommunalbot]')?.shadowRoot.querySelector('.dialog:not([hidden])')")
    assert shadow(page, ".msg").count() == before
    assert "Hundesteuer" in shadow(page, ".log").inner_text()
    conversation = page.evaluate("() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage)[0])).id")
    page.once("dialog", lambda d: d.accept())
    shadow(page, "text=Chat löschen").click()
    page.wait_for_function("() => document.querySelector('[data-kommunalbot]').shadowRoot.querySelectorAll('.msg').length === 1")
    response = page.request.get(f"/api/chat/conversations/{conversation}/messages")
    assert response.status == 404  # deleted on the server, too


def test_keyboard_only(page):
    page.goto("/")
    page.wait_for_selector("[data-kommunalbot]", state="attached")
    for _ in range(12):  # skip link, navigation, … until the launcher
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement?.matches('[data-kommunalbot]') && "
                         "document.activeElement.shadowRoot.activeElement?.classList.contains('launcher')"):
            break
    else:
        pytest.fail("Launcher ist mit der Tabulatortaste nicht erreichbar")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.querySelector('[data-kommunalbot]').shadowRoot.activeElement.id") == "kb-input"
    page.keyboard.type("Was kostet ein Reisepass?")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('[data-kommunalbot]').shadowRoot.querySelectorAll('.msg.bot').length > 1",
                           timeout=30000)
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.querySelector('[data-kommunalbot]').shadowRoot.activeElement?.className") == "launcher"
    outline = page.evaluate("() => getComputedStyle(document.querySelector('[data-kommunalbot]').shadowRoot"
                            ".querySelector('.launcher')).outlineStyle")
    assert outline != "none"  # visible focus


# Records every message the page receives, over any channel: each event of every EventSource and
# each message in a JSON response of fetch.
RECORD_DELIVERIES = """
window.__delivered = []; window.__streams = [];
const NativeEventSource = window.EventSource;
window.EventSource = function (url, options) {
  const source = new NativeEventSource(url, options);
  window.__streams.push(url);
  source.addEventListener('message', e => window.__delivered.push(JSON.parse(e.data).seq));
  return source;
};
window.EventSource.CLOSED = NativeEventSource.CLOSED;
const nativeFetch = window.fetch;
window.fetch = (...args) => nativeFetch(...args).then(r => {
  r.clone().json().then(j => (j && j.messages || []).forEach(m => window.__delivered.push(m.seq))).catch(() => {});
  return r;
});
"""


def test_each_message_reaches_the_widget_once_also_across_a_dropped_connection(browser, stack):
    """The network between browser and service drops and comes back; meanwhile a message is written.
    The widget gets every message exactly once: from its one stream, resumed after the last seen."""
    proxy = TcpProxy(int(stack.app_url.rsplit(":", 1)[1]))
    proxy.start()
    context = browser.new_context(base_url=f"http://127.0.0.1:{proxy.port}", bypass_csp=True, locale=GERMAN)
    page = context.new_page()
    try:
        page.add_init_script(RECORD_DELIVERIES)
        open_widget(page)
        ask(page, "Was kostet ein Reisepass?")
        page.wait_for_function("() => window.__delivered.length >= 2")
        conversation = page.evaluate("() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage)[0])).id")
        streams_opened = []
        page.on("request", lambda r: "/events" in r.url and streams_opened.append(r.url))
        proxy.stop()
        shadow(page, ".status").wait_for(state="visible")  # "Keine Verbindung …": the widget noticed
        assert ask_api(stack.app_url, conversation, "Wie melde ich meinen Hund an?").status_code == 200  # another tab
        proxy.start()
        page.wait_for_function("() => window.__delivered.length >= 4", timeout=30000)
        page.wait_for_timeout(1000)  # time for any duplicate to arrive
        # Once each, over all channels. A stream that resumed from the start would deliver 1 and 2
        # again, so this also shows that it resumed after the last message the widget had.
        assert sorted(page.evaluate("() => window.__delivered")) == [1, 2, 3, 4]
        assert streams_opened  # the stream was cut and opened again
        shown = page.evaluate("() => [...document.querySelector('[data-kommunalbot]').shadowRoot"
                              ".querySelectorAll('.msg[data-seq]')].map(m => m.dataset.seq).filter(Boolean)")
        assert shown == ["1", "2", "3", "4"] and "Hundesteuer" in shadow(page, ".log").inner_text()
        assert shadow(page, ".status").is_hidden()
    finally:
        context.close()
        proxy.stop()


def test_injected_markup_is_inert(page):
    open_widget(page)
    attack = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><a href="javascript:alert(1)">x</a>'
    ask(page, attack)
    assert page.evaluate("() => window.__xss") is None
    root_html = page.evaluate("() => document.querySelector('[data-kommunalbot]').shadowRoot.querySelector('.log').innerHTML")
    assert "<img" not in root_html and "<script" not in root_html and "javascript:" not in re.sub(r"&[a-z]+;", "", root_html.split("href=")[0])
    assert attack in shadow(page, ".msg.citizen").last.inner_text()
    hrefs = page.evaluate("() => [...document.querySelector('[data-kommunalbot]').shadowRoot.querySelectorAll('a')].map(a => a.href)")
    assert all(h.startswith(("http://", "https://")) for h in hrefs)


def test_backend_down_shows_error_state(page):
    open_widget(page)
    page.route("**/api/chat/**", lambda route: route.abort())
    shadow(page, "#kb-input").fill("Hallo?")
    shadow(page, "#kb-input").press("Enter")
    status = shadow(page, ".status")
    status.wait_for(state="visible")
    assert "Keine Verbindung" in status.inner_text() and status.get_attribute("role") == "alert"
    assert shadow(page, "#kb-input").input_value() == "Hallo?"  # nothing typed is lost
    shot(page, "6-fehler")
    assert axe_violations(page) == []
    page.unroute("**/api/chat/**")
    shadow(page, "text=Erneut versuchen").click()


def test_small_screens_zoom_and_reduced_motion(browser, stack):
    for viewport in ({"width": 320, "height": 640}, {"width": 640, "height": 400}):  # 320 px, and 1280 px at 200 %
        context = browser.new_context(base_url=stack.app_url, viewport=viewport, reduced_motion="reduce", locale=GERMAN)
        page = context.new_page()
        open_widget(page)
        box = shadow(page, ".dialog").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
        assert shadow(page, "#kb-input").is_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        animation = page.evaluate("() => getComputedStyle(document.querySelector('[data-kommunalbot]').shadowRoot"
                                  ".querySelector('.dialog')).animationName")
        assert animation == "none"
        context.close()


def test_host_page_styles_do_not_leak(page):
    page.goto("/")
    page.add_style_tag(content="* { color: red !important; font-size: 40px !important; } button { display: none !important; }")
    page.wait_for_selector("[data-kommunalbot]", state="attached")
    assert shadow(page, ".launcher").is_visible()
    color = page.evaluate("() => getComputedStyle(document.querySelector('[data-kommunalbot]').shadowRoot.querySelector('.launcher')).color")
    assert color in ("rgb(255, 255, 255)", "rgb(0, 0, 0)")
    cookies = page.context.cookies()
    assert cookies == []  # the widget sets no cookies
