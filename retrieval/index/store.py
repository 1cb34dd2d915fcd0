"""Reading index builds: one immutable folder per build, ``current`` points at the live one.

Layout of ``index_dir``::

    builds/<build id>/manifest.json    model, dimension, index type, documents with hashes,
                                       and the SHA-256 of every other file in the build
                     documents.jsonl   parsed documents (kept for broken-file fallback)
                     translations.jsonl the pages' versions in other languages and Leichte Sprache
                     offices.json
                     chunks.jsonl
                     vectors.faiss     chunk vectors (exact or HNSW)
                     documents.npy     one whole-page vector per document, in id order
                     lexical.json      lemmas per document
    current -> builds/<build id>       swapped atomically (symlink + rename)

A build is written completely before ``current`` moves, so a reader sees either the old or
the new build, never a mix. Loading checks every file's digest; a damaged build is refused
and the newest intact one is used instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from retrieval.index.lexical import LexicalIndex
from retrieval.kb.chunking import Chunk
from retrieval.kb.documents import Document
from retrieval.kb.offices import Office

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
BUILDS = "builds"
CURRENT = "current"
DATA_FILES = ("documents.jsonl", "translations.jsonl", "offices.json", "chunks.jsonl", "vectors.faiss", "documents.npy", "lexical.json")


class IndexUnavailableError(RuntimeError):
    """No usable index build exists (never built, or every build is damaged)."""


class IndexCorruptedError(IndexUnavailableError):
    """A build's files are missing or do not match its manifest."""


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class IndexBuild:
    path: Path
    manifest: dict[str, Any]
    documents: dict[str, Document]
    offices: dict[str, Office]
    chunks: list[Chunk]
    vectors: faiss.Index
    chunk_vectors: np.ndarray
    doc_ids: list[str]
    doc_vectors: np.ndarray
    chunk_doc: np.ndarray  # document row of every chunk
    lexical: LexicalIndex
    # (German page id, language) -> the page in that language (retrieval/kb/knowledge_base.py)
    translations: dict[tuple[str, str], Document] = field(default_factory=dict)

    def translation(self, doc_id: str, lang: str) -> Document | None:
        return self.translations.get((doc_id, lang))

    @property
    def build_id(self) -> str:
        return self.manifest["build_id"]

    @cached_property
    def doc_row(self) -> dict[str, int]:
        return {doc_id: i for i, doc_id in enumerate(self.doc_ids)}

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @classmethod
    def load(cls, path: Path) -> IndexBuild:
        manifest_path = path / "manifest.json"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise IndexCorruptedError(f"{manifest_path}: Manifest fehlt oder ist beschädigt ({e})") from None
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexCorruptedError(f"{manifest_path}: unbekanntes Indexformat {manifest.get('format')}")
        for name, digest in manifest["files"].items():
            file = path / name
            if not file.is_file() or file_sha256(file) != digest:
                raise IndexCorruptedError(f"{file}: fehlt oder passt nicht zum Manifest")
        documents = {}
        for line in (path / "documents.jsonl").read_text(encoding="utf-8").splitlines():
            doc = Document.model_validate_json(line)
            documents[doc.id] = doc
        translations = {}
        if (path / "translations.jsonl").is_file():  # builds from before translations have none
            for line in (path / "translations.jsonl").read_text(encoding="utf-8").splitlines():
                doc = Document.model_validate_json(line)
                translations[(doc.meta.translation_of, doc.meta.lang)] = doc
        offices = {o["id"]: Office.model_validate(o) for o in json.loads((path / "offices.json").read_text(encoding="utf-8"))}
        chunks = [Chunk(**json.loads(line)) for line in (path / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
        vectors = faiss.read_index(str(path / "vectors.faiss"))
        if vectors.ntotal != len(chunks) or vectors.d != manifest["dim"]:
            raise IndexCorruptedError(f"{path}: Vektoranzahl oder Dimension passt nicht zum Manifest")
        doc_vectors = np.load(path / "documents.npy", allow_pickle=False)
        lexical_data = json.loads((path / "lexical.json").read_text(encoding="utf-8"))
        doc_ids = list(manifest["documents"])
        if lexical_data["doc_ids"] != doc_ids or doc_vectors.shape != (len(doc_ids), manifest["dim"]):
            raise IndexCorruptedError(f"{path}: Dokumentvektoren passen nicht zum Manifest")
        row = {doc_id: i for i, doc_id in enumerate(doc_ids)}
        chunk_doc = np.array([row[c.doc_id] for c in chunks], dtype=np.int64)
        chunk_vectors = vectors.reconstruct_n(0, vectors.ntotal) if vectors.ntotal else np.zeros((0, vectors.d), np.float32)
        lexical = LexicalIndex(doc_ids, lexical_data["lemmas"])
        return cls(path, manifest, documents, offices, chunks, vectors, chunk_vectors, doc_ids, doc_vectors,
                   chunk_doc, lexical, translations)


def builds_dir(index_dir: Path) -> Path:
    return index_dir / BUILDS


def current_build_path(index_dir: Path) -> Path | None:
    link = index_dir / CURRENT
    try:
        return (index_dir / os.readlink(link)).resolve()
    except OSError:
        return None


def load_latest_good(index_dir: Path) -> IndexBuild:
    """The build ``current`` points at, or else the newest intact one."""
    current = current_build_path(index_dir)
    candidates = [current] if current else []
    if builds_dir(index_dir).is_dir():
        older = sorted((p for p in builds_dir(index_dir).iterdir() if p.is_dir() and not p.name.startswith(".")),
                       reverse=True)
        candidates += [p for p in older if p != current]
    problems = []
    for path in candidates:
        try:
            build = IndexBuild.load(path)
        except IndexCorruptedError as e:
            problems.append(str(e))
            log.error("Indexbuild unbrauchbar, versuche älteren: %s", e)
            continue
        return build
    if not candidates:
        raise IndexUnavailableError(f"Kein Index in {index_dir}. Bitte `kommunalbot kb build` ausführen.")
    raise IndexUnavailableError("Kein intakter Index gefunden:\n" + "\n".join(problems))
