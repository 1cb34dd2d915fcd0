"""The widget in other languages, right to left, and in Leichte Sprache, in a real browser."""

from __future__ import annotations

import pytest

from tests.widget.test_widget_browser import ask, axe_violations, open_widget, shadow, shot

pytestmark = pytest.mark.model


def page_in(browser, stack, locale: str):
    """A page of a browser whose language is ``locale`` (navigator.language)."""
    context = browser.new_context(base_url=stack.app_url, viewport={"width": 1280, "height": 800}, bypass_csp=True,
                                  locale=locale)
    return context, context.new_page()


def widget_attribute(page, name: str) -> str | None:
    return page.evaluate(f"() => document.querySelector('[data-kommunalbot]').shadowRoot"
                         f".querySelector('.kb').getAttribute('{name}')")


def test_an_arabic_browser_gets_the_widget_right_to_left_and_accessible(browser, stack):
    context, page = page_in(browser, stack, "ar-SY")
    open_widget(page)
    assert widget_attribute(page, "dir") == "rtl" and widget_attribute(page, "lang") == "ar"
    assert shadow(page, "#kb-title").inner_text() == "المساعد الرقمي"
    assert shadow(page, "button[type=submit]").inner_text() == "إرسال"
    # Mirrored: the citizen's messages sit at the end of the line, which is the left in Arabic.
    ask(page, "كم يكلف جواز السفر الجديد للكبار؟")
    citizen_box = shadow(page, ".msg.citizen").last.bounding_box()
    bot_box = shadow(page, ".msg.bot").first.bounding_box()
    assert citizen_box["x"] < bot_box["x"]
    reply = shadow(page, ".msg.bot").last
    assert reply.locator("[lang]").first.get_attribute("lang") in ("ar", "de")
    assert shadow(page, ".msg.bot [lang=ar]").count() >= 2  # the greeting and the reply's Arabic part
    shot(page, "sprachen-1-arabisch")
    assert axe_violations(page) == []
    # An office's hours and number in Arabic: each number and time span is isolated left to right, so
    # that "01234 5678-100" is not shown as "5678-100 01234" nor "07:30–12:30" as "12:30–07:30".
    ask(page, "متى يفتح Bürgerbüro Mitte؟")
    office = shadow(page, ".msg.bot").last.locator("[lang=ar]")
    isolated = office.locator("bdi[dir=ltr]").all_inner_texts()
    assert "01234 5678-100" in isolated and "buergerbuero@musterstadt.example" in isolated
    assert any("–" in run or "-" in run for run in isolated if ":" in run)  # a time span, e.g. 07:30-12:30
    assert office.locator("bdi.digits").first.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    context.close()


def test_an_english_browser_gets_english_and_the_menu_switches_without_losing_the_conversation(browser, stack):
    context, page = page_in(browser, stack, "en-GB")
    open_widget(page)
    assert widget_attribute(page, "lang") == "en" and widget_attribute(page, "dir") == "ltr"
    ask(page, "How much does a new passport cost for an adult?")
    assert shadow(page, ".msg.bot [lang=en]").count() >= 2
    assert axe_violations(page) == []
    before = shadow(page, ".msg").count()
    shadow(page, "#kb-language").select_option("tr")
    assert widget_attribute(page, "lang") == "tr"
    assert shadow(page, "button[type=submit]").inner_text() == "Gönder"
    assert shadow(page, ".msg").count() == before  # the conversation stays
    assert page.evaluate("() => document.querySelector('[data-kommunalbot]').shadowRoot.activeElement.id") == "kb-language"
    ask(page, "teşekkürler")
    assert shadow(page, ".msg.bot").last.locator("[lang]").first.get_attribute("lang") == "tr"
    shot(page, "sprachen-2-menue")
    context.close()


def test_a_page_only_in_german_does_not_switch_the_interface_to_german(browser, stack):
    context, page = page_in(browser, stack, "uk-UA")
    open_widget(page)
    ask(page, "Привіт")  # the conversation is Ukrainian now: a short message in German does not change it
    ask(page, "Führerschein umtauschen")  # a page with no Ukrainian version
    page.wait_for_function("() => document.querySelector('[data-kommunalbot]').shadowRoot"
                           ".querySelector('.msg.bot [lang=de]') !== null", timeout=30000)
    assert shadow(page, ".msg.bot [lang=uk]").count() >= 3  # greeting, reply to "Привіт", "only in German"
    assert widget_attribute(page, "lang") == "uk" and shadow(page, "#kb-language").input_value() == "uk"
    assert shadow(page, "button[type=submit]").inner_text() == "Надіслати"
    # One pair of feedback buttons for the turn, under the German page, not under the sentence before it.
    feedback = shadow(page, ".msg.bot .feedback")
    assert feedback.count() == 1
    assert shadow(page, ".msg.bot").last.locator(".feedback").count() == 1
    context.close()

def test_the_leichte_sprache_switch(browser, stack):
    context, page = page_in(browser, stack, "de-DE")
    open_widget(page)
    switch = shadow(page, "button.easy")
    assert switch.get_attribute("aria-pressed") == "false"
    switch.click()
    assert shadow(page, "button.easy").get_attribute("aria-pressed") == "true"
    assert widget_attribute(page, "lang") == "de-x-ls"
    assert "Computer-Programm" in shadow(page, ".msg.bot").first.inner_text()
    ask(page, "Wie bekomme ich einen Termin im Bürgerbüro?")
    replies = shadow(page, ".msg.bot [lang='de-x-ls']")
    assert replies.count() >= 2
    shot(page, "sprachen-3-leichte-sprache")
    assert axe_violations(page) == []
    shadow(page, "button.easy").click()  # and back to standard German
    assert widget_attribute(page, "lang") == "de"
    context.close()
