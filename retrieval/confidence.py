"""Calibrated confidence: the probability that the top-ranked document answers the question.

A logistic model over three features of a ranking (best dense similarity, the fused score's
margin to the runner-up, and the lexical match of the best document). It is fitted by
``benchmarks/calibrate.py`` on questions written for the sample municipality, including
"leave-the-answer-out" questions whose gold page is removed from the index, so the model
learns what a near miss looks like. The dev set is never used for fitting.
One file per embedding model in ``retrieval/calibration/``; see docs/retrieval.md.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

from slugify import slugify

log = logging.getLogger(__name__)

CALIBRATION_DIR = Path(__file__).parent / "calibration"
FEATURES = ("dense_top", "margin", "lexical_top")


@dataclass(frozen=True)
class Calibration:
    model: str
    coef: tuple[float, ...]
    intercept: float
    # Chosen by benchmarks/calibrate.py: answer keeps >= 90 % of correct answers confident,
    # clarify keeps >= 98 % of them at least offered as a choice.
    answer_threshold: float = 0.5
    clarify_threshold: float = 0.2
    # Two services nearly tied (fused-score margin below this): ask back even when confident.
    ambiguity_margin: float = 0.0

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(c * features[name] for c, name in zip(self.coef, FEATURES))
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self, **extra: object) -> str:
        return json.dumps({"model": self.model, "features": FEATURES, "coef": self.coef,
                           "intercept": self.intercept, "answer_threshold": self.answer_threshold,
                           "clarify_threshold": self.clarify_threshold, "ambiguity_margin": self.ambiguity_margin,
                           **extra}, indent=1, ensure_ascii=False)


def calibration_path(model: str) -> Path:
    return CALIBRATION_DIR / f"{slugify(model)}.json"


def load_calibration(model: str) -> Calibration | None:
    path = calibration_path(model)
    if not path.is_file():
        log.warning("Keine Kalibrierung für Modell %s (%s): Konfidenz ist unkalibriert.", model, path)
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path}: Merkmale {data['features']} passen nicht zu {FEATURES}")
    return Calibration(data["model"], tuple(data["coef"]), data["intercept"], data["answer_threshold"],
                       data["clarify_threshold"], data.get("ambiguity_margin", 0.0))


def uncalibrated_probability(features: dict[str, float]) -> float:
    """Without a calibration, fall back to the clipped dense similarity."""
    return min(max(features["dense_top"], 0.0), 1.0)
