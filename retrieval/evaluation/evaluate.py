"""Retrieval quality on question sets (line format of munich-questions/dev.jsonl) and XQuAD."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from retrieval.evaluation.citizen_metrics import citizen_metrics, rank_of_gold
from retrieval.german_text import STOP
from retrieval.index.build import build_from_documents
from retrieval.index.store import load_latest_good
from retrieval.kb.documents import Document, FrontMatter
from retrieval.model.embedder import Embedder
from retrieval.search.searcher import Searcher, ask_back_options
from retrieval.settings import RetrievalSettings


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: kein gültiges JSON ({e.msg})") from None
    return rows


@dataclass
class RankingMetrics:
    n: int
    top1: float
    top3: float
    mrr10: float
    recall: dict[int, float]


def ranking_metrics(rankings: Iterable[tuple[list[str], set[str]]], ks: tuple[int, ...] = (1, 3, 5, 10)) -> RankingMetrics:
    hits = {k: 0 for k in ks}
    mrr, n = 0.0, 0
    for ranked, gold in rankings:
        n += 1
        for k in ks:
            hits[k] += bool(gold & set(ranked[:k]))
        mrr += next((1 / (r + 1) for r, d in enumerate(ranked[:10]) if d in gold), 0.0)
    recall = {k: hits[k] / n if n else 0.0 for k in ks}
    return RankingMetrics(n, recall.get(1, 0.0), recall.get(3, 0.0), mrr / n if n else 0.0, recall)


@dataclass
class QuestionSetReport:
    service: RankingMetrics
    service_confident_when_correct: float  # share of correct top-1 answers that stay confident
    service_confident_when_wrong: float
    out_of_scope_n: int
    out_of_scope_not_confident: float
    records: list[dict[str, Any]]
    citizen: dict[str, Any] = field(default_factory=dict)  # citizen_metrics of the ladder's outcomes
    by_lang: dict[str, RankingMetrics] = field(default_factory=dict)  # per `lang` of the lines (German without)


def evaluate_questions(searcher: Searcher, questions: list[dict[str, Any]],
                       on_progress: Callable[[], None] | None = None) -> QuestionSetReport:
    records, rankings = [], []
    rankings_by_lang: dict[str, list[tuple[list[str], set[str]]]] = {}
    correct_conf, correct_total, wrong_conf, wrong_total = 0, 0, 0, 0
    oos_total = oos_unsure = 0
    for q in questions:
        lang = q.get("lang") or "de"  # the line's language; the chat service detects it (bot/i18n/detect.py)
        result = searcher.search(q["text"], k=10, lang=lang)
        ranked = [h.doc_id for h in result.hits]
        confident = searcher.confident(result, lang)
        level = searcher.level(result, lang)
        offered = {"answer": ranked[:1], "clarify": [h.doc_id for h in ask_back_options(result)]}.get(level, [])
        record = {"id": q["id"], "ranked": ranked, "scores": [round(h.score, 4) for h in result.hits],
                  "confident": confident, "confidence": round(result.confidence, 4), "level": level,
                  "outcome": level, "services": offered}
        if q.get("gold"):
            record["top1_rank_of_gold"] = rank_of_gold(ranked, set(q["gold"]))
        records.append(record)
        if q["kind"] == "service":
            gold = set(q.get("gold") or [])
            rankings.append((ranked, gold))
            rankings_by_lang.setdefault(q.get("lang") or "de", []).append((ranked, gold))
            if ranked and ranked[0] in gold:
                correct_total += 1
                correct_conf += confident
            else:
                wrong_total += 1
                wrong_conf += confident
        elif q["kind"] == "out_of_scope":
            oos_total += 1
            oos_unsure += not confident
        if on_progress:
            on_progress()
    return QuestionSetReport(
        ranking_metrics(rankings), correct_conf / correct_total if correct_total else 0.0,
        wrong_conf / wrong_total if wrong_total else 0.0, oos_total,
        oos_unsure / oos_total if oos_total else 0.0, records,
        citizen_metrics([{**q, **r} for q, r in zip(questions, records)]),
        {lang: ranking_metrics(r) for lang, r in sorted(rankings_by_lang.items())},
    )


def evaluate_kb_questions(questions_path: Path, kb_dir: Path, settings: RetrievalSettings, embedder: Embedder,
                          on_progress: Callable[[], None] | None = None) -> QuestionSetReport:
    searcher = Searcher(load_latest_good(settings.index_for(kb_dir)), embedder, settings)
    return evaluate_questions(searcher, read_jsonl(questions_path), on_progress)


# --- XQuAD-de: a generic German passage-retrieval benchmark --------------------------------

def _xquad_documents(corpus: list[dict[str, Any]]) -> list[Document]:
    docs = []
    for row in corpus:
        meta = FrontMatter(id=row["_id"], type="faq", title=row["title"].replace("_", " "),
                           url=f"https://de.wikipedia.org/wiki/{row['title']}", updated=date(2019, 10, 1))
        docs.append(Document(meta=meta, body=row["text"], source=f"{row['_id']}.md", content_hash=row["_id"]))
    return docs


def _simple_tokens(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(texts, stopwords=sorted(STOP), return_ids=False, show_progress=False)


def evaluate_xquad(xquad_dir: Path, settings: RetrievalSettings, embedder: Embedder,
                   limit: int | None = None) -> dict[str, RankingMetrics]:
    """Hybrid pipeline vs. a word-BM25 baseline vs. plain dense (whole passage, cosine)."""
    corpus = read_jsonl(xquad_dir / "corpus.jsonl")
    queries = read_jsonl(xquad_dir / "queries.jsonl")[:limit]
    qrels: dict[str, set[str]] = {}
    for line in (xquad_dir / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, pid, _ = line.split("\t")
        qrels.setdefault(qid, set()).add(pid)
    docs = _xquad_documents(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        index_settings = settings.model_copy(update={"index_dir": Path(tmp)})
        build_from_documents(docs, {}, index_settings, embedder, Path(tmp))
        searcher = Searcher(load_latest_good(index_settings.index_for(Path(tmp))), embedder, index_settings)
        texts = [q["text"] for q in queries]
        expanded = [searcher.expand(t) for t in texts]
        qvs = embedder.encode_queries(expanded)
        hybrid = [[h.doc_id for h in searcher.rank(t, e, qv, k=10).hits] for t, e, qv in zip(texts, expanded, qvs)]
        build = searcher.build
        plain_qvs = embedder.encode_queries(texts)
        dense = [[build.doc_ids[i] for i in np.argsort(-(build.doc_vectors @ qv))[:10]] for qv in plain_qvs]

    bm25 = bm25s.BM25()
    bm25.index(_simple_tokens([f"{d.meta.title} {d.body}" for d in docs]), show_progress=False)
    ids = [d.id for d in docs]
    bm25_ranked = []
    for tokens in _simple_tokens(texts):
        scores = bm25.get_scores(tokens) if tokens else np.zeros(len(ids))
        bm25_ranked.append([ids[i] for i in np.argsort(-scores)[:10]])

    gold = [qrels.get(q["_id"], set()) for q in queries]
    return {name: ranking_metrics(zip(ranked, gold))
            for name, ranked in (("hybrid", hybrid), ("bm25", bm25_ranked), ("dense", dense))}
