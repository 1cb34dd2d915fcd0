"""Content gaps: what citizens asked that the pages do not answer, grouped by meaning.

Collected: questions the bot declined, asked back on without a button being chosen, or answered
and got "nicht hilfreich" for. Grouped by agglomerative clustering (complete linkage on cosine
distance, SciPy) of the search's own vectors of the questions (the shared embedding's query
prompt on the expanded question), computed once per question and stored (``question_vectors``);
the distance threshold was measured on a set of our own (benchmarks/gap_clustering.py,
docs/benchmarks.md). Each group gets the page nearest
in meaning and a suggestion for the editors. Groups an editor marked as handled are recognised
by their centre; one that comes back after the knowledge base changed is flagged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sqlalchemy.exc import IntegrityError

from bot.db import reporting
from bot.db.models import GapReview
from bot.db.repository import as_utc
from bot.db.session import Database

# Measured on benchmarks/data/gap_questions_fit.jsonl with google/embeddinggemma-300m (the
# threshold of the best adjusted Rand index; benchmarks/gap_clustering.py). Another model needs
# its own measurement: the threshold is a cosine distance in that model's space. With complete
# linkage every two questions of a group are at most this far apart.
DISTANCE_THRESHOLD = 0.70
LINKAGE = "complete"
MAX_QUESTIONS = 20_000  # the newest ones; the distance matrix grows with the square
# A group whose nearest page scores at least this is about that page (the wording is missing, not
# the page); below it the page is missing. Measured on the same set (benchmarks/gap_clustering.py).
PAGE_COVERS_SCORE = 0.54
PAGE_VIEW_EMBEDDINGS = 500  # at most this many questions embedded while an editor waits (~13 s on 2 cores)
MIN_EXAMPLES_SIZE = 3  # examples only from groups this large: no single citizen is quotable
EXAMPLES = 3

DECLINED, NOT_CHOSEN, DISLIKED = "nicht beantwortet", "Rückfrage ohne Auswahl", "nicht hilfreich bewertet"
NEW_PAGE, ADD_TERMS, CHECK_PAGE = "neue Seite", "Suchbegriffe ergänzen", "Seite prüfen"
OPEN, HANDLED, RECURRING = "offen", "erledigt", "wieder aufgetreten"


@dataclass(frozen=True)
class GapQuestion:
    id: int  # the citizen message's id
    created_at: datetime
    text: str  # masked, as stored
    lang: str
    reason: str  # DECLINED | NOT_CHOSEN | DISLIKED
    page: str | None  # the answered page (DISLIKED) or the first offered one (NOT_CHOSEN)


@dataclass(frozen=True)
class NearestPage:
    id: str
    title: str
    score: float


@dataclass
class GapCluster:
    id: str
    questions: list[GapQuestion]  # of the period
    previous: int  # questions of the previous period in this group
    centroid: np.ndarray
    nearest: NearestPage | None = None
    suggestion: str = NEW_PAGE
    page: NearestPage | None = None  # the page the suggestion is about
    status: str = OPEN
    review: GapReview | None = None
    since_review: int = 0  # questions after the review
    examples: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.questions)

    @property
    def trend(self) -> int:
        return self.size - self.previous

    def reasons(self) -> Counter[str]:
        return Counter(q.reason for q in self.questions)

    def suggestion_text(self) -> str:
        return self.suggestion if self.page is None else f"{self.suggestion}: „{self.page.title}“"

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "size": self.size, "previous_size": self.previous,
                "questions": [q.text for q in self.questions],
                "nearest_page": None if self.nearest is None else
                {"id": self.nearest.id, "title": self.nearest.title, "score": round(self.nearest.score, 3)},
                "suggestion": self.suggestion_text(), "status": self.status,
                "reasons": dict(self.reasons().most_common())}


@dataclass
class GapGroups:
    clusters: list[GapCluster]
    waiting: int = 0  # questions of the period still without a vector (see Gaps.clusters)


class Knowledge(Protocol):
    """What the gaps need of the live index (bot/live_index.LiveIndex)."""

    def gap_vectors(self, questions: Sequence[tuple[str, str]]) -> np.ndarray: ...
    def nearest_pages(self, vectors: np.ndarray) -> list[tuple[str, str, float]]: ...
    def build_id(self) -> str: ...
    def model_name(self) -> str: ...


def cluster_labels(vectors: np.ndarray, threshold: float = DISTANCE_THRESHOLD, method: str = LINKAGE) -> np.ndarray:
    """Group labels (0..k-1) of normalised vectors: hierarchical clustering on cosine distance, cut at
    ``threshold``. The distances come from one matrix product (BLAS), far faster than SciPy's own."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=np.int64)
    vectors = np.asarray(vectors, dtype=np.float32)
    distances = 1.0 - vectors @ vectors.T
    np.fill_diagonal(distances, 0.0)
    np.clip(distances, 0.0, 2.0, out=distances)
    tree = linkage(squareform(distances, checks=False).astype(np.float64), method=method)
    return fcluster(tree, threshold, criterion="distance") - 1


