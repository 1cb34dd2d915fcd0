"""What a citizen experiences, computed from hand-made per-question outcomes."""

from __future__ import annotations

import pytest

from retrieval.evaluation.citizen_metrics import citizen_metrics, format_table, length_band, rank_of_gold

SHORT = "Was kostet ein Pass?"
LONG = " ".join(["Wort"] * 25)
RECORDS = [
    # answered directly and right
    {"kind": "service", "gold": ["pass"], "facet": "cost", "text": SHORT, "outcome": "answer",
     "services": ["pass"], "top1_rank_of_gold": 1},
    # asked back, gold among the buttons (second)
    {"kind": "service", "gold": ["pass"], "facet": "cost", "text": SHORT, "outcome": "clarify",
     "services": ["ausweis", "pass", "kinderpass"], "top1_rank_of_gold": 2},
    # asked back, gold not offered
    {"kind": "service", "gold": ["pass"], "facet": None, "text": LONG, "outcome": "clarify",
     "services": ["ausweis", "kinderpass"], "top1_rank_of_gold": 5},
    # answered wrongly
    {"kind": "service", "gold": ["pass"], "facet": None, "text": LONG, "outcome": "answer",
     "services": ["ausweis"], "top1_rank_of_gold": 2},
    # declined although the gold page was first in retrieval
    {"kind": "service", "gold": ["pass"], "facet": None, "text": LONG, "outcome": "decline",
     "services": [], "top1_rank_of_gold": 1},
    # handed off, gold not first: a decline, but not one "with the gold page first"
    {"kind": "service", "gold": ["pass"], "facet": "where", "text": SHORT, "outcome": "handoff",
     "services": [], "top1_rank_of_gold": None},
    # not a service question: not counted
    {"kind": "out_of_scope", "text": "Wie wird das Wetter?", "outcome": "answer", "services": ["pass"]},
]


def test_the_figures_of_all_service_questions():
    figures = citizen_metrics(RECORDS)["all"]
    assert figures["n"] == 6
    assert figures["answered_right"] == pytest.approx(1 / 6)
    assert figures["asked_back_gold_in_buttons"] == pytest.approx(1 / 6)
    assert figures["right_outcome"] == pytest.approx(2 / 6)
    assert figures["confidently_wrong"] == pytest.approx(1 / 6)
    assert figures["declined_gold_first"] == pytest.approx(1 / 6)
    assert figures["clicks_to_answer"] == pytest.approx(0.5)  # one direct (0), one button (1)


def test_figures_per_facet_and_per_length():
    metrics = citizen_metrics(RECORDS)
    assert {k: v["n"] for k, v in metrics["by_facet"].items()} == {"cost": 2, "where": 1, "–": 3}
    assert metrics["by_facet"]["cost"]["right_outcome"] == 1.0
    assert metrics["by_facet"]["cost"]["clicks_to_answer"] == pytest.approx(0.5)
    assert metrics["by_facet"]["where"]["clicks_to_answer"] is None  # nothing leads to the answer
    long = metrics["by_length"]["> 20 Wörter"]
    assert long["n"] == 3 and long["answered_right"] == 0.0 and long["confidently_wrong"] == pytest.approx(1 / 3)
    assert list(metrics["by_length"]) == ["≤ 10 Wörter", "> 20 Wörter"]  # empty bands are left out


def test_length_bands_and_rank_of_gold():
    assert length_band("eins zwei drei vier fünf sechs sieben acht neun zehn") == "≤ 10 Wörter"
    assert length_band(" ".join(["w"] * 11)) == "11–20 Wörter"
    assert length_band(" ".join(["w"] * 21)) == "> 20 Wörter"
    assert rank_of_gold(["a", "b", "c"], {"c", "b"}) == 2
    assert rank_of_gold(["a"], {"z"}) is None


def test_the_table_names_every_group():
    lines = format_table(citizen_metrics(RECORDS))
    assert lines[1].startswith("alle Leistungsfragen") and "16.7%" in lines[1]
    assert any(line.startswith("Facette cost") for line in lines)
    assert format_table(citizen_metrics([])) == [lines[0]]
