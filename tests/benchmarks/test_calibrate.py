"""The threshold rule of benchmarks/calibrate.py, on synthetic calibration sets whose right
thresholds are known by construction."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from tests.conftest import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
from calibrate import Example, choose_thresholds, fit, out_of_fold, rates  # noqa: E402


def example(label: int, kind: str = "service", buttons: bool = True, source: str = "A", fold: str = "f1") -> Example:
    return Example({"dense_top": 0.0}, label, kind, buttons, fold, source)


def synthetic() -> tuple[list[Example], np.ndarray]:
    """100 service questions in set A with probabilities 0.01 … 1.00:
    - wrong top-1 at p = 0.01 … 0.30 and at p = 0.50, 0.52, 0.54 (3 of 100 wrong above 0.45);
    - gold among the buttons for every question from p = 0.21 on, and for none below;
    and 10 out-of-scope questions at p = 0.01 … 0.10."""
    examples, p = [], []
    for n in range(1, 101):
        prob = n / 100
        wrong = prob <= 0.30 or n in (50, 52, 54)
        examples.append(example(int(not wrong), buttons=prob > 0.205))
        p.append(prob)
    for n in range(1, 11):
        examples.append(example(0, kind="out_of_scope", buttons=False))
        p.append(n * 0.01)
    return examples, np.array(p)


def test_answer_threshold_is_the_lowest_with_at_most_two_percent_wrong():
    examples, p = synthetic()
    answer, _ = choose_thresholds(examples, p)
    # At 0.51: wrong answers at 0.52 and 0.54 = 2 %; at 0.50 it would be 3 %. Out of scope answered at
    # 0.51: none (the highest is 0.10), so that limit does not bind.
    assert answer == 0.51
    table = rates(examples, p, answer, 0.0)["A"]
    assert table["answered_wrong"] == pytest.approx(0.02) and table["out_of_scope_answered"] == 0.0


def test_out_of_scope_answers_raise_the_answer_threshold():
    examples, p = synthetic()
    p = p.copy()
    p[-3:] = [0.90, 0.91, 0.92]  # three of ten out-of-scope questions now look certain
    answer, _ = choose_thresholds(examples, p)
    assert answer == 0.92  # from here on only one (10 %) is answered


def test_ask_back_threshold_is_the_lowest_with_85_percent_gold_among_the_buttons():
    examples, p = synthetic()
    answer, clarify = choose_thresholds(examples, p)
    # Asked back: clarify <= p < 0.51. From 0.21 to 0.50 all 30 service questions have the gold among
    # the buttons; below 0.21 none has. From 0.16: 30 of 35 = 85.7 %; from 0.15: 30 of 36 = 83.3 %.
    assert (answer, clarify) == (0.51, 0.16)
    assert rates(examples, p, answer, clarify)["A"]["asked_back_gold_in_buttons"] == pytest.approx(30 / 35)
    # Declined with the gold page first: the right top-1 answers below 0.16 (none: all below 0.31 are wrong).
    assert rates(examples, p, answer, clarify)["A"]["declined_gold_first"] == 0.0


def test_every_source_set_weighs_the_same():
    # Set A: 2 of 100 wrong at p >= 0.5; set B: 1 of 4 wrong there. Unweighted, 3/104 < 3 %; by set,
    # (2 % + 25 %) / 2 > 2 %, so the threshold must rise above B's wrong answer.
    a = [example(1, source="A") for _ in range(98)] + [example(0, source="A") for _ in range(2)]
    b = [example(1, source="B") for _ in range(3)] + [example(0, source="B")]
    p = np.array([0.9] * 98 + [0.5, 0.5] + [0.9, 0.9, 0.9, 0.6])
    answer, _ = choose_thresholds(a + b, p)
    assert answer == 0.61


def test_features_are_standardised_and_predictions_are_out_of_fold():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(0.5, 0.05, 400), rng.normal(1.0, 0.5, 400)])
    y = (x[:, 0] + 0.005 * rng.normal(size=400) > 0.5).astype(int)
    model, mean, scale = fit(x, y)
    assert mean == pytest.approx(x.mean(axis=0)) and scale == pytest.approx(x.std(axis=0))
    assert abs(model.coef_[0][0]) > 5 * abs(model.coef_[0][1])  # the small-range feature is not muted

    examples = [Example({"a": float(x[i, 0]), "b": float(x[i, 1])}, int(y[i]), "service", True, f"f{i % 4}", "A")
                for i in range(400)]
    p, losses = out_of_fold(examples, ("a", "b"))
    assert set(losses) == {"f0", "f1", "f2", "f3"} and all(loss < 0.4 for loss in losses.values())
    assert np.mean((p >= 0.5) == y) > 0.9
