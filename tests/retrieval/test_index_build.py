"""Index builds: incremental, forgiving with broken files, atomic, and self-checking on load."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retrieval.cli import kb_app
from retrieval.index.build import BuildRefusedError, build_index, promote_build
from retrieval.index.store import (
    BUILDS,
    CURRENT,
    IndexBuild,
    IndexUnavailableError,
    builds_dir,
    current_build_path,
    load_latest_good,
)
from retrieval.model.embedder import HashingEmbedder
from retrieval.search.searcher import Searcher
from tests.conftest import OFFICES_YAML, page

LONG = "\n\n".join(f"## Abschnitt {i}\n\n" + "Ein Satz über Gebühren und Fristen. " * 12 for i in range(4))


class CountingEmbedder(HashingEmbedder):
    """The test embedder, counting how many passages it had to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def encode_documents(self, items, progress=None):
        self.embedded += len(items)
        return super().encode_documents(items, progress)


@pytest.fixture
def kb(write_kb):
    return write_kb({
        "offices.yaml": OFFICES_YAML,
        "leistungen/hund.md": page("hund", "Hundesteuer", "Hunde anmelden.\n\n" + LONG, offices="[amt]"),
        "leistungen/perso.md": page("perso", "Personalausweis", "Ausweis beantragen.\n\n## Kosten\n\n37 Euro"),
        "faq/muell.md": page("muell", "Sperrmüll", "Sperrmüll abholen lassen."),
    })


def test_build_then_search(kb, hashing_settings):
    embedder = CountingEmbedder()
    report = build_index(kb, hashing_settings, embedder)
    assert (report.documents, report.index_type, report.reused) == (3, "flat", 0)
    assert embedder.embedded == report.embedded == report.chunks + report.documents
    build = load_latest_good(hashing_settings.index_for(kb))
    assert build.manifest["model"] == "hashing-ngrams" and build.manifest["dim"] == 256
    assert set(build.manifest["documents"]) == {"hund", "muell", "perso"}
    hit = Searcher(build, embedder, hashing_settings).search("Hundesteuer").hits[0]
    assert hit.doc_id == "hund" and hit.url == "https://example.org/hund" and hit.snippets


def test_incremental_add_change_delete(kb, hashing_settings):
    embedder = CountingEmbedder()
    build_index(kb, hashing_settings, embedder)

    embedder.embedded = 0
    unchanged = build_index(kb, hashing_settings, embedder)
    assert embedder.embedded == 0 and unchanged.embedded == 0

    (kb / "leistungen/perso.md").write_text(page("perso", "Personalausweis", "Ausweis beantragen.\n\n## Kosten\n\n22,80 Euro"))
    (kb / "faq/neu.md").write_text(page("neu", "Wohngeld", "Zuschuss zur Miete."))
    (kb / "faq/muell.md").unlink()
    changed = build_index(kb, hashing_settings, embedder)
    # perso: its "Kosten" chunk and the whole page; neu: overview chunk and whole page.
    assert changed.embedded == embedder.embedded == 4
    build = load_latest_good(hashing_settings.index_for(kb))
    assert set(build.documents) == {"hund", "neu", "perso"}
    assert "22,80 Euro" in build.documents["perso"].body


def test_vectors_of_another_runtime_are_not_reused(kb, hashing_settings):
    """Switching e.g. from PyTorch to ONNX 8 bit re-embeds everything rather than mixing vectors."""
    build_index(kb, hashing_settings, CountingEmbedder())
    other = CountingEmbedder()
    other.runtime = "onnx-int8"
    report = build_index(kb, hashing_settings, other)
    assert report.reused == 0 and other.embedded == report.chunks + report.documents
    assert load_latest_good(hashing_settings.index_for(kb)).manifest["runtime"] == "onnx-int8"


def test_broken_file_keeps_previous_version(kb, hashing_settings):
    embedder = CountingEmbedder()
    build_index(kb, hashing_settings, embedder)
    (kb / "leistungen/perso.md").write_text("---\nid: perso\ntitle: [kaputt\n---\nText\n")
    (kb / "offices.yaml").write_text("offices: nicht eine liste\n")
    report = build_index(kb, hashing_settings, embedder)
    assert report.kept_previous == ["leistungen/perso.md", "offices.yaml"]
    assert any("leistungen/perso.md" in str(f) for f in report.findings)
    build = load_latest_good(hashing_settings.index_for(kb))
    assert build.documents["perso"].meta.title == "Personalausweis"
    assert set(build.offices) == {"amt"}


def test_broken_new_file_is_dropped_and_reported(kb, hashing_settings):
    build_index(kb, hashing_settings, CountingEmbedder())
    (kb / "faq/neu.md").write_bytes(b"---\nid: neu\n\xff\n---\n")
    report = build_index(kb, hashing_settings, CountingEmbedder())
    assert report.dropped == ["faq/neu.md"]
    assert "neu" not in load_latest_good(hashing_settings.index_for(kb)).documents


def test_refuses_to_lose_most_documents(kb, hashing_settings):
    build_index(kb, hashing_settings, CountingEmbedder())
    for rel in ("leistungen/hund.md", "leistungen/perso.md"):
        (kb / rel).unlink()
    with pytest.raises(BuildRefusedError, match=rf"kommunalbot kb build {kb} --force"):  # a command that exists
        build_index(kb, hashing_settings, CountingEmbedder())
    assert "--force" in CliRunner().invoke(kb_app, ["build", "--help"], env={"COLUMNS": "200"}).output
    assert len(load_latest_good(hashing_settings.index_for(kb)).documents) == 3
    assert build_index(kb, hashing_settings, CountingEmbedder(), force=True).documents == 1


