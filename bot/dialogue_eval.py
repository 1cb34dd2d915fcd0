"""Question sets through the real stack: Rasa (NLU + policy), the action server, retrieval.

Each line is a fresh conversation. Outcome of its turn: answer | clarify | handoff | decline |
smalltalk, taken from the ``kind`` of the messages (bot/reply.py). A line with ``before`` (a list of
earlier citizen messages) is a follow-up: those are sent first in the same conversation, and the
line's own text is the turn measured ("und für Kinder?" after "Was kostet ein Reisepass?").
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.chat.service import reply_of
from bot.i18n.detect import message_language
from bot.privacy import mask_pii
from bot.rasa.client import RasaClient
from retrieval.evaluation.citizen_metrics import citizen_metrics, rank_of_gold

OUTCOME_OF_KIND = {"answer": "answer", "clarify": "clarify", "handoff": "handoff", "handoff_offer": "handoff",
                   "decline": "decline", "smalltalk": "smalltalk"}
KIND_PRIORITY = ("handoff", "handoff_offer", "answer", "clarify", "decline", "smalltalk")


def run_turn(client: RasaClient, text: str, prepare: Callable[[str, str], dict[str, str]] | None = None,
             before: Sequence[str] = ()) -> dict[str, Any]:
    """One turn as the chat service makes it: the text masked (personal data never reaches Rasa),
    with its metadata (``prepare``) and its language, detected with a German widget as the prior
    (and the conversation's language, after the messages ``before``, sent first in the same
    conversation); one call."""
    sender = f"eval-{uuid.uuid4().hex}"
    conversation = None
    text, before = mask_pii(text), [mask_pii(earlier) for earlier in before]
    for earlier in before:
        conversation = message_language(earlier, conversation, widget="de")
        client.send(sender, earlier, {**(prepare(earlier, conversation) if prepare else {}), "lang": conversation})
    started = time.perf_counter()
    lang = message_language(text, conversation, widget="de")
    turn = client.send(sender, text, {**(prepare(text, lang) if prepare else {}), "lang": lang})
    latency_ms = (time.perf_counter() - started) * 1000
    replies = [reply_of(item) for item in turn.messages]
    # A turn can hold several messages ("Das tut mir leid." + a handoff offer): what the bot did
    # is the most consequential of them, not the first.
    kinds = [r.kind.value for r in replies if r.kind.value in OUTCOME_OF_KIND]
    kind = min(kinds, key=KIND_PRIORITY.index, default=None)
    outcome = OUTCOME_OF_KIND.get(kind or "", "decline")
    return {"outcome": outcome, "services": [s for r in replies for s in r.service_ids], "intent": turn.intent.name,
            "act": turn.intent.name if outcome == "smalltalk" else None,
            "latency_ms": round(latency_ms, 1), "texts": [r.text for r in replies if r.text],
            # the language of the bot's reply: of its first message with a text
            "reply_lang": next((r.lang or "de" for r in replies if r.text), None), "detected_lang": lang}


@dataclass
class DialogueReport:
    records: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def evaluate_dialogue(client: RasaClient, questions: list[dict[str, Any]],
                      on_progress: Callable[[], None] | None = None,
                      ranking: Callable[[str, str], list[str]] | None = None,
                      prepare: Callable[[str, str], dict[str, str]] | None = None) -> DialogueReport:
    """``ranking``: the retrieval's document ids for a text, to tell declines with the gold page
    first (top1_rank_of_gold) from the others. ``prepare``: the metadata the chat service sends
    with a text (LiveIndex.message_metadata)."""
    report = DialogueReport()
    counts: dict[str, dict[str, int]] = {k: {"n": 0, "ok": 0, "bad": 0} for k in ("service", "out_of_scope", "handoff", "smalltalk")}
    for q in questions:
        turn = run_turn(client, q["text"], prepare, q.get("before") or ())
        record = {"id": q["id"], **{k: turn[k] for k in ("outcome", "services", "intent", "act", "latency_ms",
                                                          "reply_lang", "detected_lang")}}
        if q.get("gold") and ranking is not None:
            record["top1_rank_of_gold"] = rank_of_gold(ranking(q["text"], turn["detected_lang"]), set(q["gold"]))
        report.records.append(record)
        c = counts.setdefault(q["kind"], {"n": 0, "ok": 0, "bad": 0})
        c["n"] += 1
        gold = set(q.get("gold") or [])
        if q["kind"] == "service":
            c["ok"] += turn["outcome"] in ("answer", "clarify") and bool(gold & set(turn["services"]))
            c["bad"] += turn["outcome"] == "answer" and not (gold & set(turn["services"][:1]))
        elif q["kind"] == "out_of_scope":
            c["ok"] += turn["outcome"] in ("decline", "handoff")
            c["bad"] += turn["outcome"] == "answer"
        elif q["kind"] == "handoff":
            c["ok"] += turn["outcome"] == "handoff"
        elif q["kind"] == "smalltalk":
            c["ok"] += turn["outcome"] == "smalltalk" and turn["act"] == q.get("act")
        if on_progress:
            on_progress()
    latencies = [r["latency_ms"] for r in report.records]
    report.summary = {kind: {**c, "ok_share": c["ok"] / c["n"] if c["n"] else None,
                             "bad_share": c["bad"] / c["n"] if c["n"] else None} for kind, c in counts.items()}
    report.summary["latency_ms"] = {"p50": float(np.percentile(latencies, 50)) if latencies else None,
                                    "p95": float(np.percentile(latencies, 95)) if latencies else None}
    report.summary["citizen"] = citizen_metrics([{**q, **r} for q, r in zip(questions, report.records)])
    # Replies in the citizen's language: the share of turns whose reply is in the line's language
    # (`lang`, German without it; a Leichte Sprache reply counts as German).
    in_own = [(r["reply_lang"] or "de").split("-")[0] == (q.get("lang") or "de") for q, r in zip(questions, report.records)]
    report.summary["reply_in_citizens_language"] = sum(in_own) / len(in_own) if in_own else None
    return report
