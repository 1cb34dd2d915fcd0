"""Build an index from the knowledge-base folder: incremental, atomic, forgiving.

- Only chunks whose content hash is new are embedded; the rest reuse the live build's vectors.
- A file with errors is reported and the live build's version of that document is kept.
- The new build is written to a hidden folder, renamed into place, and only then does
  ``current`` move (rename of a symlink is atomic on POSIX).
- A build that would drop most of the live documents (a truncated checkout, a wrong
  folder) is refused unless forced.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np

from retrieval.german_text import lemmas
from retrieval.index.lexical import document_text
from retrieval.index.store import (
    BUILDS,
    CURRENT,
    DATA_FILES,
    FORMAT_VERSION,
    IndexBuild,
    IndexUnavailableError,
    builds_dir,
    current_build_path,
    file_sha256,
    load_latest_good,
)
from retrieval.kb.chunking import Chunk, chunk_document, whole_document
from retrieval.kb.documents import Document
from retrieval.kb.findings import Finding
from retrieval.kb.knowledge_base import load_knowledge_base
from retrieval.kb.offices import OFFICES_FILE, Office
from retrieval.model.embedder import Embedder
from retrieval.settings import RetrievalSettings

HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96


class BuildRefusedError(RuntimeError):
    """The new build would lose too much of the live index."""


@dataclass
class BuildReport:
    build_id: str
    path: Path
    documents: int
    chunks: int
    embedded: int
    reused: int
    index_type: str
    seconds: float
    findings: list[Finding] = field(default_factory=list)
    kept_previous: list[str] = field(default_factory=list)  # sources whose old version was kept
    dropped: list[str] = field(default_factory=list)  # broken sources with no old version


def make_vector_index(vectors: np.ndarray, exact_max: int) -> tuple[faiss.Index, str]:
    """Exact inner product for small indexes, HNSW above ``exact_max`` vectors."""
    dim = vectors.shape[1]
    if len(vectors) <= exact_max:
        index, kind = faiss.IndexFlatIP(dim), "flat"
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        kind = "hnsw"
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, kind


def _fsync_write(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _previous_build(index_dir: Path) -> IndexBuild | None:
    try:
        return load_latest_good(index_dir)
    except IndexUnavailableError:
        return None


def build_index(
    kb_dir: Path,
    settings: RetrievalSettings,
    embedder: Embedder,
    progress: Callable[[int, int], None] | None = None,
    force: bool = False,
) -> BuildReport:
    """Build, write and promote a new index. ``progress(done, total)`` counts embedded passages."""
    started = time.perf_counter()
    kb = load_knowledge_base(kb_dir)
    # A store from before the stores were kept per folder (the index root itself) still counts
    # as this folder's previous build: its vectors are reused and the shrink guard compares to it.
    previous = _previous_build(settings.index_for(kb_dir)) or _previous_build(settings.index_dir)

    documents: dict[str, Document] = dict(kb.documents)
    translations: dict[tuple[str, str], Document] = dict(kb.translations)
    offices: dict[str, Office] = dict(kb.offices)
    kept, dropped = [], []
    for source in sorted(kb.broken_sources):
        if source == OFFICES_FILE:
            if previous:
                offices = dict(previous.offices)
                kept.append(source)
            continue
        old = [d for d in previous.documents.values() if d.source == source] if previous else []
        usable = [d for d in old if d.id not in documents]
        for doc in usable:
            documents[doc.id] = doc
        old_translations = {k: d for k, d in previous.translations.items() if d.source == source} if previous else {}
        usable_translations = {k: d for k, d in old_translations.items() if k not in translations and k[0] in documents}
        translations.update(usable_translations)
        (kept if usable or usable_translations else dropped).append(source)

    if previous and not force and len(documents) < (1 - settings.max_document_loss) * len(previous.documents):
        raise BuildRefusedError(
            f"Der neue Index hätte nur {len(documents)} von bisher {len(previous.documents)} Dokumenten. "
            f"Falscher Ordner oder unvollständiger Stand? Bauen trotzdem: kommunalbot kb build {kb_dir} --force"
        )

    report = build_from_documents(list(documents.values()), offices, settings, embedder, kb_dir,
                                  kb.findings, progress, previous, list(translations.values()))
    report.kept_previous, report.dropped = kept, dropped
    report.seconds = time.perf_counter() - started
    return report


def build_from_documents(
    documents: list[Document], offices: dict[str, Office], settings: RetrievalSettings, embedder: Embedder,
    kb_dir: Path, findings: list[Finding] | None = None, progress: Callable[[int, int], None] | None = None,
    previous: IndexBuild | None = None, translations: list[Document] | None = None,
) -> BuildReport:
    """Embed, write and promote a build of exactly these documents (and their translations)."""
    started = time.perf_counter()
    ordered = sorted(documents, key=lambda d: d.id)
    chunks, chunk_vectors, doc_vectors, wholes, embedded = embed_documents(ordered, embedder, previous, progress)
    vector_index, index_type = make_vector_index(chunk_vectors, settings.exact_index_max_chunks)
    build_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    manifest = {
        "format": FORMAT_VERSION,
        "build_id": build_id,
        "created": datetime.now(timezone.utc).isoformat(),
        "model": embedder.name,
        "runtime": embedder.runtime,
        "dim": embedder.dim,
        "normalized": True,
        "metric": "inner_product",
        "index_type": index_type,
        "kb_dir": str(kb_dir),
        "documents": {d.id: {"source": d.source, "content_hash": d.content_hash} for d in ordered},
        "chunks": len(chunks),
        "whole_hashes": [w[2] for w in wholes],
        "findings": [str(f) for f in findings or []],
    }
    store = settings.index_for(kb_dir)
    path = _write_build(store, build_id, manifest, ordered, offices, chunks, vector_index, doc_vectors,
                        sorted(translations or [], key=lambda d: d.id))
    _promote(store, path)
    _collect_garbage(store, settings.keep_builds)
    return BuildReport(build_id, path, len(ordered), len(chunks), embedded, len(chunks) + len(wholes) - embedded,
                       index_type, time.perf_counter() - started, list(findings or []))

def embed_documents(
    ordered: list[Document], embedder: Embedder, previous: IndexBuild | None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Chunk], np.ndarray, np.ndarray, list[tuple[str, str, str]], int]:
    """Chunk and embed documents, reusing every vector the previous build already has."""
    chunks: list[Chunk] = [c for d in ordered for c in chunk_document(d)]
    wholes = [whole_document(d) for d in ordered]
    # Everything embedded, in one list: the chunks, then one whole-page passage per document.
    items = [(c.title, c.text, c.content_hash) for c in chunks] + wholes

    cached: dict[str, np.ndarray] = {}
    # Vectors from another model or runtime (e.g. PyTorch vs. ONNX 8 bit) are not reused.
    if (previous and previous.model == embedder.name and previous.manifest.get("runtime") == embedder.runtime
            and previous.manifest["dim"] == embedder.dim):
        old_hashes = [c.content_hash for c in previous.chunks] + previous.manifest["whole_hashes"]
        old_vectors = np.vstack([previous.chunk_vectors, previous.doc_vectors])
        cached = dict(zip(old_hashes, old_vectors))
    vectors = np.zeros((len(items), embedder.dim), dtype=np.float32)
    todo = []
    for i, (_, _, digest) in enumerate(items):
        if digest in cached:
            vectors[i] = cached[digest]
        else:
            todo.append(i)
    if progress:
        progress(0, len(todo))
    if todo:
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, len(todo))

        vectors[todo] = embedder.encode_documents([items[i][:2] for i in todo], progress=tick)
    chunk_vectors, doc_vectors = vectors[: len(chunks)], vectors[len(chunks):]

    return chunks, chunk_vectors, doc_vectors, wholes, len(todo)


def _write_build(index_dir: Path, build_id: str, manifest: dict, documents: list[Document],
                 offices: dict[str, Office], chunks: list[Chunk], vector_index: faiss.Index,
                 doc_vectors: np.ndarray, translations: list[Document]) -> Path:
    root = builds_dir(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{build_id}"
    tmp.mkdir()
    try:
        files = {
            "documents.jsonl": "".join(d.model_dump_json() + "\n" for d in documents).encode(),
            "translations.jsonl": "".join(d.model_dump_json() + "\n" for d in translations).encode(),
            "offices.json": json.dumps([o.model_dump(mode="json") for o in offices.values()], ensure_ascii=False).encode(),
            "chunks.jsonl": "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in chunks).encode(),
            "vectors.faiss": faiss.serialize_index(vector_index).tobytes(),
            "documents.npy": _npy_bytes(doc_vectors),
            "lexical.json": json.dumps({"doc_ids": [d.id for d in documents],
                                        "lemmas": [lemmas(document_text(d)) for d in documents]},
                                       ensure_ascii=False).encode(),
        }
        assert set(files) == set(DATA_FILES)
        for name, data in files.items():
            _fsync_write(tmp / name, data)
        manifest["files"] = {name: file_sha256(tmp / name) for name in files}
        _fsync_write(tmp / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        _fsync_dir(tmp)
        final = root / build_id
        tmp.rename(final)
        _fsync_dir(root)
        return final
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
    return buffer.getvalue()


def _promote(index_dir: Path, build_path: Path) -> None:
    """Point ``current`` at ``build_path`` with one atomic rename."""
    tmp_link = index_dir / f".{CURRENT}.{os.getpid()}"
    if tmp_link.is_symlink():
        tmp_link.unlink()
    os.symlink(Path(BUILDS) / build_path.name, tmp_link)
    os.replace(tmp_link, index_dir / CURRENT)
    _fsync_dir(index_dir)


def promote_build(index_dir: Path, build_id: str) -> Path:
    """Make an existing build live again (rollback). Refuses a damaged build."""
    path = builds_dir(index_dir) / build_id
    IndexBuild.load(path)
    _promote(index_dir, path)
    return path


def _collect_garbage(index_dir: Path, keep: int) -> None:
    current = current_build_path(index_dir)
    builds = sorted((p for p in builds_dir(index_dir).iterdir() if p.is_dir()), reverse=True)
    for path in builds:
        if path.name.startswith(".tmp-") and time.time() - path.stat().st_mtime > 3600:
            shutil.rmtree(path, ignore_errors=True)  # left behind by a crashed build
    finished = [p for p in builds if not p.name.startswith(".") and p != current]
    for path in finished[keep:]:
        shutil.rmtree(path, ignore_errors=True)
