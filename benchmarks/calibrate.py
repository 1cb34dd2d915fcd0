"""Fit the confidence model and the answer / ask-back thresholds (retrieval/search/confidence.py).

Data (never the Munich dev set), each a cross-validation group:
  - Musterstadt: benchmarks/data/musterstadt_calibration.jsonl and musterstadt_citizens.jsonl
    (written for the sample town: stories, non-native German, dialect, typos, two needs, hard
    negatives), in five folds by question; the same questions with keyboard typos
    (benchmarks/typos.py) go into the fold of their original;
  - Munich: the city's own search terms, held out (benchmarks/keyword_holdout.py), two folds;
    and citizen questions we wrote from the Munich pages (benchmarks/data/munich_citizens.jsonl,
    never from the dev set), two folds; both skipped without ../shared/data.
Examples: a service question is labelled 1 if its top document is gold; the same question with
its gold pages left out of the ranking is a 0 (a municipal question the pages cannot answer);
out-of-scope questions are 0.

Rules, fixed before any result was seen (docs/retrieval.md, "Konfidenz"):
  - features are standardised; a candidate feature joins the three original ones only if it
    lowers the out-of-fold log-loss on average and in at least 70 % of the folds;
  - answer threshold: the lowest probability at which at most 2 % of the service questions are
    answered wrongly and at most 10 % of the out-of-scope questions are answered;
  - ask-back threshold: the lowest at which >= 85 % of the questions asked back (service and
    out-of-scope) have a gold service among the three buttons;
  each rate on out-of-fold probabilities, every source set (Musterstadt, Musterstadt with
  typos, Munich search terms, Munich citizen questions) weighted equally.

    .venv/bin/python benchmarks/calibrate.py [--munich-kb DIR]

Writes retrieval/search/calibration/<model>.json and prints the figures per set.

Questions in other languages than German (issue "other languages") get their own pair of
thresholds, chosen by the same rules on questions in those languages, and their own model (same
features, fitted on those questions) if it beats the German one there: lower out-of-fold log-loss
on average and in at least 70 % of the folds, and more questions answered rightly:

    .venv/bin/python benchmarks/calibrate.py --other-languages [--munich-kb DIR]

Data: benchmarks/data/musterstadt_multilingual_calibration.jsonl (written for this, apart from the
multilingual test sets), benchmarks/data/munich_multilingual_fit.jsonl (seven languages over the
Munich pages, written to extend the lexicon) and the English questions of the own sets above
(their ``lang`` field), each source weighted equally. Adds ``other_languages`` to the calibration file; the German fit
without this option writes a file without it, so run this step again after it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

sys.path.insert(0, str(Path(__file__).resolve().parent))
from keyword_holdout import keyword_holdout_sets  # noqa: E402
from shared_data import munich_kb  # noqa: E402
from typos import write_with_typos  # noqa: E402

from retrieval.cli import eval_index_settings, run_build  # noqa: E402
from retrieval.evaluation.evaluate import read_jsonl  # noqa: E402
from retrieval.index.store import load_latest_good  # noqa: E402
from retrieval.model.embedder import Embedder, load_embedder  # noqa: E402
from retrieval.search.confidence import ALL_FEATURES, Calibration, calibration_path, load_calibration  # noqa: E402
from retrieval.search.searcher import Searcher  # noqa: E402
from retrieval.settings import RetrievalSettings, get_retrieval_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OWN_SETS = (ROOT / "benchmarks/data/musterstadt_calibration.jsonl", ROOT / "benchmarks/data/musterstadt_citizens.jsonl")
MUNICH_OWN = ROOT / "benchmarks/data/munich_citizens.jsonl"  # written by us from the Munich pages
OTHER_LANGUAGES = ROOT / "benchmarks/data/musterstadt_multilingual_calibration.jsonl"
MUNICH_OTHER_LANGUAGES = ROOT / "benchmarks/data/munich_multilingual_fit.jsonl"  # written to fit the lexicon
BASE_FEATURES = ("dense_top", "margin", "lexical_top")
CANDIDATES = tuple(f for f in ALL_FEATURES if f not in BASE_FEATURES)
MUSTERSTADT_FOLDS = 5
MUNICH_FOLDS = 2
MIN_SHARE_OF_FOLDS_BETTER = 0.7  # 5 of 7 folds, 7 of 9
MAX_WRONG = 0.02
MAX_OUT_OF_SCOPE_ANSWERED = 0.10
MIN_GOLD_IN_BUTTONS = 0.85
BUTTONS = 3
GRID = np.round(np.arange(0.05, 0.96, 0.01), 2)


@dataclass
class Example:
    features: dict[str, float]
    label: int  # 1: the top document is gold
    kind: str  # service | left_out | out_of_scope
    gold_in_buttons: bool
    fold: str
    source: str


def _hash_fold(question_id: str, prefix: str, folds: int) -> str:
    return f"{prefix}-{int(hashlib.sha256(question_id.encode()).hexdigest(), 16) % folds + 1}"


def _fold_of(question_id: str) -> str:
    return _hash_fold(question_id, "musterstadt", MUSTERSTADT_FOLDS)


def collect(searcher: Searcher, questions: list[dict], source: str, fold_of) -> list[Example]:
    examples = []
    for q in questions:
        gold = frozenset(q.get("gold") or [])
        result = searcher.search(q["text"], lang=q.get("lang", "de"))
        ranked = [h.doc_id for h in result.hits]
        fold = fold_of(q["id"])
        if q["kind"] == "service":
            examples.append(Example(result.features, int(bool(ranked) and ranked[0] in gold), "service",
                                    bool(gold & set(ranked[:BUTTONS])), fold, source))
            left_out = searcher.search(q["text"], exclude=gold, lang=q.get("lang", "de"))
            examples.append(Example(left_out.features, 0, "left_out", False, fold, source))
        elif q["kind"] == "out_of_scope":
            examples.append(Example(result.features, 0, "out_of_scope", False, fold, source))
    return examples


def searcher_for(kb: Path, settings: RetrievalSettings, embedder: Embedder) -> Searcher:
    kb_settings = eval_index_settings(settings, kb)
    run_build(kb, kb_settings, force=True, quiet=True)
    return Searcher(load_latest_good(kb_settings.index_for(kb)), embedder, kb_settings, calibrated=False)


def matrix(examples: list[Example], features: tuple[str, ...]) -> np.ndarray:
    return np.array([[e.features[f] for f in features] for e in examples])


def fit(x: np.ndarray, y: np.ndarray) -> tuple[LogisticRegression, np.ndarray, np.ndarray]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit((x - mean) / scale, y)
    return model, mean, scale


def fold_losses(examples: list[Example], p: np.ndarray) -> dict[str, float]:
    """The log-loss of probabilities ``p`` in each cross-validation fold."""
    y, folds = np.array([e.label for e in examples]), np.array([e.fold for e in examples])
    return {fold: log_loss(y[folds == fold], p[folds == fold], labels=[0, 1]) for fold in sorted(set(folds))}


def out_of_fold(examples: list[Example], features: tuple[str, ...]) -> tuple[np.ndarray, dict[str, float]]:
    """Out-of-fold probabilities, and the log-loss of each fold."""
    x, y = matrix(examples, features), np.array([e.label for e in examples])
    folds = np.array([e.fold for e in examples])
    p = np.zeros(len(examples))
    for fold in sorted(set(folds)):
        test = folds == fold
        model, mean, scale = fit(x[~test], y[~test])
        p[test] = model.predict_proba((x[test] - mean) / scale)[:, 1]
    return p, fold_losses(examples, p)


def select_features(examples: list[Example]) -> tuple[str, ...]:
    """Greedy forward selection by the rule in the module docstring."""
    chosen = BASE_FEATURES
    _, base = out_of_fold(examples, chosen)
    print(f"features {chosen}: mean out-of-fold log-loss {np.mean(list(base.values())):.4f}")
    while True:
        best = None
        for feature in (f for f in CANDIDATES if f not in chosen):
            _, losses = out_of_fold(examples, chosen + (feature,))
            better = sum(losses[f] < base[f] for f in base)
            gain = np.mean(list(base.values())) - np.mean(list(losses.values()))
            print(f"  + {feature:10s} log-loss {np.mean(list(losses.values())):.4f}, better in {better}/{len(base)} folds")
            if gain > 0 and better >= MIN_SHARE_OF_FOLDS_BETTER * len(base) and (best is None or gain > best[1]):
                best = (feature, gain, losses)
        if best is None:
            return chosen
        chosen, base = chosen + (best[0],), best[2]
        print(f"features {chosen}")


def rates(examples: list[Example], p: np.ndarray, answer: float, clarify: float) -> dict[str, dict[str, float]]:
    """Per source set: answered right, wrong, asked back with gold among the buttons, out-of-scope answered."""
    out = {}
    for source in sorted({e.source for e in examples}):
        idx = [i for i, e in enumerate(examples) if e.source == source]
        service = [i for i in idx if examples[i].kind == "service"]
        oos = [i for i in idx if examples[i].kind == "out_of_scope"]
        asked = [i for i in idx if examples[i].kind in ("service", "out_of_scope") and clarify <= p[i] < answer]
        out[source] = {
            "n_service": len(service),
            "answered_right": float(np.mean([p[i] >= answer and examples[i].label for i in service])) if service else 0.0,
            "answered_wrong": float(np.mean([p[i] >= answer and not examples[i].label for i in service])) if service else 0.0,
            "asked_back_gold_in_buttons": float(np.mean([examples[i].gold_in_buttons for i in asked])) if asked else 1.0,
            "declined_gold_first": float(np.mean([p[i] < clarify and examples[i].label for i in service])) if service else 0.0,
            "n_out_of_scope": len(oos),
            "out_of_scope_answered": float(np.mean([p[i] >= answer for i in oos])) if oos else 0.0,
        }
    return out


def mean_over_sources(table: dict[str, dict[str, float]], key: str, only_with: str) -> float:
    values = [row[key] for row in table.values() if row[only_with]]
    return float(np.mean(values)) if values else 0.0


def _answer_threshold_holds(examples: list[Example], p: np.ndarray, t: float) -> bool:
    table = rates(examples, p, t, 0.0)
    return (mean_over_sources(table, "answered_wrong", "n_service") <= MAX_WRONG
            and mean_over_sources(table, "out_of_scope_answered", "n_out_of_scope") <= MAX_OUT_OF_SCOPE_ANSWERED)


def choose_thresholds(examples: list[Example], p: np.ndarray) -> tuple[float, float]:
    answer = next(float(t) for t in GRID if _answer_threshold_holds(examples, p, t))
    clarify = next((float(t) for t in GRID if t < answer and mean_over_sources(
        rates(examples, p, answer, t), "asked_back_gold_in_buttons", "n_service") >= MIN_GOLD_IN_BUTTONS), answer)
    return answer, clarify


def collect_all(kb: Path, munich_given: Path | None, scratch: Path, settings: RetrievalSettings,
                embedder: Embedder) -> list[Example]:
    """Examples of every set; everything searched is written under ``scratch`` (kept between runs)."""
    scratch.mkdir(parents=True, exist_ok=True)
    own = [q for path in OWN_SETS for q in read_jsonl(path)]
    own_file = scratch / "own.jsonl"
    own_file.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in own), encoding="utf-8")
    typo_rows = read_jsonl(write_with_typos(own_file, scratch / "own_typos.jsonl"))
    searcher = searcher_for(kb, settings, embedder)
    examples = collect(searcher, own, "Musterstadt", _fold_of)
    examples += collect(searcher, typo_rows, "Musterstadt mit Tippfehlern", _fold_of)
    munich = munich_kb(munich_given, scratch)
    if munich is None:
        print("../shared/data fehlt: ohne die Münchner Suchbegriffe kalibriert")
    else:
        for n, (_label, questions, fold_kb) in enumerate(keyword_holdout_sets(munich, scratch), start=1):
            examples += collect(searcher_for(fold_kb, settings, embedder), read_jsonl(questions),
                                "München Suchbegriffe", lambda _id, n=n: f"munich-keywords-{n}")
        examples += collect(searcher_for(munich, settings, embedder), read_jsonl(MUNICH_OWN), "München Bürgerfragen",
                            lambda question_id: _hash_fold(question_id, "munich-citizens", MUNICH_FOLDS))
    return examples


def other_language_calibration(kb: Path, munich_given: Path | None, scratch: Path, settings: RetrievalSettings,
                               embedder: Embedder) -> None:
    """Choose and write the model and thresholds for other languages than German (module docstring)."""
    calibration = load_calibration(embedder.name)
    if calibration is None:
        raise SystemExit("Erst die deutsche Kalibrierung: benchmarks/calibrate.py")
    foreign = [q for path in OWN_SETS for q in read_jsonl(path) if q.get("lang", "de") != "de"]
    searcher = searcher_for(kb, settings, embedder)
    examples = collect(searcher, read_jsonl(OTHER_LANGUAGES), "Musterstadt, sieben Sprachen", _fold_of)
    examples += collect(searcher, foreign, "Musterstadt, Englisch", _fold_of)
    munich = munich_kb(munich_given, scratch)
    munich_foreign = [q for q in read_jsonl(MUNICH_OWN) if q.get("lang", "de") != "de"]
    if munich is not None and munich_foreign:
        munich_searcher = searcher_for(munich, settings, embedder)
        examples += collect(munich_searcher, munich_foreign, "München, Englisch",
                            lambda question_id: _hash_fold(question_id, "munich-citizens", MUNICH_FOLDS))
        examples += collect(munich_searcher, read_jsonl(MUNICH_OTHER_LANGUAGES), "München, sieben Sprachen",
                            lambda question_id: _hash_fold(question_id, "munich-languages", MUNICH_FOLDS))
    german_p = np.array([calibration.probability(e.features) for e in examples])
    german_losses = fold_losses(examples, german_p)
    own_p, own_losses = out_of_fold(examples, calibration.features)
    german_pair, own_pair = choose_thresholds(examples, german_p), choose_thresholds(examples, own_p)

    def answered_right(p: np.ndarray, pair: tuple[float, float]) -> float:
        return mean_over_sources(rates(examples, p, *pair), "answered_right", "n_service")

    better = sum(own_losses[f] < german_losses[f] for f in german_losses)
    print(f"German model: log-loss {np.mean(list(german_losses.values())):.4f}, thresholds {german_pair}, "
          f"answered right {answered_right(german_p, german_pair):.3f}")
    print(f"own model:    log-loss {np.mean(list(own_losses.values())):.4f} (better in {better}/{len(german_losses)} "
          f"folds), thresholds {own_pair}, answered right {answered_right(own_p, own_pair):.3f}")
    own = (np.mean(list(own_losses.values())) < np.mean(list(german_losses.values()))
           and better >= MIN_SHARE_OF_FOLDS_BETTER * len(german_losses)
           and answered_right(own_p, own_pair) > answered_right(german_p, german_pair))
    if own:
        model, mean, scale = fit(matrix(examples, calibration.features), np.array([e.label for e in examples]))
        other = Calibration(embedder.name, calibration.features, tuple(float(c) for c in model.coef_[0]),
                            float(model.intercept_[0]), tuple(float(m) for m in mean), tuple(float(s) for s in scale),
                            *own_pair)
        p, pair = own_p, own_pair
    else:
        other = replace(calibration, answer_threshold=german_pair[0], clarify_threshold=german_pair[1],
                        other_languages=None)
        p, pair = german_p, german_pair
    path = calibration_path(embedder.name)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["other_languages"] = {**other.as_dict(), "own_model": bool(own),
                               "fitted_on": [OTHER_LANGUAGES.name, MUNICH_OTHER_LANGUAGES.name, "English lines of "
                                             + ", ".join(own_set.name for own_set in (*OWN_SETS, MUNICH_OWN))],
                               "date": date.today().isoformat(), "examples": len(examples)}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}: other languages {'own model' if own else 'German model'}, answer >= {pair[0]}, "
          f"ask back >= {pair[1]} (German: {calibration.answer_threshold} / {calibration.clarify_threshold})")
    for source, row in rates(examples, p, *pair).items():
        print(f"  {source}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kb", type=Path, default=ROOT / "knowledge_base")
    parser.add_argument("--munich-kb", type=Path, default=None, help="imported Munich catalogue (else imported)")
    parser.add_argument("--scratch", type=Path, default=ROOT / "var/calibrate",
                        help="working folder; kept, so that a second run re-embeds nothing")
    parser.add_argument("--reuse-examples", action="store_true",
                        help="fit on the examples the last run saved in the working folder, without searching")
    parser.add_argument("--other-languages", action="store_true",
                        help="only the model and thresholds for questions in other languages (keeps the German fit)")
    args = parser.parse_args()

    settings = get_retrieval_settings()
    embedder = load_embedder(settings)
    if args.other_languages:
        other_language_calibration(args.kb, args.munich_kb, args.scratch, settings, embedder)
        return
    saved = args.scratch / "examples.json"
    if args.reuse_examples:
        examples = [Example(**e) for e in json.loads(saved.read_text(encoding="utf-8"))]
    else:
        examples = collect_all(args.kb, args.munich_kb, args.scratch, settings, embedder)
        saved.write_text(json.dumps([e.__dict__ for e in examples]), encoding="utf-8")
    features = select_features(examples)
    p, _ = out_of_fold(examples, features)
    answer, clarify = choose_thresholds(examples, p)
    x, y = matrix(examples, features), np.array([e.label for e in examples])
    model, mean, scale = fit(x, y)
    calibration = Calibration(embedder.name, features, tuple(float(c) for c in model.coef_[0]),
                              float(model.intercept_[0]), tuple(float(m) for m in mean),
                              tuple(float(s) for s in scale), answer, clarify)
    path = calibration_path(embedder.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(calibration.to_json(fitted_on=[p.name for p in OWN_SETS] + ["typos", "munich keyword holdout",
                                                                                MUNICH_OWN.name],
                                        runtime=embedder.runtime, date=date.today().isoformat(),
                                        examples=len(y)) + "\n", encoding="utf-8")
    print(f"wrote {path}: features {features}, answer >= {answer}, ask back >= {clarify}")
    print("out-of-fold, per set:")
    for source, row in rates(examples, p, answer, clarify).items():
        print(f"  {source}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
