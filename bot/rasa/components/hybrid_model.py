"""Intent model: character n-grams + word n-grams + the chat service's sentence embeddings.

Plain scikit-learn and numpy, so the same code runs inside Rasa's environment (through the
Rasa component in hybrid_intent_classifier.py) and in the benchmarks of the app environment.
Character n-grams carry dialect and typos ("Wia meld i mi um?"), the dense embedding carries
meaning in standard German; a logistic regression over both gets the best of each
(docs/benchmarks.md, "NLU").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

DENSE_WEIGHT = 2.0
C = 10.0


class HybridIntentModel:
    def __init__(self, dense_weight: float = DENSE_WEIGHT, c: float = C, use_sparse: bool = True,
                 use_dense: bool = True):
        self.dense_weight, self.c = dense_weight, c
        self.use_sparse, self.use_dense = use_sparse, use_dense
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True, sublinear_tf=True,
                                     min_df=1, max_features=200_000)
        self.words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), lowercase=True, sublinear_tf=True)
        self.classifier = LogisticRegression(C=c, max_iter=3000)

    def _features(self, texts: Sequence[str], vectors: np.ndarray | None, fit: bool) -> sparse.csr_matrix:
        blocks = []
        if self.use_sparse:
            if fit:
                blocks += [self.chars.fit_transform(texts), self.words.fit_transform(texts)]
            else:
                blocks += [self.chars.transform(texts), self.words.transform(texts)]
        if self.use_dense:
            if vectors is None:
                raise ValueError("dense features requested but no vectors given")
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            blocks.append(sparse.csr_matrix(self.dense_weight * vectors / np.maximum(norms, 1e-12)))
        return sparse.hstack(blocks).tocsr()

    def fit(self, texts: Sequence[str], vectors: np.ndarray | None, labels: Sequence[str]) -> HybridIntentModel:
        self.classifier.fit(self._features(texts, vectors, fit=True), list(labels))
        return self

    def predict_proba(self, texts: Sequence[str], vectors: np.ndarray | None) -> tuple[list[str], np.ndarray]:
        """(intent names, probabilities of shape [len(texts), len(names)])."""
        return list(self.classifier.classes_), self.classifier.predict_proba(self._features(texts, vectors, fit=False))
