"""Query embedding per runtime: latency on 2 cores and fidelity to PyTorch float32.

    .venv/bin/python benchmarks/embedding_bench.py [--questions FILE]

Embeds each question alone (as a live chat message is), with the model's query prompt, in every
runtime that is available: PyTorch float32 and bfloat16, and the ONNX exports that
`kommunalbot model export [--precision float32]` made. Reports p50/p95, the smallest and mean
cosine to PyTorch float32, and texts per second with one caller and with one caller per core at once. Results also in var/benchmarks/embedding.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from retrieval.evaluation.evaluate import read_jsonl
from retrieval.model.embedder import OnnxEmbedder, SentenceTransformerEmbedder
from retrieval.model.onnx_export import is_current, onnx_dir
from retrieval.model.store import model_source, resolve_model_path
from retrieval.settings import get_retrieval_settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_QUESTIONS = ROOT.parent / "shared/data/munich-questions/dev.jsonl"


def timed(embedder, texts: list[str]) -> tuple[np.ndarray, list[float]]:
    for text in texts[:5]:
        embedder.encode_queries([text])  # warm-up
    vectors, timings = [], []
    for text in texts:
        started = time.perf_counter()
        vectors.append(embedder.encode_queries([text])[0])
        timings.append((time.perf_counter() - started) * 1000)
    return np.vstack(vectors), timings


def throughput(embedder, texts: list[str], callers: int) -> float:
    """Texts per second when ``callers`` threads each embed one text at a time (concurrent chat messages)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(callers) as pool:
        list(pool.map(lambda text: embedder.encode_queries([text]), texts))
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    args = parser.parse_args()
    settings = get_retrieval_settings()
    texts = [q["text"] for q in read_jsonl(args.questions)]
    path = resolve_model_path(settings)

    runtimes = {"torch-float32": lambda: SentenceTransformerEmbedder("ref", path, dtype="float32"),
                "torch-bfloat16": lambda: SentenceTransformerEmbedder("ref", path, dtype="bfloat16")}
    for precision in ("float32", "int8"):
        folder = onnx_dir(settings.model_cache_dir, settings.embedding_model, precision)
        if is_current(folder, model_source(settings)):
            runtimes[f"onnx-{precision}"] = lambda folder=folder: OnnxEmbedder("onnx", folder)

    cores = len(os.sched_getaffinity(0))
    results: dict[str, dict[str, float]] = {}
    reference = None
    for name, make in runtimes.items():
        embedder = make()
        vectors, timings = timed(embedder, texts)
        if reference is None:
            reference = vectors
        cosines = (vectors * reference).sum(axis=1)
        results[name] = {"p50_ms": round(float(np.percentile(timings, 50)), 1),
                         "p95_ms": round(float(np.percentile(timings, 95)), 1),
                         "min_cosine": round(float(cosines.min()), 4), "mean_cosine": round(float(cosines.mean()), 4),
                         "texts_per_s_1_caller": round(throughput(embedder, texts, 1), 1),
                         f"texts_per_s_{cores}_callers": round(throughput(embedder, texts, cores), 1)}
        print(f"{name:16s} {results[name]}", flush=True)
        del embedder
    out = ROOT / "var/benchmarks/embedding.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"questions": len(texts), "runtimes": results}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
