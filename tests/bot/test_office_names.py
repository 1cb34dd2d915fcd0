"""Which offices a question names (no model: the sample town's offices file)."""

from __future__ import annotations

from bot.actions.office_info import offices_named
from retrieval.kb.offices import load_offices
from tests.conftest import SAMPLE_KB


def test_a_word_that_only_starts_like_an_office_name_names_no_office():
    offices, _ = load_offices(SAMPLE_KB)
    assert [o.id for o in offices_named(offices, "Öffnungszeiten des Standesamts?")] == ["standesamt"]
    assert offices_named(offices, "Ich möchte Ihnen etwas mitteilen") == []
