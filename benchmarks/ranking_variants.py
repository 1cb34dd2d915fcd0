"""Which parts of the ranking help: the product's formula against variants, on every question set.

Each question is embedded once, as in the product; every variant then re-scores the same index
(whole-page vectors, chunk vectors, BM25), so differences come from the ranking alone. The
"Produkt" row is checked against `Searcher.rank` question by question.

    .venv/bin/python benchmarks/ranking_variants.py [--munich-kb /tmp/munich_kb]

Without `--munich-kb` the Munich catalogue is imported from ../shared/data (skipped when absent).
Variants are chosen on every set except the Munich dev set (measured only): the Musterstadt sets, the
same with keyboard typos (typos.py), and the Munich catalogue's own search terms, held out
(keyword_holdout.py), by a sign test on Top-1.
Prints Top-1 / Top-3 / MRR@10 per set and writes var/benchmarks/ranking_variants.json.
Results and their reading: docs/benchmarks.md ("Suche: welche Bausteine helfen").
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from keyword_holdout import keyword_holdout_sets
from shared_data import ROOT, SHARED, munich_kb
from typos import write_with_typos

from retrieval.cli import eval_index_settings, run_build
from retrieval.evaluation.evaluate import ranking_metrics, read_jsonl
from retrieval.index.store import IndexBuild, load_latest_good
from retrieval.kb.chunking import OVERVIEW
from retrieval.model.embedder import Embedder, load_embedder
from retrieval.search.expansion import expand_query
from retrieval.search.searcher import Searcher
from retrieval.settings import get_retrieval_settings

PRODUCT = "½ Seite + ½ bester Abschnitt + 0,02 · lexikalisch (Produkt)"
UNEXPANDED = "Produkt ohne Ergänzung der Anfrage (weder Alltagssprache noch Korrektur)"
UNCORRECTED = "Produkt ohne Rechtschreibkorrektur"


@dataclass
class Parts:
    """Per-document scores for one question (rows = build.doc_ids)."""

    whole: np.ndarray  # cosine to the whole-page vector
    best: np.ndarray  # best chunk cosine
    second: np.ndarray  # second-best chunk cosine (= best when the page has one chunk)
    overview: np.ndarray  # cosine of the overview chunk (title, keywords, opening text)
    lexical: np.ndarray  # BM25 lemmas + n-grams, 0..2
    title: np.ndarray  # cosine to the title alone
    whole_centred: np.ndarray  # as whole / best, after removing the index's mean vector
    best_centred: np.ndarray


def _per_doc_max(n_docs: int, chunk_doc: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    best = np.full(n_docs, -1.0)
    second = np.full(n_docs, -1.0)
    for row in np.argsort(-scores):
        doc = chunk_doc[row]
        if best[doc] == -1.0:
            best[doc] = scores[row]
        elif second[doc] == -1.0:
            second[doc] = scores[row]
    return best, np.where(second == -1.0, best, second)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


class Scorer:
    def __init__(self, build: IndexBuild, embedder: Embedder):
        self.build = build
        titles = [build.documents[d].meta.title for d in build.doc_ids]
        self.title_vectors = embedder.encode_documents([(t, t) for t in titles])
        self.overview_rows = np.array([i for i, c in enumerate(build.chunks) if c.section == OVERVIEW])
        self.doc_mean, self.chunk_mean = build.doc_vectors.mean(0), build.chunk_vectors.mean(0)
        self.docs_centred = _unit(build.doc_vectors - self.doc_mean)
        self.chunks_centred = _unit(build.chunk_vectors - self.chunk_mean)

    def parts(self, qv: np.ndarray, expanded: str) -> Parts:
        b, n = self.build, len(self.build.doc_ids)
        chunk_scores = b.chunk_vectors @ qv
        best, second = _per_doc_max(n, b.chunk_doc, chunk_scores)
        overview = np.full(n, -1.0)
        overview[b.chunk_doc[self.overview_rows]] = chunk_scores[self.overview_rows]
        best_centred, _ = _per_doc_max(n, b.chunk_doc, self.chunks_centred @ _unit(qv - self.chunk_mean))
        return Parts(
            b.doc_vectors @ qv,
            best,
            second,
            overview,
            b.lexical.scores(expanded),
            self.title_vectors @ qv,
            self.docs_centred @ _unit(qv - self.doc_mean),
            best_centred,
        )


def _rrf(*scores: np.ndarray, k: int = 60) -> np.ndarray:
    total = np.zeros_like(scores[0])
    for s in scores:
        ranks = np.empty(len(s))
        ranks[np.argsort(-s)] = np.arange(1, len(s) + 1)
        total += 1.0 / (k + ranks)
    return total


VARIANTS: dict[str, Callable[[Parts], np.ndarray]] = {
    PRODUCT: lambda p: 0.5 * p.whole + 0.5 * p.best + 0.02 * p.lexical,
    "dasselbe ohne lexikalisch": lambda p: 0.5 * p.whole + 0.5 * p.best,
    "Dense, ganze Seite": lambda p: p.whole,
    "Dense, bester Abschnitt": lambda p: p.best,
    "Dense, nur Überblicksabschnitt": lambda p: p.overview,
    "Lexikalisch allein": lambda p: p.lexical,
    "Reciprocal Rank Fusion (Seite + Abschnitt, lexikalisch)": lambda p: _rrf(0.5 * p.whole + 0.5 * p.best, p.lexical),
    "Maximum statt Mittel aus Seite und Abschnitt": lambda p: np.maximum(p.whole, p.best) + 0.02 * p.lexical,
    "Mittel der zwei besten Abschnitte statt des besten": lambda p: (
        0.5 * p.whole + 0.25 * (p.best + p.second) + 0.02 * p.lexical
    ),
    "Titel als dritter Vektor (Gewicht 0,25)": lambda p: (
        0.5 * p.whole + 0.5 * p.best + 0.25 * p.title + 0.02 * p.lexical
    ),
    "Vektoren zentriert (Mittelwert des Index abgezogen)": lambda p: (
        0.5 * p.whole_centred + 0.5 * p.best_centred + 0.02 * p.lexical
    ),
}


@dataclass
class SetResult:
    metrics: dict[str, dict[str, float]]  # variant -> top1 / top3 / mrr10 ...
    top1_hits: dict[str, list[bool]]  # variant -> per question: is the first page right?


def evaluate_set(questions_path: Path, kb: Path, embedder: Embedder) -> SetResult:
    settings = eval_index_settings(get_retrieval_settings(), kb)
    run_build(kb, settings, force=True, quiet=True)
    searcher = Searcher(load_latest_good(settings.index_for()), embedder, settings)
    scorer = Scorer(searcher.build, embedder)
    rankings: dict[str, list[tuple[list[str], set[str]]]] = {
        name: [] for name in [*VARIANTS, UNEXPANDED, UNCORRECTED]}
    doc_ids = searcher.build.doc_ids

    def top10(scores: np.ndarray) -> list[str]:
        return [doc_ids[i] for i in np.argsort(-scores, kind="stable")[:10]]

    for q in read_jsonl(questions_path):
        if q["kind"] != "service":
            continue
        expanded = searcher.expand(q["text"])
        qv = searcher.embed_query(expanded)
        parts = scorer.parts(qv, expanded)
        gold = set(q["gold"])
        for name, score in VARIANTS.items():
            rankings[name].append((top10(score(parts)), gold))
        plain = scorer.parts(searcher.embed_query(q["text"]), q["text"])  # as typed, nothing added
        rankings[UNEXPANDED].append((top10(VARIANTS[PRODUCT](plain)), gold))
        uncorrected = expand_query(q["text"], searcher.lexicon)  # colloquial terms, typos left as typed
        as_typed = parts if uncorrected == expanded else scorer.parts(searcher.embed_query(uncorrected), uncorrected)
        rankings[UNCORRECTED].append((top10(VARIANTS[PRODUCT](as_typed)), gold))
        product = [h.doc_id for h in searcher.rank(q["text"], expanded, qv, k=10).hits]
        if product[:3] != rankings[PRODUCT][-1][0][:3]:
            raise AssertionError(f"{q['id']}: Produktformel weicht von Searcher.rank ab: {product[:3]}")
    return SetResult(
        {name: vars(ranking_metrics(r)) for name, r in rankings.items()},
        {name: [bool(gold & set(ranked[:1])) for ranked, gold in r] for name, r in rankings.items()},
    )


def sign_test(results: list[SetResult]) -> dict[str, dict[str, int | bool]]:
    """Per variant, over the pooled selection sets: questions it gets right where the product does
    not (wins), the reverse (losses), and whether wins - losses >= 2·sqrt(wins + losses), i.e. a
    difference beyond chance at about 95 % (two-sided sign test, normal approximation)."""
    table = {}
    for name in results[0].top1_hits:
        pairs = [(v, p) for r in results for v, p in zip(r.top1_hits[name], r.top1_hits[PRODUCT], strict=True)]
        wins = sum(v and not p for v, p in pairs)
        losses = sum(p and not v for v, p in pairs)
        beyond_chance = wins > losses and wins - losses >= 2 * (wins + losses) ** 0.5
        table[name] = {"wins": wins, "losses": losses, "significant": beyond_chance}
    return table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--munich-kb", type=Path, help="bereits importierter Münchner Katalog")
    args = parser.parse_args()
    embedder = load_embedder(get_retrieval_settings())
    kb = ROOT / "knowledge_base"
    sets = [
        ("Musterstadt Test", ROOT / "tests/data/musterstadt_questions.jsonl", kb),
        ("Musterstadt Stil echter Anfragen", ROOT / "tests/data/musterstadt_citizen_questions.jsonl", kb),
        ("Musterstadt Kalibrierung", ROOT / "benchmarks/data/musterstadt_calibration.jsonl", kb),
    ]
    measured_only: list[tuple[str, Path, Path]] = []
    with tempfile.TemporaryDirectory() as tmp:
        sets += [(f"{label} mit Tippfehlern", write_with_typos(path, Path(tmp) / f"typos-{path.name}"), kb)
                 for label, path, kb in sets]
        munich = munich_kb(args.munich_kb, Path(tmp))
        if munich is not None:
            sets += keyword_holdout_sets(munich, Path(tmp))
            dev = SHARED / "munich-questions/dev.jsonl"
            measured_only.append(("München dev (nur gemessen)", dev, munich))
            measured_only.append(("München dev mit Tippfehlern (nur gemessen)",
                                  write_with_typos(dev, Path(tmp) / "typos-dev.jsonl"), munich))
        results = {label: evaluate_set(path, kb, embedder) for label, path, kb in measured_only + sets}

    for label, result in results.items():
        print(f"\n{label}  (Top-1 / Top-3 / MRR@10)")
        for name, m in result.metrics.items():
            print(f"  {name:60s} {m['top1']:.3f} / {m['top3']:.3f} / {m['mrr10']:.3f}")
    selection = sign_test([results[label] for label, _, _ in sets])
    print("\nAuswahl: Top-1 gegenüber dem Produkt, alle Sätze außer München dev (gewonnen / verloren)")
    for name, row in selection.items():
        verdict = "besser, über dem Zufall" if row["significant"] else ""
        print(f"  {name:60s} +{row['wins']} / -{row['losses']}  {verdict}")
    out = ROOT / "var/benchmarks/ranking_variants.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"sets": {label: r.metrics for label, r in results.items()}, "selection": selection}
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\n{out}")


if __name__ == "__main__":
    main()
