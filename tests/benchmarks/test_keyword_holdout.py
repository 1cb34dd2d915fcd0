"""The keyword hold-out set that chooses ranking variants: no held-out term may stay on its page."""

from __future__ import annotations

import sys
from pathlib import Path

from retrieval.evaluation.evaluate import read_jsonl
from retrieval.kb.documents import document_files, parse_document
from tests.conftest import PROJECT_ROOT, SAMPLE_KB

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
from keyword_holdout import keyword_holdout_sets  # noqa: E402


def _keywords(kb: Path) -> dict[str, list[str]]:
    """Search terms of the searched pages (translations have keywords, but are not searched)."""
    docs = (parse_document(p, kb)[0] for p in document_files(kb))
    return {d.meta.id: d.meta.keywords for d in docs if not d.meta.is_translation}


def test_each_fold_asks_for_the_terms_it_removed_and_only_those(tmp_path: Path) -> None:
    original = _keywords(SAMPLE_KB)
    folds = keyword_holdout_sets(SAMPLE_KB, tmp_path)
    assert len(folds) == 2
    asked_overall = set()
    for _label, questions_path, kb in folds:
        reduced = _keywords(kb)
        assert reduced.keys() == original.keys()
        questions = read_jsonl(questions_path)
        assert questions and all(q["kind"] == "service" for q in questions)
        for q in questions:
            term = q["text"].casefold()
            asked_overall.add(term)
            owners = {d for d, terms in original.items() if term in {t.casefold() for t in terms}}
            assert set(q["gold"]) == owners
            # At least one page gave the term up (others may list it in the other half).
            assert any(
                [t.casefold() for t in reduced[d]].count(term) < [t.casefold() for t in original[d]].count(term)
                for d in owners
            )
    # Together the folds ask for every term that is not just the page's title.
    titles = {parse_document(p, SAMPLE_KB)[0].meta.title.casefold() for p in document_files(SAMPLE_KB)}
    all_terms = {t.casefold() for terms in original.values() for t in terms} - titles
    assert asked_overall >= all_terms
