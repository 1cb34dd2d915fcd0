"""The decision helpers of the search: ranking features, the standardised confidence model, the
buttons of an ask-back and the near-tie rule."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from retrieval.search import confidence
from retrieval.search.confidence import ALL_FEATURES, Calibration, load_calibration
from retrieval.search.searcher import (
    OPTION_SCORE_GAP,
    DocumentHit,
    SearchResult,
    ask_back_options,
    forms_of_one_service,
    near_tie_second,
    ranking_features,
)


def hit(doc_id: str, score: float, title: str | None = None) -> DocumentHit:
    return DocumentHit(doc_id, title or doc_id.title(), "service", f"https://example.org/{doc_id}", date(2026, 1, 1),
                       score, score, 0.0, [])


def result(*scores: float) -> SearchResult:
    return SearchResult("q", "q", [hit(f"p{n}", s) for n, s in enumerate(scores)], 0.5)


def test_ask_back_offers_two_or_three_close_services():
    assert [h.doc_id for h in ask_back_options(result(0.70, 0.68, 0.65, 0.64))] == ["p0", "p1", "p2"]
    # the third is too far below the first: only two
    assert [h.doc_id for h in ask_back_options(result(0.70, 0.68, 0.70 - OPTION_SCORE_GAP - 0.01))] == ["p0", "p1"]
    # always at least two, even when the second is far behind
    assert [h.doc_id for h in ask_back_options(result(0.70, 0.40))] == ["p0", "p1"]


def test_a_near_tie_names_the_second_page_and_a_clear_lead_does_not():
    assert near_tie_second(result(0.70, 0.66)).doc_id == "p1"
    assert near_tie_second(result(0.70, 0.70 - OPTION_SCORE_GAP - 0.001)) is None
    assert near_tie_second(result(0.70)) is None


def titled(*pages: tuple[str, float]) -> SearchResult:
    return SearchResult("q", "q", [hit(f"p{n}", score, title) for n, (title, score) in enumerate(pages)], 0.4)


def test_one_service_in_two_forms_is_recognised_by_its_titles():
    assert forms_of_one_service(titled(("Altersrente (Telefon-Termin)", 0.70), ("Altersrente (Vor-Ort-Termin)", 0.68)))
    assert forms_of_one_service(titled(("Rente", 0.70), ("Rente (Vor-Ort-Termin)", 0.69)))
    # different services that share a word, a dash variant (a different case), or not near-tied: ask back
    assert not forms_of_one_service(titled(("Altersrente (Telefon-Termin)", 0.70),
                                           ("Erwerbsminderungsrente (Telefon-Termin)", 0.69)))
    assert not forms_of_one_service(titled(("Aufenthaltserlaubnis – Studium", 0.70),
                                           ("Aufenthaltserlaubnis – Au-pair", 0.69)))
    assert not forms_of_one_service(titled(("Altersrente (Telefon-Termin)", 0.70),
                                           ("Altersrente (Vor-Ort-Termin)", 0.70 - OPTION_SCORE_GAP - 0.01)))
    assert not forms_of_one_service(titled(("Altersrente (Telefon-Termin)", 0.70)))


def test_ranking_features_measure_the_lead_in_the_questions_own_spread():
    fused = np.array([0.80, 0.70, 0.60, 0.60, 0.60])
    dense = fused - 0.02
    lexical = np.array([1.5, 0.0, 0.2, 0.0, 0.0])
    whole = np.array([0.5, 0.6, 0.4, 0.4, 0.4])  # the whole page alone would rank the second first
    features = ranking_features(fused, dense, lexical, whole, whole, words=9)
    assert features["margin"] == pytest.approx(0.10)
    assert features["margin_z"] == pytest.approx(0.10 / fused.std())
    assert features["top_z"] == pytest.approx((0.80 - fused.mean()) / fused.std())
    assert features["agreement"] == 1.0  # only the lexical signal agrees
    assert features["crowd"] == 0.0 and features["lexical_margin"] == pytest.approx(1.5)
    assert features["words"] == pytest.approx(np.log(10))
    assert set(features) == set(ALL_FEATURES) - {"sibling_sim", "title_cover"}  # added by Searcher.rank
    # two pages within CROWD_GAP of the first
    assert ranking_features(np.array([0.8, 0.78, 0.76, 0.5]), dense[:4], lexical[:4], whole[:4], whole[:4])["crowd"] == 2.0


def test_the_calibration_standardises_each_feature():
    calibration = Calibration("m", ("margin", "lexical_top"), (2.0, 1.0), 0.0, (0.1, 1.0), (0.05, 0.5))
    # each feature one standard deviation above its mean: z = 2 + 1
    assert calibration.probability({"margin": 0.15, "lexical_top": 1.5}) == pytest.approx(1 / (1 + np.exp(-3)))
    assert calibration.probability({"margin": 0.1, "lexical_top": 1.0}) == pytest.approx(0.5)


def test_other_languages_have_their_own_model_and_thresholds(tmp_path, monkeypatch):
    german = Calibration("m", ("margin",), (2.0,), 0.0, (0.1,), (0.05,), 0.6, 0.3)
    other = Calibration("m", ("margin",), (1.0,), 1.0, (0.1,), (0.05,), 0.5, 0.1)
    both = Calibration(**{**german.__dict__, "other_languages": other})
    features = {"margin": 0.15}  # one standard deviation above the mean
    assert both.probability(features) == pytest.approx(1 / (1 + np.exp(-2)))
    assert both.probability(features, "uk") == pytest.approx(1 / (1 + np.exp(-2)))  # 1 + 1 * 1
    assert both.probability({"margin": 0.1}, "uk") == pytest.approx(1 / (1 + np.exp(-1)))
    assert both.thresholds("en") == (0.5, 0.1) and both.thresholds("de-x-ls") == (0.6, 0.3)

    # Written and read back; an older file with thresholds only keeps the German model for them.
    monkeypatch.setattr(confidence, "CALIBRATION_DIR", tmp_path)
    confidence.calibration_path("m").write_text(json.dumps({**german.as_dict(), "other_languages": other.as_dict()}))
    assert load_calibration("m") == both
    confidence.calibration_path("m").write_text(json.dumps(
        {**german.as_dict(), "other_languages": {"answer_threshold": 0.5, "clarify_threshold": 0.1}}))
    old = load_calibration("m")
    assert old.thresholds("tr") == (0.5, 0.1) and old.probability(features, "tr") == old.probability(features)
