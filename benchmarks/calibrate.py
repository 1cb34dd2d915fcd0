"""Fit the confidence model (retrieval/confidence.py) for the configured embedding model.

Data: questions written for the sample municipality (benchmarks/data/musterstadt_calibration.jsonl),
never the Munich dev set. Three kinds of examples:
  - service questions, labelled 1 if the top document is a gold one, else 0;
  - the same questions with their gold documents left out of the ranking (label 0): a
    municipal question the knowledge base cannot answer, the hardest kind of "not confident";
  - out-of-scope questions (label 0).

    .venv/bin/python benchmarks/calibrate.py [--questions FILE] [--kb DIR]

Writes retrieval/calibration/<model>.json and prints how the thresholds behave.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from retrieval.cli import eval_index_settings, run_build
from retrieval.confidence import FEATURES, Calibration, calibration_path
from retrieval.embedder import load_embedder
from retrieval.evaluation import read_jsonl
from retrieval.index_store import load_latest_good
from retrieval.searcher import Searcher
from retrieval.settings import get_retrieval_settings

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=ROOT / "benchmarks/data/musterstadt_calibration.jsonl")
    parser.add_argument("--kb", type=Path, default=ROOT / "knowledge_base")
    args = parser.parse_args()

    settings = eval_index_settings(get_retrieval_settings(), args.kb)
    run_build(args.kb, settings, force=True, quiet=True)
    embedder = load_embedder(settings)
    searcher = Searcher(load_latest_good(settings.index_dir), embedder, settings)
    searcher.calibration = None  # features only

    rows, labels, kinds, margins = [], [], [], []
    for q in read_jsonl(args.questions):
        gold = frozenset(q.get("gold") or [])
        result = searcher.search(q["text"])
        rows.append([result.features[f] for f in FEATURES])
        margins.append(result.features["margin"])
        if q["kind"] == "service":
            labels.append(int(bool(result.hits) and result.hits[0].doc_id in gold))
            kinds.append("service")
            left_out = searcher.search(q["text"], exclude=gold)
            rows.append([left_out.features[f] for f in FEATURES])
            margins.append(left_out.features["margin"])
            labels.append(0)
            kinds.append("left_out")
        else:
            labels.append(0)
            kinds.append("out_of_scope")
    x, y = np.array(rows), np.array(labels)
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(x, y)
    p = model.predict_proba(x)[:, 1]
    kinds_arr = np.array(kinds)
    correct = (kinds_arr == "service") & (y == 1)
    grid = np.round(np.arange(0.05, 0.96, 0.05), 2)
    # Highest thresholds that keep 90 % of correct answers confident / 98 % at least offered.
    answer = max(t for t in grid if np.mean(p[correct] >= t) >= 0.90)
    clarify = min(answer, max(t for t in grid if np.mean(p[correct] >= t) >= 0.98))
    # Ambiguity: the largest fused-score margin (0.005 steps) below which we ask back, such that
    # >= 90 % of the correct answers that are confident are still answered directly.
    margin_arr = np.array(margins)
    answered = correct & (p >= answer)
    ambiguity = max(m for m in np.round(np.arange(0, 0.1, 0.005), 3)
                    if np.mean(margin_arr[answered] >= m) >= 0.90)
    calibration = Calibration(embedder.name, tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0]),
                              float(answer), float(clarify), float(ambiguity))
    path = calibration_path(embedder.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(calibration.to_json(fitted_on=args.questions.name, runtime=embedder.runtime,
                                        date=date.today().isoformat(), examples=len(y)) + "\n", encoding="utf-8")
    print(f"wrote {path}: coef {calibration.coef}, intercept {calibration.intercept:.3f}, "
          f"answer >= {answer}, clarify >= {clarify}, ambiguity margin {ambiguity}")
    print("threshold  correct-kept  left-out-flagged  oos-flagged")
    for t in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        print(f"{t:9.1f}  {np.mean(p[correct] >= t):12.1%}  {np.mean(p[kinds_arr == 'left_out'] < t):16.1%}"
              f"  {np.mean(p[kinds_arr == 'out_of_scope'] < t):11.1%}")
    print(json.dumps({"n": len(y), "positives": int(y.sum())}))


if __name__ == "__main__":
    main()
