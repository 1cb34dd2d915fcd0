"""BM25 over German lemmas and character n-grams, one entry per document.

Two bm25s indexes: whole lemmas (precise) and character n-grams of the lemmas (compounds,
typos). Their scores are added after scaling each by its best score for the query.
The title and keywords are repeated so that a match there weighs more than one in the body.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import bm25s
import numpy as np

from retrieval.german_text import char_ngrams, lemmas
from retrieval.kb.chunking import plain_text
from retrieval.kb.documents import Document

TITLE_WEIGHT = 3
KEYWORD_WEIGHT = 2


def document_text(doc: Document) -> str:
    meta = doc.meta
    return "\n".join(
        [meta.title] * TITLE_WEIGHT + [", ".join(meta.keywords)] * KEYWORD_WEIGHT + [plain_text(doc.body)]
    )


class LexicalIndex:
    def __init__(self, doc_ids: Sequence[str], word_docs: list[list[str]]):
        self.doc_ids = list(doc_ids)
        self._words = bm25s.BM25()
        self._grams = bm25s.BM25()
        self._words.index(word_docs, show_progress=False)
        self._grams.index([char_ngrams(words) for words in word_docs], show_progress=False)
        self._documents_naming = Counter(word for words in word_docs for word in set(words))

    @classmethod
    def from_documents(cls, docs: Sequence[Document]) -> LexicalIndex:
        return cls([d.id for d in docs], [lemmas(document_text(d)) for d in docs])

    def rarity(self, words: Iterable[str]) -> dict[str, float]:
        """How rare each lemma is among the documents (inverse document frequency): "München" names
        nearly every page of Munich's catalogue and tells none apart, "Ausland" names a few."""
        n = len(self.doc_ids)
        return {word: math.log((n + 1) / (self._documents_naming.get(word, 0) + 1)) for word in words}

    def scores(self, query: str) -> np.ndarray:
        """One score per document in [0, 2]: each signal scaled by its maximum."""
        words = lemmas(query)
        total = np.zeros(len(self.doc_ids), dtype=np.float32)
        if not words or not self.doc_ids:
            return total
        for index, tokens in ((self._words, words), (self._grams, char_ngrams(words))):
            raw = np.asarray(index.get_scores(tokens), dtype=np.float32)
            if raw.max() > 0:
                total += raw / raw.max()
        return total
