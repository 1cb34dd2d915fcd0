"""Question sets with keyboard typos, to measure how well the search copes with real typing.

Every word of five or more letters gets, with probability RATE, one edit of the kinds people
make on a German (QWERTZ) keyboard: a letter dropped, doubled, swapped with its neighbour, or
replaced by a neighbouring key. The first letter stays (it is rarely mistyped). Seeded, so each
run writes the same questions.

    .venv/bin/python benchmarks/typos.py QUESTIONS.jsonl OUT.jsonl   # then: kommunalbot eval retrieval OUT.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

RATE = 0.3
SEED = 20261127
_ROWS = ["qwertzuiopü", "asdfghjklöä", "yxcvbnm"]
_WORD = re.compile(r"[^\W\d_]{5,}")


def _neighbours(letter: str) -> list[str]:
    for y, row in enumerate(_ROWS):
        if letter in row:
            x = row.index(letter)
            return [_ROWS[yy][xx] for yy in (y - 1, y, y + 1) if 0 <= yy < len(_ROWS)
                    for xx in (x - 1, x, x + 1) if 0 <= xx < len(_ROWS[yy]) and (yy, xx) != (y, x)]
    return []


def mistype(word: str, rnd: random.Random) -> str:
    i = rnd.randrange(1, len(word) - 1)
    kind = rnd.choice(["drop", "swap", "double", "neighbour"])
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    keys = _neighbours(word[i].lower())
    return word[:i] + (rnd.choice(keys) if keys else word[i]) + word[i + 1:]


def with_typos(text: str, rnd: random.Random, rate: float = RATE) -> str:
    return _WORD.sub(lambda m: mistype(m.group(), rnd) if rnd.random() < rate else m.group(), text)


def write_with_typos(source: Path, target: Path) -> Path:
    """``source`` (question JSONL) with typos in every question's text, written to ``target``."""
    rnd = random.Random(SEED)
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    target.write_text("".join(json.dumps({**r, "text": with_typos(r["text"], rnd)}, ensure_ascii=False) + "\n"
                              for r in rows), encoding="utf-8")
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    print(write_with_typos(args.source, args.target))
