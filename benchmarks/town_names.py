"""Question sets with the town's own name, as citizens write it ("… hier in Musterstadt?").

Each question gets the name in one of four ways, chosen by its id (so every run writes the same
questions): "… in X?", "… hier in X?", "X: …", "Ich wohne in X. …". The search replaces the
town's name by "der Stadt" (retrieval/search/expansion.py); these sets measure what the name
costs without that, and that it costs nothing with it.

    .venv/bin/python benchmarks/town_names.py QUESTIONS.jsonl OUT.jsonl Musterstadt
    .venv/bin/kommunalbot eval retrieval OUT.jsonl --kb knowledge_base
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path


def with_town(text: str, town: str, choice: int) -> str:
    text = text.rstrip()
    question = text.endswith("?")
    body = text[:-1] if question else text
    if choice == 0:
        return f"{body} in {town}" + ("?" if question else "")
    if choice == 1:
        return f"{body} hier in {town}" + ("?" if question else "")
    if choice == 2:
        return f"{town}: {text}"
    return f"Ich wohne in {town}. {text}"


def write_with_town(source: Path, target: Path, town: str) -> Path:
    """``source`` (question JSONL) with ``town`` in every question's text, written to ``target``."""
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    target.write_text("".join(
        json.dumps({**r, "text": with_town(r["text"], town, zlib.crc32(r["id"].encode()) % 4)}, ensure_ascii=False)
        + "\n" for r in rows), encoding="utf-8")
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("town")
    args = parser.parse_args()
    print(write_with_town(args.source, args.target, args.town))
