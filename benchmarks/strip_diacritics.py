"""Write a question set as typed on a keyboard without the language's own letters.

Many residents type Polish, Romanian or Turkish on a German keyboard: "moj maz zmarl" for "mój mąż
zmarł". This writes a copy of a JSONL question set with every diacritic removed (and ł → l, ı → i),
German umlauts kept, to measure the search on such questions (docs/experiments.md).

    .venv/bin/python benchmarks/strip_diacritics.py benchmarks/data/munich_multilingual_fit.jsonl /tmp/fit_bare.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from retrieval.search.expansion import as_typed_on_a_german_keyboard  # noqa: E402


def main(source: Path, target: Path) -> None:
    lines = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            question = json.loads(line)
            if question.get("lang", "de") != "de":  # German questions stay as they are
                question["text"] = as_typed_on_a_german_keyboard(question["text"])
            lines.append(json.dumps(question, ensure_ascii=False))
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
