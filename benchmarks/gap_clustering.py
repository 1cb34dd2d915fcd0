"""Content gaps (bot/reports/gaps.py): choose and check the clustering on sets of our own.

    .venv/bin/python benchmarks/gap_clustering.py [--json OUT] [--scale 10000] [--vectors CACHE.npy]

The sets (benchmarks/data/gap_questions_{fit,test}.jsonl) are questions citizens might ask that
the sample knowledge base does not answer well, written by us: paraphrase groups with typos,
dialect and colloquial forms; each group is what an editor would fix with one page (``page``: the
existing page that lacks the words, or null for a missing page). The test set's topics differ
from the fit set's.

Rules, fixed before measuring:
1. Vectors: the search's own vectors of the questions (query prompt on the expanded question),
   which the product stores once per question. The query prompt on the raw text and the model's
   clustering prompt are reported beside them for comparison only.
2. Linkage: average, unless complete linkage is better by >= 0.03 adjusted Rand index (ARI) on
   the fit set, each at its best distance threshold (grid 0.05..0.80, step 0.01); the threshold
   is the best on the fit set, the middle of the run where several tie.
3. PAGE_COVERS_SCORE (add terms to page X vs new page): over the fit set's groups, the score of
   the group centre's nearest page; the threshold with the most right suggestions (a group with a
   page is right when its nearest page is that page and scores at least the threshold, a group
   without one when the score is below), middle of the best run.
4. Reported on the test set with the fit set's choices: ARI, clusters that mix two groups, and
   right suggestions. Scale: 10,000 declined questions (MASSIVE-de utterances from ../shared/data,
   else our questions numbered) stored in an SQLite file with their vectors, grouped by the
   product's code (Gaps.clusters: read, cluster, nearest pages); the one-off embedding is timed
   apart (the product computes it in the background, bot/main.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the project's packages

from benchmarks.shared_data import SHARED  # noqa: E402
from bot.db import reporting  # noqa: E402
from bot.db.models import Conversation, Message  # noqa: E402
from bot.db.session import Database, migrate  # noqa: E402
from bot.live_index import LiveIndex  # noqa: E402
from bot.reports import gaps  # noqa: E402
from bot.reports.gaps import Gaps  # noqa: E402
from bot.settings import Settings  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
GRID = [round(0.05 + 0.01 * i, 2) for i in range(76)]
VARIANTS = ("search", "raw", "clustering")


def load(name: str) -> list[dict[str, str | None]]:
    return [json.loads(line) for line in (DATA / f"gap_questions_{name}.jsonl").open(encoding="utf-8")]


def middle_of_best(scores: dict[float, float]) -> tuple[float, float]:
    best = max(scores.values())
    run = [t for t in sorted(scores) if scores[t] >= best - 1e-9]
    return run[len(run) // 2], best


def mixed_clusters(labels: np.ndarray, groups: list[str], rows: list[dict]) -> list[dict[str, object]]:
    mixed = []
    for label in sorted(set(labels.tolist())):
        members = np.flatnonzero(labels == label)
        found = Counter(groups[i] for i in members)
        if len(found) > 1:
            mixed.append({"groups": dict(found), "questions": [rows[i]["text"] for i in members]})
    return mixed


def suggestions_right(centres: np.ndarray, pages: list[str | None], knowledge: LiveIndex, threshold: float) -> int:
    right = 0
    for (page_id, _, score), page in zip(knowledge.nearest_pages(centres), pages):
        right += (page is not None and page_id == page and score >= threshold) or (page is None and score < threshold)
    return right


def group_centres(vectors: np.ndarray, groups: list[str], rows: list[dict]) -> tuple[np.ndarray, list[str | None]]:
    names = sorted(set(groups))
    centres = np.stack([vectors[[i for i, g in enumerate(groups) if g == name]].mean(axis=0) for name in names])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    page = {r["group"]: r["page"] for r in rows}
    return centres, [page[name] for name in names]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--scale", type=int, default=10_000)
    parser.add_argument("--vectors", type=Path, help="keep the scale set's vectors here (the embedding takes minutes)")
    args = parser.parse_args()
    knowledge = LiveIndex(Settings())
    knowledge.reload()
    embedder = knowledge.embedder
    fit, test = load("fit"), load("test")
    report: dict[str, object] = {"model": embedder.name, "fit_questions": len(fit),
                                 "fit_groups": len({r["group"] for r in fit}), "test_questions": len(test),
                                 "test_groups": len({r["group"] for r in test})}

    def embed(rows: list[dict], variant: str = "search") -> np.ndarray:
        if variant == "search":
            return knowledge.gap_vectors([(r["text"], "de") for r in rows])
        prompt = "query" if variant == "raw" else "Clustering"
        return embedder.encode_prompted([(prompt, r["text"]) for r in rows])

    # 1.-2. vectors, linkage, threshold on the fit set
    fit_groups = [r["group"] for r in fit]
    variants: dict[str, dict[str, float]] = {}
    for variant in VARIANTS:
        vectors = embed(fit, variant)
        for method in ("average", "complete"):
            scores = {t: adjusted_rand_score(fit_groups, gaps.cluster_labels(vectors, t, method)) for t in GRID}
            threshold, ari = middle_of_best(scores)
            variants[f"{variant}/{method}"] = {"threshold": threshold, "ari": round(ari, 3)}
    method = "complete" if variants["search/complete"]["ari"] >= variants["search/average"]["ari"] + 0.03 else "average"
    threshold = variants[f"search/{method}"]["threshold"]
    report["fit_variants"], report["chosen"] = variants, {"vectors": "search", "linkage": method, "threshold": threshold}

    # 3. the page threshold on the fit set's groups (query vectors: the search's space)
    fit_vectors = embed(fit)
    centres, pages = group_centres(fit_vectors, fit_groups, fit)
    page_scores = {t / 100: suggestions_right(centres, pages, knowledge, t / 100) / len(pages) for t in range(30, 91)}
    page_threshold, page_right = middle_of_best(page_scores)
    report["page_covers_score"] = {"threshold": page_threshold, "fit_right": round(page_right, 3)}

    # 4. the test set with these choices
    test_groups = [r["group"] for r in test]
    test_vectors = embed(test)
    test_labels = gaps.cluster_labels(test_vectors, threshold, method)
    centres, pages = group_centres(test_vectors, test_groups, test)
    report["test"] = {"ari": round(adjusted_rand_score(test_groups, test_labels), 3),
                      "clusters": len(set(test_labels.tolist())), "groups": len(set(test_groups)),
                      "mixed_clusters": mixed_clusters(test_labels, test_groups, test),
                      "suggestions_right": round(suggestions_right(centres, pages, knowledge, page_threshold)
                                                 / len(pages), 3)}
    product = gaps.cluster_labels(test_vectors)  # what the product runs, with its constants
    report["test"]["ari_product_constants"] = round(adjusted_rand_score(test_groups, product), 3)
    report["product_constants"] = {"threshold": gaps.DISTANCE_THRESHOLD, "linkage": gaps.LINKAGE,
                                   "page_covers_score": gaps.PAGE_COVERS_SCORE}
    report["scale"] = scale(knowledge, args.scale, [r["text"] for r in fit + test], args.vectors)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def scale_texts(n: int, own: list[str]) -> list[str]:
    source = SHARED / "massive-de" / "train.jsonl"
    texts: list[str] = []
    if source.is_file():
        for line in source.open(encoding="utf-8"):
            texts.append(json.loads(line)["text"])
            if len(texts) == n:
                break
    while len(texts) < n:
        texts.append(own[len(texts) % len(own)] + ("" if len(texts) < len(own) else f" ({len(texts)})"))
    return texts


def scale(knowledge: LiveIndex, n: int, own: list[str], cache: Path | None) -> dict[str, object]:
    """n declined questions in a store, grouped by the product's code; the embedding timed apart."""
    texts = scale_texts(n, own)
    started = time.perf_counter()
    if cache is not None and cache.is_file():
        vectors, embedding_s = np.load(cache), None
    else:
        vectors = knowledge.gap_vectors([(t, "de") for t in texts])
        embedding_s = round(time.perf_counter() - started, 1)
        if cache is not None:
            np.save(cache, vectors)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/scale.db"
        migrate(url)
        db = Database(url)
        now = datetime.now(UTC)
        with db.session() as s:
            for i, text in enumerate(texts):
                conversation = Conversation(id=f"c{i}", created_at=now)
                s.add(conversation)
                s.add(Message(conversation_id=conversation.id, seq=1, sender="citizen", text=text,
                              payload={"lang": "de"}, created_at=now - timedelta(minutes=i % 1000)))
                s.add(Message(conversation_id=conversation.id, seq=2, sender="bot", text="…", outcome="decline",
                              payload={"kind": "decline"}, created_at=now - timedelta(minutes=i % 1000)))
            s.flush()
            ids = [m for (m,) in s.execute(select(Message.id).where(Message.sender == "citizen")
                                           .order_by(Message.conversation_id))]
        by_conversation = dict(zip(sorted(f"c{i}" for i in range(len(texts))), ids))
        with db.session() as s:
            reporting.store_question_vectors(s, {by_conversation[f"c{i}"]: v.astype(np.float16).tobytes()
                                                 for i, v in enumerate(vectors)}, knowledge.model_name())
        started = time.perf_counter()
        clusters = Gaps(db, knowledge).clusters(now - timedelta(days=30), now + timedelta(minutes=1),
                                                now - timedelta(days=60)).clusters
        grouping_s = round(time.perf_counter() - started, 1)
        db.engine.dispose()
    return {"questions": len(texts), "source": "MASSIVE-de" if (SHARED / "massive-de").is_dir() else "own",
            "embedding_s": embedding_s, "grouping_s": grouping_s, "clusters": len(clusters),
            "questions_grouped": sum(c.size for c in clusters)}


if __name__ == "__main__":
    sys.exit(main())
