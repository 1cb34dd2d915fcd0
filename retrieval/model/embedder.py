"""Text -> normalised vectors, with the model's own query and document prompts.

``load_embedder`` is the registry: the configured sentence-transformers model, or
``hashing-ngrams`` (a dependency-free character n-gram embedding used by fast unit tests
of the index mechanics; never a product default).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from retrieval.kb.chunking import plain_text
from retrieval.settings import RetrievalSettings

log = logging.getLogger(__name__)
# Nothing may be fetched at run time: the hub is off, models and tokenizers come from disk.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

HASHING_MODEL = "hashing-ngrams"


# The intent classifier's features: the model's own classification prompt ("task: classification"
# for EmbeddingGemma) beats its search prompt by 2-3 points on MASSIVE (docs/benchmarks.md, "NLU").
INTENT_PROMPT = "Classification"


class Embedder(Protocol):
    name: str
    dim: int
    runtime: str  # how vectors are computed; vectors of different runtimes are never mixed in an index

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray: ...

    def encode_prompted(self, items: Sequence[tuple[str, str]]) -> np.ndarray: ...

    def encode_documents(
        self, items: Sequence[tuple[str, str]], progress: Callable[[int], None] | None = None
    ) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class PromptedEmbedder:
    """The model's own prompts: query prompt for questions, title-aware prompt for passages."""

    name: str
    dim: int
    batch_size: int
    prompts: dict[str, str]
    truncate_dim: int | None = None

    def _encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = self._encode(texts)
        if self.truncate_dim:  # Matryoshka: the first dimensions carry the meaning
            vectors = vectors[:, : self.truncate_dim]
        return _normalise(vectors)

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        return self.encode_prompted([("query", q) for q in queries])

    def encode_prompted(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        """(prompt name, text) pairs, embedded together; a prompt the model lacks falls back to "query"."""
        return self._embed_batched([self.prompts.get(name, self.prompts.get("query", "")) + text
                                    for name, text in items])

    def document_texts(self, items: Sequence[tuple[str, str]]) -> list[str]:
        prompt = self.prompts.get("document", "")
        # EmbeddingGemma's prompt is "title: none | text: "; we fill in the real title.
        if "title: none" in prompt:
            return [f"title: {title} | text: {plain_text(text)}" for title, text in items]
        return [f"{prompt}{title}\n\n{plain_text(text)}" for title, text in items]

    def encode_documents(
        self, items: Sequence[tuple[str, str]], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        return self._embed_batched(self.document_texts(items), progress)

    def _embed_batched(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Sort by length so batches hold similar lengths (much less padding on CPU).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            out[batch] = self._embed([texts[i] for i in batch])
            if progress:
                progress(len(batch))
        return out


class SentenceTransformerEmbedder(PromptedEmbedder):
    """The model in PyTorch through sentence-transformers (any model, no export needed)."""

    def __init__(self, name: str, path: str, batch_size: int = 16, dim: int | None = None,
                 dtype: str = "float32"):
        import torch
        from sentence_transformers import SentenceTransformer

        # Load straight into the target dtype: converting after loading doubles peak memory.
        torch_dtype = torch.bfloat16 if dtype == "bfloat16" else torch.float32
        self.model = SentenceTransformer(path, device="cpu", model_kwargs={"dtype": torch_dtype})
        self.model.to(torch_dtype)  # the Dense heads load in float32
        self.runtime = f"torch-{dtype}"
        self.name = name if dim is None else f"{name}@{dim}"
        self.truncate_dim = dim
        self.dim = dim or int(self.model.get_embedding_dimension())
        self.batch_size = batch_size
        self.prompts = dict(self.model.prompts)
        self._lock = threading.Lock()  # PyTorch uses every core per call: one call at a time is fastest

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self.model.encode(texts, prompt="", batch_size=self.batch_size, convert_to_numpy=True,
                                                normalize_embeddings=True), dtype=np.float32)


class OnnxEmbedder(PromptedEmbedder):
    """The same model exported to ONNX Runtime (retrieval/model/onnx_export.py): 2-3x faster on CPU."""

    def __init__(self, name: str, folder: Path, batch_size: int = 16, dim: int | None = None,
                 threads: int | None = None):
        from threadpoolctl import threadpool_limits

        from retrieval.model.onnx_export import OnnxSentenceEncoder, runtime_label

        self.encoder = OnnxSentenceEncoder(folder, threads)
        # ONNX Runtime has its own thread pool. The BLAS/OpenMP pools (numpy, FAISS) then only do
        # tiny vector work per query, but their idle threads spin and take the cores from ONNX
        # Runtime: one thread each cuts the query embedding's p95 by about a third (benchmarks.md).
        threadpool_limits(1)
        self.runtime = runtime_label(self.encoder.manifest)
        self.name = name if dim is None else f"{name}@{dim}"
        self.truncate_dim = dim
        self.dim = dim or self.encoder.dim
        self.batch_size = batch_size
        self.prompts = self.encoder.prompts

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode(texts)


class HashingEmbedder:
    """Character 3-gram feature hashing: deterministic and instant, for tests only."""

    def __init__(self, dim: int = 256):
        from sklearn.feature_extraction.text import HashingVectorizer

        self.name, self.dim, self.runtime = HASHING_MODEL, dim, "hashing"
        self._vectorizer = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 3), n_features=dim,
                                             alternate_sign=False, norm="l2")

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(self._vectorizer.transform(list(texts)).toarray())

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        return self._encode(queries)

    def encode_prompted(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        return self._encode([text for _, text in items])

    def encode_documents(
        self, items: Sequence[tuple[str, str]], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        vectors = self._encode([f"{title} {plain_text(text)}" for title, text in items])
        if progress:
            progress(len(items))
        return vectors


def cpu_supports_bf16() -> bool:
    from retrieval.model.onnx_export import cpu_flags

    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def planned_runtime(settings: RetrievalSettings) -> str:
    """The runtime ``load_embedder`` will use: "onnx-int8@<export>", "onnx-float32@<export>" or
    "torch-<dtype>"."""
    from retrieval.model.onnx_export import is_current, onnx_dir, read_manifest, runtime_label
    from retrieval.model.store import model_source

    if settings.embedding_model == HASHING_MODEL:
        return "hashing"
    runtime = settings.embedding_runtime
    if runtime != "torch":
        precision = "float32" if runtime == "onnx-float32" else "int8"
        folder = onnx_dir(settings.model_cache_dir, settings.embedding_model, precision)
        if is_current(folder, model_source(settings)):  # its files are verified on load
            return runtime_label(read_manifest(folder))
        if runtime != "auto":
            raise FileNotFoundError(f"Kein aktueller ONNX-Export ({precision}) in {folder}. "
                                    "Bitte `kommunalbot model export` ausführen.")
        log.warning("Kein ONNX-Export für %s: die Suche nutzt PyTorch und ist langsamer. "
                    "`kommunalbot model export` behebt das.", settings.embedding_model)
    dtype = settings.embedding_dtype
    if dtype == "auto":
        dtype = "bfloat16" if cpu_supports_bf16() else "float32"
    return f"torch-{dtype}"


def load_embedder(settings: RetrievalSettings) -> Embedder:
    if settings.embedding_model == HASHING_MODEL:
        return HashingEmbedder()
    from retrieval.model.onnx_export import onnx_dir
    from retrieval.model.store import resolve_model_path

    runtime = planned_runtime(settings)
    if runtime.startswith("onnx-"):
        precision = runtime.removeprefix("onnx-").split("@")[0]
        folder = onnx_dir(settings.model_cache_dir, settings.embedding_model, precision)
        return OnnxEmbedder(settings.embedding_model, folder, settings.embedding_batch_size, settings.embedding_dim,
                            settings.embedding_threads)
    return SentenceTransformerEmbedder(settings.embedding_model, resolve_model_path(settings),
                                       settings.embedding_batch_size, settings.embedding_dim,
                                       runtime.removeprefix("torch-"))
