"""The live knowledge: the current index build, its searcher, and the office calendar.

``LiveIndex`` follows the index: when ``kb build`` (or the console's reindex) moves the
``current`` pointer, the next request loads the new build and swaps it in. Requests already
running finish on the build they started with. A damaged new build is refused and the old
one keeps serving.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.dialogue.office_hours import OfficeCalendar
from bot.rasa.components import intent_vector
from bot.settings import Settings
from retrieval.index.store import IndexBuild, IndexUnavailableError, current_build_path, load_latest_good
from retrieval.model.embedder import INTENT_PROMPT, Embedder, load_embedder
from retrieval.search.searcher import MAX_QUERY_CHARS, Searcher, SearchResult

log = logging.getLogger(__name__)
RELOAD_CHECK_SECONDS = 2.0
QUERY_CACHE_SIZE = 2048


class QueryVectorCache:
    """Query text -> vector. NLU embeds each message once; the action reuses the vector."""

    def __init__(self, size: int = QUERY_CACHE_SIZE):
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            vector = self._items.get(key)
            if vector is not None:
                self._items.move_to_end(key)
            return vector

    def put(self, key: str, vector: np.ndarray) -> None:
        with self._lock:
            self._items[key] = vector
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class LiveIndex:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.store = settings.index_for()  # the served knowledge base's index store
        self.embedder = embedder or load_embedder(settings)
        self.calendar = OfficeCalendar(settings.federal_state, settings.timezone)
        self.cache = QueryVectorCache()
        self.intent_cache = QueryVectorCache()
        self._searcher: Searcher | None = None
        self._loaded_path: Path | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.last_error: str | None = None

    @property
    def searcher(self) -> Searcher:
        self._maybe_reload()
        if self._searcher is None:
            raise IndexUnavailableError(self.last_error or "Kein Suchindex geladen.")
        return self._searcher

    @property
    def build(self) -> IndexBuild:
        return self.searcher.build

    def reload(self) -> None:
        """Load the current (or newest intact) build; keep the old one if that fails."""
        with self._lock:
            try:
                build = load_latest_good(self.store)
                if self._searcher is None or build.path != self._searcher.build.path:
                    self._searcher = Searcher(build, self.embedder, self.settings)
                    log.info("Index %s geladen (%d Dokumente)", build.build_id, len(build.documents))
                self._loaded_path = current_build_path(self.store)
                self.last_error = None
            except (IndexUnavailableError, ValueError) as e:
                self.last_error = str(e)
                self._loaded_path = current_build_path(self.store)  # do not retry in a loop
                log.error("Index nicht geladen, der bisherige bleibt aktiv: %s", e)
            self._checked = time.monotonic()

    def _maybe_reload(self) -> None:
        if self._searcher is not None and time.monotonic() - self._checked < RELOAD_CHECK_SECONDS:
            return
        if self._searcher is None or current_build_path(self.store) != self._loaded_path:
            self.reload()
        self._checked = time.monotonic()

    def _query_vector(self, searcher: Searcher, expanded: str) -> np.ndarray:
        """The vector retrieval uses for an expanded query, computed once (see intent_vectors)."""
        vector = self.cache.get(expanded)
        if vector is None:
            vector = searcher.embed_query(expanded)
            self.cache.put(expanded, vector)
        return vector

    def intent_vectors(self, texts: list[str], lang: str = "de") -> np.ndarray:
        """Features for Rasa's intent classifier: the texts under the model's classification prompt.
        ``lang``: the message's language, for the search vector computed alongside."""
        if len(texts) != 1:  # Rasa's training batches
            return self.embedder.encode_prompted([(INTENT_PROMPT, t) for t in texts])
        text = texts[0]
        intent = self.intent_cache.get(text)
        if intent is not None:
            return intent[None, :]
        # A live message: its search vector is computed in the same call (the two texts run side
        # by side) and cached for the retrieval that follows, so each message is embedded once per prompt.
        searcher = self.searcher
        expanded = searcher.expand(text.strip()[:MAX_QUERY_CHARS], lang)
        if self.cache.get(expanded) is not None:
            intent = self.embedder.encode_prompted([(INTENT_PROMPT, text)])[0]
        else:
            intent, query = self.embedder.encode_prompted([(INTENT_PROMPT, text), ("query", expanded)])
            self.cache.put(expanded, query)
        self.intent_cache.put(text, intent)
        return intent[None, :]

    def message_metadata(self, text: str, lang: str = "de") -> dict[str, str]:
        """What goes to Rasa with a message: its intent vector, so Rasa's classifier needs no call back.

        The search vector is computed in the same model run and cached for the action that follows.
        Button payloads ("/request_human") need none: Rasa takes their intent from the text.
        """
        if text.startswith("/"):
            return {}
        try:
            return {intent_vector.METADATA_KEY: intent_vector.encode(self.intent_vectors([text], lang)[0])}
        except Exception:  # noqa: BLE001 - without it Rasa embeds through its fallback call
            log.exception("Einbettung für Rasa fehlgeschlagen")
            return {}

    def search(self, text: str, exclude: frozenset[str] = frozenset(), lang: str = "de") -> SearchResult:
        searcher = self.searcher
        text = text.strip()[:MAX_QUERY_CHARS]
        if not text:
            return SearchResult(text, text, [], 0.0)
        expanded = searcher.expand(text, lang)
        return searcher.rank(text, expanded, self._query_vector(searcher, expanded), k=10, exclude=exclude,
                             lang=lang)

    # --- for the content gaps (bot/reports/gaps.py) ---

    def gap_vectors(self, questions: Sequence[tuple[str, str]]) -> np.ndarray:
        """Citizen questions (text, language) as the search embeds them: expanded, query prompt."""
        searcher = self.searcher
        return self.embedder.encode_prompted(
            [("query", searcher.expand(text.strip()[:MAX_QUERY_CHARS], lang)) for text, lang in questions])

    def nearest_pages(self, vectors: np.ndarray) -> list[tuple[str, str, float]]:
        build = self.build
        return [(doc_id, build.documents[doc_id].meta.title, score)
                for doc_id, score in self.searcher.nearest_documents(vectors)]

    def build_id(self) -> str:
        return self.build.build_id

    def model_name(self) -> str:
        return self.embedder.name