def suggest(cluster: GapCluster) -> None:
    """The editors' next step: check a page people found unhelpful, add the citizens' words to a page
    that covers the group, or write a new page."""
    disliked = [q.page for q in cluster.questions if q.reason == DISLIKED and q.page]
    if disliked and 2 * len(disliked) >= cluster.size and cluster.nearest is not None:
        page_id = Counter(disliked).most_common(1)[0][0]
        cluster.suggestion = CHECK_PAGE
        cluster.page = cluster.nearest if cluster.nearest.id == page_id else NearestPage(page_id, page_id, 0.0)
    elif cluster.nearest is not None and cluster.nearest.score >= PAGE_COVERS_SCORE:
        cluster.suggestion, cluster.page = ADD_TERMS, cluster.nearest
    else:
        cluster.suggestion, cluster.page = NEW_PAGE, None


class Gaps:
    def __init__(self, db: Database, knowledge: Knowledge):
        self.db, self.knowledge = db, knowledge

    def questions(self, start: datetime, end: datetime) -> list[GapQuestion]:
        found: dict[int, GapQuestion] = {}
        with self.db.session() as s:
            for qid, created, text, payload, outcome, retrieved, next_intent in reporting.gap_questions(s, start, end):
                if outcome == "clarify" and next_intent == "choose_service":
                    continue
                reason = DECLINED if outcome == "decline" else NOT_CHOSEN
                found[qid] = GapQuestion(qid, as_utc(created), text, _lang(payload), reason, (retrieved or [None])[0])
            for qid, created, text, payload, answer in reporting.disliked_answers(s, start, end):
                ids = (answer or {}).get("service_ids") or [None]
                found[qid] = GapQuestion(qid, as_utc(created), text, _lang(payload), DISLIKED, ids[0])
        questions = sorted((q for q in found.values() if q.text.strip()), key=lambda q: q.id)
        return questions[-MAX_QUESTIONS:]

    def vectors(self, questions: Sequence[GapQuestion], embed_at_most: int | None = None
                ) -> tuple[list[GapQuestion], np.ndarray]:
        """The questions that have a search vector, and those vectors: stored ones, and up to
        ``embed_at_most`` missing ones (the newest) computed now and stored; the rest wait for the
        maintenance run."""
        model = self.knowledge.model_name()
        with self.db.session() as s:
            stored = reporting.question_vectors(s, [q.id for q in questions], model)
        missing = [q for q in questions if q.id not in stored]
        if embed_at_most is not None:
            missing = missing[len(missing) - embed_at_most:] if embed_at_most else []
        if missing:
            computed = self.knowledge.gap_vectors([(q.text, q.lang) for q in missing])
            new = {q.id: v.astype(np.float16).tobytes() for q, v in zip(missing, computed)}
            try:
                with self.db.session() as s:
                    reporting.store_question_vectors(s, new, model)
            except IntegrityError:  # another worker stored them meanwhile; ours are the same
                pass
            stored.update(new)
        ready = [q for q in questions if q.id in stored]
        if not ready:
            return [], np.zeros((0, 0), dtype=np.float32)
        vectors = np.stack([np.frombuffer(stored[q.id], dtype=np.float16) for q in ready]).astype(np.float32)
        return ready, vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)

    def remember(self, start: datetime, end: datetime, limit: int) -> int:
        """Compute the vectors of up to ``limit`` more of the period's questions (the newest) ahead of
        the page view, in the background; returns how many questions have them now."""
        return len(self.vectors(self.questions(start, end), embed_at_most=limit)[0])

    def clusters(self, start: datetime, end: datetime, previous_start: datetime,
                 titles: Callable[[str], str] | None = None, embed_at_most: int | None = None) -> GapGroups:
        """The groups of the period start..end, largest first; ``previous_start``..start is the period
        they are compared with. ``embed_at_most``: embed no more than this many questions now (a page
        view must not wait minutes); questions still without a vector are counted as waiting."""
        current_all = self.questions(start, end)
        earlier_all = self.questions(previous_start, start)
        current, current_vectors = self.vectors(current_all, embed_at_most)
        earlier, earlier_vectors = self.vectors(earlier_all, 0 if embed_at_most is not None else None)
        waiting = len(current_all) - len(current)
        if not current:
            return GapGroups([], waiting)
        everything = current + earlier
        vectors = np.concatenate([current_vectors, earlier_vectors]) if earlier else current_vectors
        labels = cluster_labels(vectors)
        clusters: list[GapCluster] = []
        for label in sorted(set(labels[: len(current)].tolist())):
            members = np.flatnonzero(labels == label)
            now = [everything[i] for i in members if i < len(current)]
            centroid = vectors[members].mean(axis=0)
            centroid /= np.linalg.norm(centroid) or 1.0
            cluster = GapCluster(f"g{min(q.id for q in now)}", now, len(members) - len(now), centroid)
            if cluster.size >= MIN_EXAMPLES_SIZE:
                typical = sorted(range(len(now)), key=lambda i: -float(vectors[members[i]] @ centroid))
                cluster.examples = [now[i].text for i in typical[:EXAMPLES]]
            clusters.append(cluster)
        for cluster, (page_id, title, score) in zip(
                clusters, self.knowledge.nearest_pages(np.stack([c.centroid for c in clusters]))):
            cluster.nearest = NearestPage(page_id, title, score)
            suggest(cluster)
            if cluster.page is not None and titles is not None and cluster.page.title == cluster.page.id:
                cluster.page = NearestPage(cluster.page.id, titles(cluster.page.id), cluster.page.score)
        self._apply_reviews(clusters)
        return GapGroups(sorted(clusters, key=lambda c: (-c.size, -c.trend, c.id)), waiting)

    def _apply_reviews(self, clusters: list[GapCluster]) -> None:
        """A group near a handled one (within the clustering threshold) is that group: handled, or
        flagged when questions came after the review although the knowledge base changed since."""
        with self.db.session() as s:
            reviews = [r for r in reporting.gap_reviews(s) if r.model == self.knowledge.model_name()]
        if not reviews or not clusters:
            return
        centres = np.array([r.centroid for r in reviews], dtype=np.float32)
        build = self.knowledge.build_id()
        for cluster in clusters:
            near = np.flatnonzero(1.0 - centres @ cluster.centroid <= DISTANCE_THRESHOLD)
            if not len(near):
                continue
            review = reviews[int(near[-1])]  # the latest review of this group
            cluster.review = review
            cluster.since_review = sum(q.created_at > as_utc(review.handled_at) for q in cluster.questions)
            changed = review.kb_build != build
            cluster.status = RECURRING if cluster.since_review and changed else HANDLED

    def mark_handled(self, cluster: GapCluster, by: str, note: str) -> None:
        with self.db.session() as s:
            reporting.add_gap_review(s, GapReview(
                centroid=[round(float(x), 6) for x in cluster.centroid], model=self.knowledge.model_name(),
                note=note.strip()[:2000], handled_by=by, kb_build=self.knowledge.build_id()))


def _lang(payload: dict | None) -> str:
    return str((payload or {}).get("lang") or "de")
