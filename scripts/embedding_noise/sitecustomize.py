"""Loaded by every Python process of `scripts/test-other-cpu` (through PYTHONPATH), including the
chat service and Rasa's action calls that the stack tests start: adds a small, fixed noise to each
embedding, as another CPU's 8-bit kernels would (they round differently: a score moves by a few
thousandths). A test that fails under it decides at a threshold's edge and fails on some CI machine."""

from __future__ import annotations

import os
import zlib

SEED = os.environ.get("KOMMUNALBOT_EMBEDDING_NOISE_SEED")

if SEED:
    import numpy as np

    try:
        from retrieval.model import embedder as _embedder
    except ImportError:  # Rasa's own venv: it embeds nothing itself
        _embedder = None

    if _embedder is not None:
        SIGMA = float(os.environ.get("KOMMUNALBOT_EMBEDDING_NOISE_SIGMA", "0.003"))
        _exact = _embedder.PromptedEmbedder._embed

        def _embed_with_noise(self, texts: list[str]) -> np.ndarray:
            vectors = _exact(self, texts)
            for i, text in enumerate(texts):  # the same text gets the same noise in every process
                rng = np.random.default_rng(zlib.crc32(f"{SEED}\n{text}".encode()))
                vectors[i] += rng.normal(0.0, SIGMA, vectors.shape[1]).astype(np.float32)
            return _embedder._normalise(vectors)

        _embedder.PromptedEmbedder._embed = _embed_with_noise
