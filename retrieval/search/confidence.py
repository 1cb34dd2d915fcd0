"""Calibrated confidence: the probability that the top-ranked document answers the question.

A logistic model over standardised features of a ranking: a subset of ALL_FEATURES (computed by
searcher.ranking_features and Searcher.rank), chosen by benchmarks/calibrate.py and named in the
calibration file. It is fitted by
``benchmarks/calibrate.py`` on questions written for the sample municipality, including
"leave-the-answer-out" questions whose gold page is removed from the index, so the model
learns what a near miss looks like. The dev set is never used for fitting.
One file per embedding model in ``retrieval/search/calibration/``; see docs/retrieval.md.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path

from slugify import slugify

from retrieval.languages import is_german

log = logging.getLogger(__name__)

CALIBRATION_DIR = Path(__file__).parent / "calibration"
# Every feature the searcher computes (searcher.ranking_features); a calibration uses a subset,
# chosen by benchmarks/calibrate.py on cross-validation.
ALL_FEATURES = ("dense_top", "margin", "lexical_top", "margin_z", "top_z", "agreement", "crowd", "words",
                "sibling_sim", "lexical_margin", "title_cover")


@dataclass(frozen=True)
class Calibration:
    model: str
    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    # Features are standardised before the logistic model (mean 0, scale 1 on the fitting data),
    # so the L2 penalty treats a feature in 0-0.3 (margin) like one in 0-2 (lexical).
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    # Chosen by benchmarks/calibrate.py by the rule in docs/retrieval.md: answer from the lowest
    # probability whose confidently-wrong rate stays <= 2 % in cross-validation; ask back from the
    # lowest whose asked-back questions have the right service among the buttons >= 85 %.
    answer_threshold: float = 0.5
    clarify_threshold: float = 0.2
    # Questions in other languages than German: their own model and thresholds, fitted on questions
    # in those languages (benchmarks/calibrate.py --other-languages); None: as German.
    other_languages: Calibration | None = None

    def for_language(self, lang: str) -> Calibration:
        """The calibration for a question in ``lang``; Leichte Sprache is German."""
        return self.other_languages if self.other_languages and not is_german(lang) else self

    def thresholds(self, lang: str = "de") -> tuple[float, float]:
        """(answer, ask back) for a question in ``lang``."""
        own = self.for_language(lang)
        return own.answer_threshold, own.clarify_threshold

    def probability(self, features: dict[str, float], lang: str = "de") -> float:
        own = self.for_language(lang)
        z = own.intercept + sum(c * (features[name] - m) / sc for c, name, m, sc
                                in zip(own.coef, own.features, own.mean, own.scale))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def as_dict(self) -> dict[str, object]:
        return {"model": self.model, "features": self.features, "coef": self.coef, "intercept": self.intercept,
                "mean": self.mean, "scale": self.scale, "answer_threshold": self.answer_threshold,
                "clarify_threshold": self.clarify_threshold}

    def to_json(self, **extra: object) -> str:
        return json.dumps({**self.as_dict(), **extra}, indent=1, ensure_ascii=False)


def calibration_path(model: str) -> Path:
    return CALIBRATION_DIR / f"{slugify(model)}.json"


def load_calibration(model: str) -> Calibration | None:
    path = calibration_path(model)
    if not path.is_file():
        log.warning("Keine Kalibrierung für Modell %s (%s): Konfidenz ist unkalibriert.", model, path)
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    german = _from_dict(data, path)
    other = data.get("other_languages")
    if not other:
        return german
    # Thresholds alone (older files) keep the German model for other languages.
    other_model = _from_dict({**german.as_dict(), **other}, path)
    return replace(german, other_languages=other_model)


def _from_dict(data: dict, path: Path) -> Calibration:
    unknown = set(data["features"]) - set(ALL_FEATURES)
    if unknown:
        raise ValueError(f"{path}: unbekannte Merkmale {sorted(unknown)}; bekannt sind {ALL_FEATURES}. "
                         "Bitte `python benchmarks/calibrate.py` neu ausführen.")
    return Calibration(data["model"], tuple(data["features"]), tuple(data["coef"]), data["intercept"],
                       tuple(data["mean"]), tuple(data["scale"]), data["answer_threshold"],
                       data["clarify_threshold"])


def uncalibrated_probability(features: dict[str, float]) -> float:
    """Without a calibration, fall back to the clipped dense similarity."""
    return min(max(features["dense_top"], 0.0), 1.0)
