"""Asking back in another language: the buttons use the pages' versions in that language."""

from __future__ import annotations

from datetime import date

from bot.actions.answer_from_kb import clarify
from bot.actions.protocol import Dispatcher, Tracker
from bot.settings import Settings
from retrieval.kb.knowledge_base import load_knowledge_base
from retrieval.search.searcher import DocumentHit, SearchResult
from tests.conftest import SAMPLE_KB


class PagesOnly:
    """What clarify() reads of an index build: the pages and their translations."""

    def __init__(self):
        kb = load_knowledge_base(SAMPLE_KB)
        self.documents, self.translations = kb.documents, kb.translations

    def translation(self, doc_id: str, lang: str):
        return self.translations.get((doc_id, lang))


def hit(doc_id: str, score: float) -> DocumentHit:
    return DocumentHit(doc_id, doc_id, "service", f"https://x.example/{doc_id}", date(2026, 1, 1), score, score, 0.0, [])


def asked_back(lang: str) -> list[tuple[str, str | None]]:
    tracker = Tracker("t", {}, {"text": "?"}, [{"event": "user", "metadata": {"lang": lang}}], {})
    result = SearchResult("?", "?", [hit("reisepass-beantragen", 0.60), hit("fuehrungszeugnis", 0.59)], 0.2)
    dispatcher = Dispatcher()
    clarify(dispatcher, tracker, Settings(), result, PagesOnly())
    (message,) = dispatcher.sent
    assert message.lang == lang
    return [(b.title, b.summary) for b in message.buttons]


def test_buttons_use_the_version_in_the_citizens_language_where_a_page_has_one():
    buttons = asked_back("uk")
    assert buttons[0][0] == "Оформлення закордонного паспорта (Reisepass)"  # the page has a Ukrainian version
    assert buttons[0][1].startswith("Паспорт потрібен для поїздок")
    assert buttons[1][0] == "Führungszeugnis beantragen"  # no Ukrainian version: the German page
    assert buttons[2] == ("Нічого з цього", None)


def test_german_buttons_are_the_german_pages():
    assert [title for title, _ in asked_back("de")] == ["Reisepass beantragen", "Führungszeugnis beantragen",
                                                        "Nichts davon"]
