"""A Munich question set that is not the dev set: the city's own search terms, held out.

The Munich catalogue gives many services search terms ("Gewerbeschein verloren",
"Halterbescheinigung"). They are what people type, written by the city, not by us, and they
cover the catalogue's sibling services. Two folds: fold f removes every second search term
(by position) from each page, and its questions are the removed terms; a hit is any page whose
original terms include the question (case-folded). The rest of the page stays, so the search
must find the service from its title and text, as for a citizen's own words.

Used by ranking_variants.py to choose between ranking variants without the Munich dev set.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

from retrieval.kb.documents import document_files, parse_document, render_document

FOLDS = 2


def keyword_holdout_sets(munich_kb: Path, scratch: Path) -> list[tuple[str, Path, Path]]:
    """(label, questions.jsonl, knowledge base) for each fold, written under ``scratch``."""
    # The searched (German) pages; a translation's keywords are not search terms of its page.
    docs = [doc for doc in (parse_document(path, munich_kb)[0] for path in document_files(munich_kb))
            if not doc.meta.is_translation]
    owners: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        for term in doc.meta.keywords:
            owners[term.casefold()].add(doc.meta.id)

    sets = []
    for fold in range(FOLDS):
        kb = scratch / f"keyword_holdout_{fold}"
        shutil.copytree(munich_kb, kb, dirs_exist_ok=True)
        held_out: dict[str, str] = {}  # case-folded term -> first spelling seen
        for doc in docs:
            kept = [t for i, t in enumerate(doc.meta.keywords) if i % FOLDS != fold]
            for i, term in enumerate(doc.meta.keywords):
                if i % FOLDS == fold and term.casefold() != doc.meta.title.casefold():
                    held_out.setdefault(term.casefold(), term)
            meta = doc.meta.model_copy(update={"keywords": kept})
            (kb / doc.source).write_text(render_document(meta, doc.body), encoding="utf-8")
        questions = scratch / f"keyword_holdout_{fold}.jsonl"
        lines = [
            {"id": f"k{fold}-{n:04d}", "text": term, "kind": "service", "gold": sorted(owners[key])}
            for n, (key, term) in enumerate(sorted(held_out.items()))
        ]
        questions.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in lines), encoding="utf-8")
        sets.append((f"München Suchbegriffe, Hälfte {fold + 1}", questions, kb))
    return sets
