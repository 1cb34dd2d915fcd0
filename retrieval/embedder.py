"""Text -> normalised vectors, with the model's own query and document prompts.

``load_embedder`` is the registry: the configured sentence-transformers model, or
``hashing-ngrams`` (a dependency-free character n-gram embedding used by fast unit tests
of the index mechanics; never a product default).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from retrieval.chunking import plain_text
from retrieval.settings import RetrievalSettings

HASHING_MODEL = "hashing-ngrams"


class Embedder(Protocol):
    name: str
    dim: int

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray: ...

    def encode_documents(
        self, items: Sequence[tuple[str, str]], progress: Callable[[int], None] | None = None
    ) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class SentenceTransformerEmbedder:
    """Wraps a sentence-transformers model; title-aware document prompts where supported."""

    def __init__(self, name: str, path: str, batch_size: int = 16, dim: int | None = None,
                 dtype: str = "float32"):
        # Nothing may be fetched at run time: the hub is off, models come from disk.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        # Load straight into the target dtype: converting after loading doubles peak memory.
        torch_dtype = torch.bfloat16 if dtype == "bfloat16" else torch.float32
        self.model = SentenceTransformer(path, device="cpu", truncate_dim=dim, model_kwargs={"dtype": torch_dtype})
        self.model.to(torch_dtype)  # the Dense heads load in float32
        self.dtype = dtype
        self.name = name if dim is None else f"{name}@{dim}"
        self.dim = int(self.model.get_embedding_dimension())
        self.batch_size = batch_size
        doc_prompt = self.model.prompts.get("document", "")
        # EmbeddingGemma's prompt is "title: none | text: "; we fill in the real title.
        self._title_prompt = "title: none" in doc_prompt

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        prompt_name = "query" if "query" in self.model.prompts else None
        return _normalise(self.model.encode(list(queries), prompt_name=prompt_name, batch_size=self.batch_size,
                                            convert_to_numpy=True, normalize_embeddings=True))

    def document_texts(self, items: Sequence[tuple[str, str]]) -> list[str]:
        if self._title_prompt:
            return [f"title: {title} | text: {plain_text(text)}" for title, text in items]
        prompt = self.model.prompts.get("document", "")
        return [f"{prompt}{title}\n\n{plain_text(text)}" for title, text in items]

    def encode_documents(
        self, items: Sequence[tuple[str, str]], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        texts = self.document_texts(items)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Sort by length so batches hold similar lengths (much less padding on CPU).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            out[batch] = np.asarray(self.model.encode([texts[i] for i in batch], prompt="", batch_size=self.batch_size,
                                                      convert_to_numpy=True, normalize_embeddings=True), dtype=np.float32)
            if progress:
                progress(len(batch))
        return out


class HashingEmbedder:
    """Character 3-gram feature hashing: deterministic and instant, for tests only."""

    def __init__(self, dim: int = 256):
        from sklearn.feature_extraction.text import HashingVectorizer

        self.name, self.dim = HASHING_MODEL, dim
        self._vectorizer = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 3), n_features=dim,
                                             alternate_sign=False, norm="l2")

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        return _normalise(self._vectorizer.transform(list(texts)).toarray())

    def encode_queries(self, queries: Sequence[str]) -> np.ndarray:
        return self._encode(queries)

    def encode_documents(
        self, items: Sequence[tuple[str, str]], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        vectors = self._encode([f"{title} {plain_text(text)}" for title, text in items])
        if progress:
            progress(len(items))
        return vectors


def cpu_supports_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def load_embedder(settings: RetrievalSettings) -> Embedder:
    if settings.embedding_model == HASHING_MODEL:
        return HashingEmbedder()
    from retrieval.model_store import resolve_model_path

    dtype = settings.embedding_dtype
    if dtype == "auto":
        dtype = "bfloat16" if cpu_supports_bf16() else "float32"
    return SentenceTransformerEmbedder(settings.embedding_model, resolve_model_path(settings),
                                       settings.embedding_batch_size, settings.embedding_dim, dtype)
