"""Intent classification benchmarks: MASSIVE-de and xSID (standard German and dialects).

    .venv/bin/python benchmarks/nlu_bench.py [--dense-weights 0.5 1 2] [--cs 3 10 30]

Compares the product's intent model (bot/rasa/components/hybrid_model.py) with its parts:
sparse character/word n-grams only, dense sentence embeddings only, and both. Embeddings come
from the same model and classification prompt the chat service uses; they are cached in
var/benchmarks/embeddings-*.npy. Hyper-parameters are chosen on MASSIVE dev, reported on test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from bot.rasa.components.hybrid_model import HybridIntentModel
from retrieval.model.embedder import INTENT_PROMPT, load_embedder
from retrieval.settings import get_retrieval_settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / "var" / "benchmarks"


def read(path: Path) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows], [str(r["intent"]) for r in rows]


def embed(texts: list[str], embedder, prompt: str = INTENT_PROMPT) -> np.ndarray:
    key = hashlib.sha256(("\n".join(texts) + embedder.name + embedder.runtime + prompt).encode()).hexdigest()[:16]
    path = CACHE / f"embeddings-{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = embedder.encode_prompted([(prompt, t) for t in texts])
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def score(model: HybridIntentModel, train, test) -> dict[str, float]:
    (tr_t, tr_v, tr_y), (te_t, te_v, te_y) = train, test
    started = time.perf_counter()
    model.fit(tr_t, tr_v, tr_y)
    fit_seconds = time.perf_counter() - started
    names, proba = model.predict_proba(te_t, te_v)
    pred = [names[i] for i in proba.argmax(axis=1)]
    return {"accuracy": round(accuracy_score(te_y, pred), 4),
            "macro_f1": round(f1_score(te_y, pred, average="macro"), 4), "fit_s": round(fit_seconds, 1)}


def variants(dense_weight: float, c: float) -> dict[str, HybridIntentModel]:
    return {"sparse n-grams": HybridIntentModel(use_dense=False, c=c),
            "dense embeddings": HybridIntentModel(use_sparse=False, c=c),
            f"hybrid (dense x{dense_weight}, C={c})": HybridIntentModel(dense_weight=dense_weight, c=c)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dense-weights", type=float, nargs="+", default=[2.0])
    parser.add_argument("--cs", type=float, nargs="+", default=[10.0])
    parser.add_argument("--prompt", default=INTENT_PROMPT,
                        help="the model's prompt for the sentence vectors ('query': the search's vector)")
    args = parser.parse_args()
    embedder = load_embedder(get_retrieval_settings())
    results: dict[str, object] = {}

    massive = {s: read(DATA / f"massive-de/{s}.jsonl") for s in ("train", "dev", "test")}
    m = {s: (t, embed(t, embedder, args.prompt), y) for s, (t, y) in massive.items()}
    grid = [(w, c) for w in args.dense_weights for c in args.cs]
    for w, c in grid:  # choose the weight and regularisation on dev
        results[f"massive dev, hybrid x{w} C={c}"] = score(HybridIntentModel(dense_weight=w, c=c), m["train"], m["dev"])
    best = max(grid, key=lambda wc: results[f"massive dev, hybrid x{wc[0]} C={wc[1]}"]["accuracy"])
    for name, model in variants(*best).items():
        results[f"massive test, {name}"] = score(model, m["train"], m["test"])

    texts, labels = read(DATA / "xsid-de/de.valid.jsonl")
    train = (texts, embed(texts, embedder, args.prompt), labels)
    for split in ("de", "de-st", "de-ba", "de-muc", "gsw"):
        t, y = read(DATA / f"xsid-de/{split}.test.jsonl")
        test = (t, embed(t, embedder, args.prompt), y)
        for name, model in variants(*best).items():
            results[f"xsid {split}, {name}"] = score(model, train, test)
    out = CACHE / ("nlu.json" if args.prompt == INTENT_PROMPT else f"nlu-{args.prompt}.json")
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    for key, value in results.items():
        print(f"{key:45s} {value}")


if __name__ == "__main__":
    main()
