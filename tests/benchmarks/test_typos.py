"""The typo sets that measure spelling correction: same questions, realistic edits, reproducible."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from symspellpy.editdistance import DistanceAlgorithm, EditDistance

from retrieval.evaluation.evaluate import read_jsonl
from tests.conftest import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
from typos import mistype, with_typos, write_with_typos  # noqa: E402


def test_a_typo_is_one_or_two_edits_and_keeps_the_first_letter():
    rnd = random.Random(1)
    levenshtein = EditDistance(DistanceAlgorithm.LEVENSHTEIN)
    for _ in range(200):
        typed = mistype("Personalausweis", rnd)
        assert typed[0] == "P" and 1 <= levenshtein.compare("Personalausweis", typed, 10) <= 2  # a swap is two


def test_only_longer_words_change_and_the_rest_is_kept():
    text = "Wo kann ich den Personalausweis beantragen, und was kostet er?"
    typed = with_typos(text, random.Random(3), rate=1.0)
    assert typed != text
    kept = ["Wo", "kann", "ich", "den", "und", "was", "er?"]
    assert all(word in typed.split() for word in kept) and typed.count(",") == 1


def test_question_files_keep_ids_and_gold_and_are_reproducible(tmp_path: Path):
    source = PROJECT_ROOT / "tests/data/musterstadt_questions.jsonl"
    first = read_jsonl(write_with_typos(source, tmp_path / "a.jsonl"))
    second = read_jsonl(write_with_typos(source, tmp_path / "b.jsonl"))
    original = read_jsonl(source)
    assert first == second
    assert [{k: v for k, v in r.items() if k != "text"} for r in first] == \
        [{k: v for k, v in r.items() if k != "text"} for r in original]
    changed = sum(a["text"] != b["text"] for a, b in zip(first, original, strict=True))
    assert changed > len(original) / 2
