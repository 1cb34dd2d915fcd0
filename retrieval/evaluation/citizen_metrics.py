"""What a citizen experiences on a set of service questions, from per-question outcomes.

Both `kommunalbot eval retrieval` (the confidence ladder alone) and `kommunalbot eval dialogue`
(the real stack) fill records with:
    kind, gold, facet, text    from the question line; lang too (German without it)
    outcome                    answer | clarify | decline | handoff | smalltalk
    services                   the answered service first, or the services offered as buttons
    top1_rank_of_gold          rank (1 = first) of the first gold page in retrieval, None if not in the top 10
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

LENGTH_BANDS = ("≤ 10 Wörter", "11–20 Wörter", "> 20 Wörter")


def length_band(text: str) -> str:
    words = len(text.split())
    return LENGTH_BANDS[0] if words <= 10 else LENGTH_BANDS[1] if words <= 20 else LENGTH_BANDS[2]


def rank_of_gold(ranked: list[str], gold: set[str]) -> int | None:
    return next((r for r, doc_id in enumerate(ranked, start=1) if doc_id in gold), None)


def _clicks(record: dict[str, Any]) -> int | None:
    """0 for a right direct answer, 1 for a right button, None when no click leads to the answer."""
    gold, services = set(record.get("gold") or []), record.get("services") or []
    if record["outcome"] == "answer" and services[:1] and services[0] in gold:
        return 0
    if record["outcome"] == "clarify" and gold & set(services):
        return 1
    return None


def service_figures(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of one group of service-question records (shares of the group)."""
    n = len(records)
    if not n:
        return {"n": 0}
    clicks = [_clicks(r) for r in records]
    right = sum(c == 0 for c in clicks)
    button = sum(c == 1 for c in clicks)
    wrong = sum(r["outcome"] == "answer" and c != 0 for r, c in zip(records, clicks))
    declined_first = sum(r["outcome"] in ("decline", "handoff") and r.get("top1_rank_of_gold") == 1 for r in records)
    reached = [c for c in clicks if c is not None]
    return {
        "n": n,
        "answered_right": right / n,
        "asked_back_gold_in_buttons": button / n,
        "declined_gold_first": declined_first / n,
        "confidently_wrong": wrong / n,
        "right_outcome": (right + button) / n,
        "clicks_to_answer": sum(reached) / len(reached) if reached else None,
    }


def citizen_metrics(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures for all service questions, per facet (`facet` field, '–' without), per length and
    per language (`lang` field, 'de' without)."""
    service = [r for r in records if r.get("kind") == "service"]
    by_facet: dict[str, list] = defaultdict(list)
    by_length: dict[str, list] = defaultdict(list)
    by_lang: dict[str, list] = defaultdict(list)
    for r in service:
        by_facet[r.get("facet") or "–"].append(r)
        by_length[length_band(r.get("text", ""))].append(r)
        by_lang[r.get("lang") or "de"].append(r)
    return {"all": service_figures(service),
            "by_facet": {k: service_figures(v) for k, v in sorted(by_facet.items())},
            "by_length": {k: service_figures(by_length[k]) for k in LENGTH_BANDS if by_length.get(k)},
            "by_lang": {k: service_figures(v) for k, v in sorted(by_lang.items())}}


def format_table(metrics: dict[str, Any]) -> list[str]:
    """Plain-text rows for the command line."""
    head = f"{'':22s} {'n':>4s} {'direkt':>7s} {'Knopf':>7s} {'richtig':>8s} {'falsch':>7s} {'abgel.*':>8s} {'Klicks':>6s}"
    rows = [head]

    def row(label: str, f: dict[str, Any]) -> str:
        clicks = f"{f['clicks_to_answer']:.2f}" if f.get("clicks_to_answer") is not None else "–"
        return (f"{label[:22]:22s} {f['n']:4d} {f['answered_right']:7.1%} {f['asked_back_gold_in_buttons']:7.1%} "
                f"{f['right_outcome']:8.1%} {f['confidently_wrong']:7.1%} {f['declined_gold_first']:8.1%} {clicks:>6s}")

    if metrics["all"]["n"]:
        rows.append(row("alle Leistungsfragen", metrics["all"]))
        rows += [row(f"Facette {k}", v) for k, v in metrics["by_facet"].items()]
        rows += [row(k, v) for k, v in metrics["by_length"].items()]
        if len(metrics.get("by_lang", {})) > 1:
            rows += [row(f"Sprache {k}", v) for k, v in metrics["by_lang"].items()]
        rows.append("direkt = direkt und richtig beantwortet; Knopf = Rückfrage mit richtiger Leistung unter den "
                    "Knöpfen; falsch = sicher falsch beantwortet; abgel.* = abgelehnt oder übergeben, obwohl die "
                    "richtige Seite in der Suche vorn lag; Klicks = Klicks bis zur Antwort (0 direkt, 1 Knopf)")
    return rows
