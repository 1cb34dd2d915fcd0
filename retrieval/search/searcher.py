"""Question -> ranked documents with snippets, source and a calibrated confidence.

Hybrid scoring per document (weights measured in docs/benchmarks.md):

    dense    = mean(similarity to the whole page, best similarity of any of its chunks)
    fused    = dense + lexical_weight * lexical       (lexical in [0, 2], see lexical.py)

The question is first expanded with corrected spellings ("Fürerschein") and official terms for
colloquial words ("Perso"), see query_expansion.py.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np

from retrieval.german_text import lemmas, separable_verbs
from retrieval.index.lexical import document_text
from retrieval.index.store import IndexBuild
from retrieval.languages import is_german
from retrieval.model.embedder import Embedder
from retrieval.search.confidence import Calibration, load_calibration, uncalibrated_probability
from retrieval.search.dialect import written_german
from retrieval.search.expansion import (
    DEFAULT_LEXICON,
    MULTILINGUAL_LEXICON,
    expand_query,
    load_lexicon,
    place_pattern,
    without_place_name,
)
from retrieval.search.spelling import SpellingCorrector
from retrieval.settings import RetrievalSettings

CHUNK_CANDIDATES = 200
DOC_CANDIDATES = 50
MAX_QUERY_CHARS = 1000
# Asking back offers at most this many services, and none scoring this far below the best.
MAX_OPTIONS = 3
OPTION_SCORE_GAP = 0.08
# Pages scoring within this of the first count as its crowd of near siblings.
CROWD_GAP = 0.05
# Scores of this many best documents describe the question's score distribution (for margin_z).
SPREAD_DOCS = 20


@dataclass(frozen=True)
class Snippet:
    section: str
    text: str
    score: float


@dataclass(frozen=True)
class DocumentHit:
    doc_id: str
    title: str
    type: str
    url: str
    updated: date
    score: float
    dense: float
    lexical: float
    snippets: list[Snippet]


@dataclass(frozen=True)
class SearchResult:
    query: str
    expanded_query: str
    hits: list[DocumentHit]
    confidence: float  # probability that hits[0] answers the question
    features: dict[str, float] = field(default_factory=dict)

    @property
    def top(self) -> DocumentHit | None:
        return self.hits[0] if self.hits else None


class Searcher:
    """Searches one loaded index build. Thread-safe; the embedder is shared (and thread-safe)."""

    def __init__(self, build: IndexBuild, embedder: Embedder, settings: RetrievalSettings, calibrated: bool = True):
        """``calibrated=False``: features only, no calibration file read (benchmarks/calibrate.py)."""
        if build.model != embedder.name or build.manifest["dim"] != embedder.dim:
            raise ValueError(
                f"Index {build.path} wurde mit {build.model} ({build.manifest['dim']} Dim.) gebaut, "
                f"geladen ist {embedder.name} ({embedder.dim} Dim.). Bitte `kommunalbot kb build` ausführen."
            )
        self.build, self.embedder, self.settings = build, embedder, settings
        self.calibration: Calibration | None = load_calibration(build.model) if calibrated else None
        # title_cover needs a spaCy pass over the question: only when the calibration uses it, or
        # when all features are collected for benchmarks/calibrate.py.
        self.with_title_cover = not calibrated or bool(self.calibration and "title_cover" in self.calibration.features)
        kb_lexicon = Path(build.manifest.get("kb_dir", "")) / "lexicon.yaml"
        self.lexicon = load_lexicon(DEFAULT_LEXICON, kb_lexicon)
        # Questions in other languages also get the multilingual lexicon; German ones never do, so
        # that "ich bin" or "Termin" keep meaning what they mean in German.
        self.foreign_lexicon = load_lexicon(DEFAULT_LEXICON, MULTILINGUAL_LEXICON, kb_lexicon)
        towns = Counter(o.address.city for o in build.offices.values() if o.address)
        self.place = place_pattern(towns.most_common(1)[0][0]) if towns else None  # the city most offices are in
        self.corrector = SpellingCorrector(
            [document_text(doc) for doc in build.documents.values()] + [" ".join(self.lexicon.words)])

    def thresholds(self, lang: str = "de") -> tuple[float, float]:
        """(answer, ask back) for a question in ``lang``: the settings if given, else the calibration's
        (its own pair for other languages than German, where it has one)."""
        answer, clarify = self.calibration.thresholds(lang) if self.calibration else (0.5, 0.3)
        return (answer if self.settings.answer_threshold is None else self.settings.answer_threshold,
                clarify if self.settings.clarify_threshold is None else self.settings.clarify_threshold)

    def confident(self, result: SearchResult, lang: str = "de") -> bool:
        """The calibrated probability says the top document answers the question."""
        return bool(result.hits) and result.confidence >= self.thresholds(lang)[0]

    def level(self, result: SearchResult, lang: str = "de") -> str:
        """The confidence ladder: 'answer', 'clarify' (unsure) or 'decline', for a question in ``lang``.
        A near tie between two services lowers the confidence itself (margin features), so it needs
        no rule of its own."""
        answer, clarify = self.thresholds(lang)
        if result.hits and result.confidence >= answer:
            return "answer"
        if result.hits and result.confidence >= clarify:
            # Asking "on site or by phone?" before saying anything helps no one: answer the first
            # form and name the second below it (near_tie_second).
            return "answer" if forms_of_one_service(result) else "clarify"
        return "decline"

    def expand(self, query: str, lang: str = "de") -> str:
        """The question as it is searched: the town's name neutral, German typos corrected, separated German
        verbs joined ("melde … ab" -> abmelden) and colloquial words (or, in another language than
        German, the municipal terms) translated, in brackets."""
        if not is_german(lang):
            # No German spelling correction: it "corrected" English "fled" to "Feld", Turkish
            # "kesin" to "kein" (docs/experiments.md).
            return expand_query(without_place_name(query, self.place), self.foreign_lexicon)
        # "muas i mi ummeldn" -> "muss ich mich ummelden"; first, so that "Minga" is the town's name too
        query = without_place_name(written_german(query), self.place)
        return expand_query(query, self.lexicon, self.corrector, separable_verbs(query))

    def embed_query(self, expanded: str) -> np.ndarray:
        return self.embedder.encode_prompted([("query", expanded)])[0]

    def search(self, query: str, k: int = 10, exclude: frozenset[str] = frozenset(), lang: str = "de") -> SearchResult:
        """Rank documents for ``query`` in ``lang``; ``exclude`` drops ids (e.g. services the citizen rejected)."""
        query = query.strip()[:MAX_QUERY_CHARS]
        expanded = self.expand(query, lang)
        if not query or not self.build.doc_ids:
            return SearchResult(query, expanded, [], 0.0)
        return self.rank(query, expanded, self.embed_query(expanded), k, exclude, lang)

    def rank(self, query: str, expanded: str, qv: np.ndarray, k: int = 10,
             exclude: frozenset[str] = frozenset(), lang: str = "de") -> SearchResult:
        build = self.build
        n_docs = len(build.doc_ids)
        whole = build.doc_vectors @ qv
        lexical = build.lexical.scores(expanded)

        chunk_scores, chunk_rows = build.vectors.search(qv[None, :].astype(np.float32),
                                                        min(CHUNK_CANDIDATES, build.vectors.ntotal))
        chunk_rows, chunk_scores = chunk_rows[0], chunk_scores[0]
        keep = chunk_rows >= 0
        chunk_rows, chunk_scores = chunk_rows[keep], chunk_scores[keep]

        candidates = set(build.chunk_doc[chunk_rows].tolist())
        top_n = min(DOC_CANDIDATES, n_docs)
        candidates |= set(np.argpartition(-whole, top_n - 1)[:top_n].tolist())
        candidates |= set(np.argpartition(-lexical, top_n - 1)[:top_n].tolist())
        if exclude:
            candidates -= {build.doc_row[doc_id] for doc_id in exclude if doc_id in build.doc_row}
        if not candidates:
            return SearchResult(query, expanded, [], 0.0)
        cand = np.fromiter(candidates, dtype=np.int64)

        # Best chunk of every candidate, computed exactly (HNSW may have missed some).
        best_chunk = np.full(n_docs, -1.0, dtype=np.float32)
        rows_of = self._rows_of_docs(cand)
        all_scores = build.chunk_vectors[rows_of] @ qv if len(rows_of) else np.zeros(0)
        np.maximum.at(best_chunk, build.chunk_doc[rows_of], all_scores)
        row_score = dict(zip(rows_of.tolist(), all_scores.tolist()))

        dense = 0.5 * whole[cand] + 0.5 * best_chunk[cand]
        fused = dense + self.settings.lexical_weight * lexical[cand]
        order = np.argsort(-fused)
        hits = []
        for pos in order[:k]:
            doc_row = int(cand[pos])
            hits.append(self._hit(doc_row, float(fused[pos]), float(dense[pos]), float(lexical[doc_row]), row_score))
        top_rows = cand[order[:2]]
        features = ranking_features(fused[order], dense[order], lexical[cand[order]],
                                    whole[cand[order]], best_chunk[cand[order]], len(query.split()))
        features["sibling_sim"] = (float(build.doc_vectors[top_rows[0]] @ build.doc_vectors[top_rows[1]])
                                   if len(top_rows) > 1 else 0.0)
        if self.with_title_cover:
            features["title_cover"] = title_cover(hits[0].title, expanded)
        confidence = (self.calibration.probability(features, lang) if self.calibration
                      else uncalibrated_probability(features))
        return SearchResult(query, expanded, hits, confidence, features)

    def nearest_documents(self, vectors: np.ndarray) -> list[tuple[str, float]]:
        """For each query vector (rows), the page nearest in meaning and its dense score (the mean of
        the whole page's and its best section's similarity, as in ``rank``). No lexical signal: the
        vectors may stand for many questions (the centre of a group of them, bot/reports/gaps.py)."""
        build = self.build
        if not build.doc_ids or not len(vectors):
            return []
        whole = vectors @ build.doc_vectors.T
        best_chunk = np.full(whole.shape, -1.0, dtype=np.float32)
        chunk_scores = vectors @ build.chunk_vectors.T
        for doc_row in range(len(build.doc_ids)):
            rows = build.chunk_doc == doc_row
            if rows.any():
                best_chunk[:, doc_row] = chunk_scores[:, rows].max(axis=1)
        dense = 0.5 * whole + 0.5 * best_chunk
        best = dense.argmax(axis=1)
        return [(build.doc_ids[row], float(dense[i, row])) for i, row in enumerate(best)]

    def _rows_of_docs(self, doc_rows: np.ndarray) -> np.ndarray:
        return np.flatnonzero(np.isin(self.build.chunk_doc, doc_rows))

    def _hit(self, doc_row: int, score: float, dense: float, lexical: float, row_score: dict[int, float]) -> DocumentHit:
        build = self.build
        doc = build.documents[build.doc_ids[doc_row]]
        rows = sorted((r for r in np.flatnonzero(build.chunk_doc == doc_row).tolist()),
                      key=lambda r: -row_score.get(r, -1.0))
        snippets = [Snippet(build.chunks[r].section, build.chunks[r].text, row_score.get(r, -1.0)) for r in rows[:2]]
        meta = doc.meta
        return DocumentHit(doc.id, meta.title, meta.type, str(meta.url), meta.updated, score, dense, lexical, snippets)


def ranking_features(fused: np.ndarray, dense: np.ndarray, lexical: np.ndarray, whole: np.ndarray,
                     best_chunk: np.ndarray, words: int = 0) -> dict[str, float]:
    """Features of one ranking for the confidence model; every array is in ranking order.

    The first three are the original ones; the others were added because they do not fall with
    the question's length (a long story has lower raw similarities to every page):
    margin_z and top_z measure the lead in standard deviations of this question's own scores,
    agreement counts the signals (whole page, best section, words) that put the top page first;
    crowd counts the pages within CROWD_GAP of the first
    (sibling services); words is the question's length (log); lexical_margin is the top page's
    lexical lead over the runner-up. Searcher.rank adds sibling_sim (how alike the first two pages
    are) and title_cover (how much of the top page's title the question names).
    """
    margin = float(fused[0] - fused[1]) if len(fused) > 1 else float(fused[0])
    spread = fused[:SPREAD_DOCS]
    std = float(spread.std()) if len(spread) > 2 else 0.0
    std = max(std, 1e-3)
    agreement = sum(int(np.argmax(signal) == 0) for signal in (whole, best_chunk, lexical))
    return {
        "dense_top": float(dense[0]),
        "margin": margin,
        "lexical_top": float(lexical[0]),
        "margin_z": margin / std,
        "top_z": float(fused[0] - spread.mean()) / std,
        "agreement": float(agreement),
        "crowd": float(np.sum(fused[1:] >= fused[0] - CROWD_GAP)),
        "lexical_margin": float(lexical[0] - lexical[1]) if len(lexical) > 1 else float(lexical[0]),
        "words": float(np.log1p(words)),
    }


@lru_cache(maxsize=4096)
def _title_lemmas(title: str) -> frozenset[str]:
    return frozenset(lemmas(title))


def title_cover(title: str, expanded_query: str) -> float:
    """Share of the top page's title words (lemmas) that the question, as searched, contains."""
    words = _title_lemmas(title)
    return len(words & set(lemmas(expanded_query))) / len(words) if words else 0.0


def ask_back_options(result: SearchResult) -> list[DocumentHit]:
    """The services a "Meinten Sie …?" offers: the best 2-3, none far below the first."""
    best = result.hits[0].score if result.hits else 0.0
    options = [h for h in result.hits[:MAX_OPTIONS] if best - h.score <= OPTION_SCORE_GAP]
    return options if len(options) >= 2 else result.hits[:2]


def base_title(title: str) -> str:
    """The title without a trailing bracket: "Altersrente (Telefon-Termin)" -> "altersrente"."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", title).strip().casefold()


def forms_of_one_service(result: SearchResult) -> bool:
    """The first two services are one service in two forms, near-tied: their titles differ only
    in a trailing bracket ("Altersrente (Telefon-Termin)" / "Altersrente (Vor-Ort-Termin)")."""
    second = near_tie_second(result)
    top = result.top
    return (second is not None and top.title != second.title
            and base_title(top.title) == base_title(second.title) != "")


def near_tie_second(result: SearchResult) -> DocumentHit | None:
    """When the bot answers, the runner-up it would also have offered as a button (scores within
    OPTION_SCORE_GAP): mentioned below the answer instead of asking back."""
    if len(result.hits) < 2 or result.hits[0].score - result.hits[1].score > OPTION_SCORE_GAP:
        return None
    return result.hits[1]
