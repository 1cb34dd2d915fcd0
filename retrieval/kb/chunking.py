"""Split a document into chunks along its Markdown sections.

Every document yields one overview chunk (title, keywords and the opening text) and one
chunk per section; long sections are cut at sentence boundaries. Each chunk carries the
document title and its section heading, which the embedder puts in the model's
document prompt, so a chunk never loses the context of its page.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass

from retrieval.german_text import sentences
from retrieval.kb.documents import Document

MAX_CHARS = 900
OVERVIEW = "Überblick"
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_MD_MARK = re.compile(r"(\*\*|__|\\(?=[*_])|^#+\s*|^\s*[-*]\s+|^\s*\d+\.\s+)", re.MULTILINE)


@dataclass(frozen=True)
class Chunk:
    chunk_id: str  # "<doc id>#<n>"
    doc_id: str
    title: str
    section: str
    text: str  # Markdown, shown to citizens as the snippet
    content_hash: str  # what the embedding depends on

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def plain_text(markdown: str) -> str:
    """Markdown to plain text for embedding and lexical analysis."""
    text = _MD_LINK.sub(r"\1", markdown)
    text = _MD_MARK.sub("", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def sections(body: str) -> list[tuple[str, str]]:
    """[(heading, text)] in order; text before the first heading is the overview."""
    parts: list[tuple[str, str]] = []
    last_end, heading = 0, OVERVIEW
    for m in _HEADING.finditer(body):
        parts.append((heading, body[last_end : m.start()].strip()))
        heading, last_end = m.group(2).strip(), m.end()
    parts.append((heading, body[last_end:].strip()))
    return [(h, t) for h, t in parts if t]


def _pieces(text: str) -> list[str]:
    if len(text) <= MAX_CHARS:
        return [text]
    pieces, current = [], ""
    for paragraph in re.split(r"\n\s*\n", text):
        units = [paragraph] if len(paragraph) <= MAX_CHARS else sentences(paragraph)
        for unit in units:
            if current and len(current) + len(unit) + 2 > MAX_CHARS:
                pieces.append(current)
                current = ""
            current = f"{current}\n\n{unit}" if current else unit
    if current:
        pieces.append(current)
    return pieces


def chunk_document(doc: Document) -> list[Chunk]:
    meta = doc.meta
    parts = sections(doc.body)
    overview_text = parts[0][1] if parts and parts[0][0] == OVERVIEW else ""
    header = meta.title + (f"\nSuchbegriffe: {', '.join(meta.keywords)}" if meta.keywords else "")
    overview = f"{header}\n\n{overview_text[:MAX_CHARS]}".strip()
    raw = [(OVERVIEW, overview)]
    for heading, text in parts:
        if heading == OVERVIEW and len(overview_text) <= MAX_CHARS:
            continue  # already complete in the overview chunk
        raw += [(heading, piece) for piece in _pieces(text)]
    chunks = []
    for n, (heading, text) in enumerate(raw):
        digest = hashlib.sha256(f"{meta.title}\x1f{heading}\x1f{text}".encode()).hexdigest()
        chunks.append(Chunk(f"{doc.id}#{n}", doc.id, meta.title, heading, text, digest))
    return chunks


WHOLE_DOCUMENT_MAX_CHARS = 6000  # about the model's 2048-token window


def whole_document(doc: Document) -> tuple[str, str, str]:
    """(title, text, hash) of the page as one passage: the second dense view of a document.

    Chunks find the section that answers; the whole page tells which service a question is
    about. Retrieval averages both (measured in docs/benchmarks.md).
    """
    meta = doc.meta
    keywords = f"\nSuchbegriffe: {', '.join(meta.keywords)}" if meta.keywords else ""
    text = f"{meta.title}{keywords}\n\n{plain_text(doc.body)}"[:WHOLE_DOCUMENT_MAX_CHARS]
    return meta.title, text, hashlib.sha256(f"{meta.title}\x1f{text}".encode()).hexdigest()
