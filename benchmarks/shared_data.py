"""Where the benchmarks find ../shared/data, and the Munich catalogue imported from it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
MUNICH_SERVICES = SHARED / "dldb/munich/services_de.raw.json"


def munich_kb(given: Path | None, scratch: Path) -> Path | None:
    """The Munich knowledge base: ``given``, else imported into ``scratch``; None without ../shared."""
    if given is not None or not MUNICH_SERVICES.is_file():
        return given
    from retrieval.kb.dldb_import import import_dldb

    out = scratch / "munich_kb"
    import_dldb(MUNICH_SERVICES, out, SHARED / "dldb/munich/locations_de.raw.json")
    return out
