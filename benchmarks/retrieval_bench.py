"""Speed and memory of retrieval, reproducible with one command (results in docs/benchmarks.md).

    .venv/bin/python benchmarks/retrieval_bench.py [--munich-kb DIR] [--out results.json]

Measures, on this machine:
  1. full build of the sample knowledge base and of the Munich catalogue (fresh index each),
     with the peak resident memory of the building process;
  2. rebuild after one changed file;
  3. in-process search on the Munich index, including the query embedding (p50/p95), and the
     resident memory of the searching process;
  4. a synthetic 50,000-chunk index (HNSW), searched without the query embedding (p50/p95).
Each part runs in its own subprocess so the memory figures do not mix.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shared_data import ROOT, SHARED, munich_kb


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def percentiles(values: list[float]) -> dict[str, float]:
    import numpy as np

    return {"p50_ms": round(float(np.percentile(values, 50)), 1), "p95_ms": round(float(np.percentile(values, 95)), 1),
            "n": len(values)}


# --- parts, each run in a fresh interpreter -------------------------------------------------

def part_build(kb: str, index_dir: str) -> dict:
    from retrieval.index.build import build_index
    from retrieval.model.embedder import load_embedder
    from retrieval.settings import RetrievalSettings

    settings = RetrievalSettings(index_dir=Path(index_dir))
    embedder = load_embedder(settings)
    started = time.perf_counter()
    report = build_index(Path(kb), settings, embedder, force=True)
    return {"seconds": round(time.perf_counter() - started, 1), "documents": report.documents,
            "chunks": report.chunks, "embedded": report.embedded, "peak_rss_mb": round(peak_rss_mb())}


def part_rebuild_one(kb: str, built_index: str) -> dict:
    """Copy a knowledge base and its built index, change one file, rebuild incrementally."""
    from retrieval.index.build import build_index
    from retrieval.kb.documents import document_files
    from retrieval.model.embedder import load_embedder
    from retrieval.settings import RetrievalSettings

    with tempfile.TemporaryDirectory() as tmp:
        copy, index_copy = Path(tmp) / "kb", Path(tmp) / "index"
        shutil.copytree(kb, copy)
        settings = RetrievalSettings(index_dir=index_copy)
        built = RetrievalSettings(index_dir=Path(built_index)).index_for(Path(kb))
        shutil.copytree(built, settings.index_for(copy), symlinks=True)  # the copy's store: its build
        embedder = load_embedder(settings)
        target = document_files(copy)[0]
        target.write_text(target.read_text(encoding="utf-8") + "\n\n## Hinweis\n\nGeändert für den Benchmark.\n",
                          encoding="utf-8")
        started = time.perf_counter()
        report = build_index(copy, settings, embedder)
        return {"seconds": round(time.perf_counter() - started, 2), "embedded": report.embedded}


def part_search(kb: str, index_dir: str, questions: str) -> dict:
    from retrieval.evaluation.evaluate import read_jsonl
    from retrieval.index.store import load_latest_good
    from retrieval.model.embedder import load_embedder
    from retrieval.search.searcher import Searcher
    from retrieval.settings import RetrievalSettings

    settings = RetrievalSettings(index_dir=Path(index_dir), kb_dir=Path(kb))
    searcher = Searcher(load_latest_good(settings.index_for()), load_embedder(settings), settings)
    texts = [q["text"] for q in read_jsonl(Path(questions))]
    for text in texts[:10]:
        searcher.search(text)  # warm-up
    timings = []
    for _ in range(2):
        for text in texts:
            started = time.perf_counter()
            searcher.search(text)
            timings.append((time.perf_counter() - started) * 1000)
    return {**percentiles(timings), "rss_mb": round(current_rss_mb()), "peak_rss_mb": round(peak_rss_mb())}


def part_synthetic(n_chunks: int, index_dir: str) -> dict:
    import numpy as np

    from retrieval.index.build import build_from_documents
    from retrieval.index.store import load_latest_good
    from retrieval.kb.documents import Document, FrontMatter
    from retrieval.search.searcher import Searcher
    from retrieval.settings import RetrievalSettings

    rng = np.random.default_rng(0)
    dim, sections_per_doc = 768, 9  # overview + 9 sections = 10 chunks per document

    class RandomEmbedder:
        name, dim, runtime = "random-benchmark", 768, "random"

        def encode_queries(self, queries):
            v = rng.standard_normal((len(queries), dim)).astype(np.float32)
            return v / np.linalg.norm(v, axis=1, keepdims=True)

        def encode_prompted(self, items):
            return self.encode_queries(items)

        def encode_documents(self, items, progress=None):
            return self.encode_queries(items)

    words = [f"wort{i}" for i in range(5000)]
    docs = []
    for i in range(n_chunks // (sections_per_doc + 1)):
        body = "\n\n".join(f"## Abschnitt {s}\n\n" + " ".join(rng.choice(words, 25)) for s in range(sections_per_doc))
        meta = FrontMatter(id=f"d{i}", type="service", title=f"Leistung {i}", url="https://example.org/", updated="2026-01-01")
        docs.append(Document(meta=meta, body=body, source=f"d{i}.md", content_hash=str(i)))
    settings = RetrievalSettings(index_dir=Path(index_dir))
    embedder = RandomEmbedder()
    started = time.perf_counter()
    report = build_from_documents(docs, {}, settings, embedder, Path(index_dir))
    build_seconds = time.perf_counter() - started
    searcher = Searcher(load_latest_good(settings.index_for(Path(index_dir))), embedder, settings)
    queries = [" ".join(rng.choice(words, 6)) for _ in range(300)]
    vectors = embedder.encode_queries(queries)
    timings = []
    for text, qv in zip(queries, vectors):
        started = time.perf_counter()
        searcher.rank(text, text, qv)
        timings.append((time.perf_counter() - started) * 1000)
    return {**percentiles(timings[20:]), "chunks": report.chunks, "index_type": report.index_type,
            "build_seconds": round(build_seconds, 1)}


PARTS = {"build": part_build, "rebuild_one": part_rebuild_one, "search": part_search, "synthetic": part_synthetic}


def run_part(name: str, *args: object) -> dict:
    cmd = [sys.executable, __file__, "--part", name, *map(str, args)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", nargs="+")
    parser.add_argument("--munich-kb", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "var/benchmarks/retrieval.json")
    args = parser.parse_args()
    if args.part:
        name, *rest = args.part
        print(json.dumps(PARTS[name](*[int(a) if a.isdigit() else a for a in rest])))
        return

    from retrieval.model.embedder import cpu_supports_bf16, planned_runtime
    from retrieval.model.onnx_export import cpu_has_vnni
    from retrieval.settings import get_retrieval_settings

    settings = get_retrieval_settings()
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "cpu": cpu_model(), "bf16": cpu_supports_bf16(), "vnni": cpu_has_vnni(),
                    "python": platform.python_version()},
        "settings": {"embedding_runtime": planned_runtime(settings)},
    }
    with tempfile.TemporaryDirectory() as tmp:
        munich = munich_kb(args.munich_kb, Path(tmp))
        results["build_sample"] = run_part("build", ROOT / "knowledge_base", Path(tmp) / "i-sample")
        results["rebuild_one_file_sample"] = run_part("rebuild_one", ROOT / "knowledge_base", Path(tmp) / "i-sample")
        if munich:
            results["build_munich"] = run_part("build", munich, Path(tmp) / "i-munich")
            results["search_munich"] = run_part("search", munich, Path(tmp) / "i-munich",
                                                SHARED / "munich-questions/dev.jsonl")
            results["rebuild_one_file_munich"] = run_part("rebuild_one", munich, Path(tmp) / "i-munich")
        results["synthetic_50k"] = run_part("synthetic", 50_000, Path(tmp) / "i-synth")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
