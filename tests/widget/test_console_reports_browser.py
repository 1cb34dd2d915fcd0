"""The dashboard and the content gaps in a browser: axe-clean (WCAG 2.1 AA) and usable by keyboard."""

from __future__ import annotations

import pytest

from tests.widget.test_widget_browser import axe_violations

pytestmark = pytest.mark.model


@pytest.fixture
def editor_page(browser, stack, stack_history):
    context = browser.new_context(base_url=stack.app_url, bypass_csp=True, locale="de-DE")  # only to inject axe
    page = context.new_page()
    page.goto("/staff/")
    page.fill("#username", "rita")
    page.fill("#password", "rita-geheim-123")
    page.click("button[type=submit]")
    yield page
    context.close()


def test_dashboard_is_accessible_and_keyboard_operable(editor_page):
    page = editor_page
    page.goto("/staff/dashboard?from=2026-11-02&to=2026-11-03")
    assert axe_violations(page) == []
    assert page.locator("figure svg[role=img]").count() >= 8
    for figure in page.locator("figure").all():  # every chart is named by its caption
        caption_id = figure.locator("figcaption").get_attribute("id")
        assert figure.locator("svg").get_attribute("aria-labelledby") == caption_id
    # Choose "nach Wochen" with the keyboard only and submit.
    page.focus("#by")
    page.keyboard.press("ArrowDown")
    page.focus("#inhalt form.period button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "by=week" in page.url
    assert page.locator("table th[scope=row]", has_text="KW 45/2026").count() >= 1
    assert axe_violations(page) == []


def test_gaps_page_is_accessible(editor_page):
    page = editor_page
    page.goto("/staff/gaps?days=90")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Inhaltslücken")
    assert page.locator("table.gaps tbody tr").count() >= 1
    assert axe_violations(page) == []
    note = page.locator("table.gaps input[name=note]").first
    note.focus()
    page.keyboard.type("Seite zum Hallenbad folgt")
    with page.expect_navigation():
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
    assert page.get_by_role("status").inner_text() == "Die Gruppe wurde als erledigt markiert."
    assert axe_violations(page) == []