def test_each_knowledge_base_folder_has_its_own_index(kb, write_kb, hashing_settings):
    """Building another folder (a second, smaller knowledge base) never replaces the served index
    and never meets its shrink guard."""
    served = build_index(kb, hashing_settings, CountingEmbedder())
    other = write_kb({"a.md": page("nur-eine", "Nur eine Seite", "Eine Seite.")}, name="andere")
    assert build_index(other, hashing_settings, CountingEmbedder()).documents == 1  # no refusal: its own store
    assert hashing_settings.index_for(other) != hashing_settings.index_for(kb)
    assert load_latest_good(hashing_settings.index_for(kb)).build_id == served.build_id
    assert set(load_latest_good(hashing_settings.index_for(kb)).documents) == {"hund", "muell", "perso"}
    assert hashing_settings.model_copy(update={"kb_dir": kb}).index_for() == hashing_settings.index_for(kb)


def test_an_index_from_before_the_per_folder_stores_is_reused(kb, hashing_settings):
    """The index root held one store before; its build counts as the folder's previous build."""
    build_index(kb, hashing_settings, CountingEmbedder())
    store, root = hashing_settings.index_for(kb), hashing_settings.index_dir
    for name in (BUILDS, CURRENT):
        os.rename(store / name, root / name)
    embedder = CountingEmbedder()
    report = build_index(kb, hashing_settings, embedder)
    assert embedder.embedded == 0 and report.reused > 0 and current_build_path(store) is not None


def test_swap_is_atomic_for_readers(kb, hashing_settings):
    """A reader polling `current` during repeated builds always finds a complete build."""
    build_index(kb, hashing_settings, CountingEmbedder())
    stop, seen, errors = threading.Event(), set(), []

    def reader() -> None:
        while not stop.is_set():
            try:
                build = IndexBuild.load(current_build_path(hashing_settings.index_for(kb)))
                seen.add(build.build_id)
            except Exception as e:  # noqa: BLE001 - any failure is what we look for
                errors.append(repr(e))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(5):
            (kb / "faq/muell.md").write_text(page("muell", "Sperrmüll", f"Fassung {i}."))
            build_index(kb, hashing_settings, CountingEmbedder())
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert len(seen) >= 2
    assert os.path.islink(hashing_settings.index_for(kb) / CURRENT)
    assert not [p for p in builds_dir(hashing_settings.index_for(kb)).iterdir() if p.name.startswith(".tmp-")]


def test_loaded_build_survives_swap_and_cleanup(kb, hashing_settings):
    settings = hashing_settings.model_copy(update={"keep_builds": 0})
    build_index(kb, settings, CountingEmbedder())
    old = load_latest_good(settings.index_for(kb))
    (kb / "faq/muell.md").write_text(page("muell", "Sperrmüll", "Neu."))
    build_index(kb, settings, CountingEmbedder())
    assert not old.path.exists()  # garbage-collected on disk ...
    assert Searcher(old, CountingEmbedder(), settings).search("Sperrmüll").hits  # ... still serving in memory


def test_corrupted_current_falls_back_to_last_good(kb, hashing_settings):
    build_index(kb, hashing_settings, CountingEmbedder())
    first = current_build_path(hashing_settings.index_for(kb))
    (kb / "faq/muell.md").write_text(page("muell", "Sperrmüll", "Zweite Fassung."))
    build_index(kb, hashing_settings, CountingEmbedder())
    second = current_build_path(hashing_settings.index_for(kb))
    with (second / "vectors.faiss").open("r+b") as f:
        f.seek(100)
        f.write(b"\x00\x01\x02")
    assert load_latest_good(hashing_settings.index_for(kb)).path == first
    (first / "chunks.jsonl").unlink()
    with pytest.raises(IndexUnavailableError, match="Kein intakter Index"):
        load_latest_good(hashing_settings.index_for(kb))


def test_promote_rolls_back(kb, hashing_settings):
    first = build_index(kb, hashing_settings, CountingEmbedder()).build_id
    (kb / "faq/muell.md").write_text(page("muell", "Sperrmüll", "Zweite Fassung."))
    build_index(kb, hashing_settings, CountingEmbedder())
    promote_build(hashing_settings.index_for(kb), first)
    assert load_latest_good(hashing_settings.index_for(kb)).build_id == first


def test_large_index_switches_to_hnsw(kb, hashing_settings):
    settings = hashing_settings.model_copy(update={"exact_index_max_chunks": 3})
    report = build_index(kb, settings, CountingEmbedder())
    assert report.index_type == "hnsw"
    build = load_latest_good(settings.index_for(kb))
    assert type(build.vectors).__name__ == "IndexHNSWFlat"
    assert Searcher(build, CountingEmbedder(), settings).search("Personalausweis Kosten").hits[0].doc_id == "perso"


def test_no_index_is_a_clear_error(tmp_path: Path):
    with pytest.raises(IndexUnavailableError, match="kommunalbot kb build"):
        load_latest_good(tmp_path / "leer")
