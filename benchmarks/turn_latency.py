"""A full citizen turn, timed from outside: HTTP into the chat service, Rasa (NLU and policy), the
action, the search and the store, until the POST returns (the replies are stored by then).

    .venv/bin/python benchmarks/turn_latency.py [--rounds 2] [--out var/benchmarks/turn.json]

Starts the product on the sample municipality (its own SQLite database and ports, as `kommunalbot
serve` does), warms up, then sends every question of tests/data/musterstadt_questions.jsonl as
the first message of a new conversation, one after another, ``--rounds`` times. Reports p50 and
p95 of the whole turn and of its parts: the two embeddings alone (timed in the process, as the
chat service runs them), the call to Rasa with its NLU, policy, action and search (what the chat
service stores as ``latency_ms`` minus the embeddings), and the rest (HTTP, masking, the store);
then, each alone, the action in process and Rasa's NLU (its /model/parse).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests/data/musterstadt_questions.jsonl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "var/benchmarks/turn.json")
    args = parser.parse_args()

    from sqlalchemy import select

    from bot.actions.protocol import Dispatcher, Tracker
    from bot.db.models import Message
    from bot.db.session import Database
    from bot.settings import get_settings
    from bot.stack import Stack
    from retrieval.cli import run_build
    from retrieval.model.embedder import INTENT_PROMPT

    texts = [json.loads(line)["text"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        settings = get_settings().model_copy(update={
            "port": free_port(), "rasa_url": f"http://127.0.0.1:{free_port()}",
            "database_url": f"sqlite:///{Path(tmp) / 'turns.db'}", "rate_limit_client": "100000/minute",
            "rate_limit_conversation": "1000/minute"})
        run_build(settings.kb_dir, settings, quiet=True)
        with Stack(settings) as stack, httpx.Client(base_url=stack.app_url, timeout=60) as client:
            def turn(text: str) -> tuple[float, int]:
                cid = client.post("/api/chat/conversations").json()["conversation_id"]
                started = time.perf_counter()
                response = client.post(f"/api/chat/conversations/{cid}/messages", json={"text": text})
                return (time.perf_counter() - started) * 1000, response.status_code

            for text in texts[:10]:
                turn(text)  # warm-up
            knowledge = stack.app_server.app.state.knowledge
            embedding = []
            for text in texts:  # the model runs of one message, without the caches
                started = time.perf_counter()
                knowledge.embedder.encode_prompted([(INTENT_PROMPT, text), ("query", knowledge.searcher.expand(text))])
                embedding.append((time.perf_counter() - started) * 1000)
            timings, codes, stored = [], [], []
            for _ in range(args.rounds):
                # Every turn embeds, as a new question does: no vector from an earlier round.
                knowledge.cache, knowledge.intent_cache = type(knowledge.cache)(), type(knowledge.intent_cache)()
                for text in texts:
                    ms, code = turn(text)
                    timings.append(ms)
                    codes.append(code)
            # The parts inside Rasa's share, each alone: the action in process (vectors cached, as in a
            # turn), and Rasa's NLU by its /model/parse (its classifier gets the cached vector back).
            answer_from_kb, action, parse = stack.app_server.app.state.actions["action_answer_from_kb"], [], []
            for text in texts:
                knowledge.message_metadata(text)
                tracker = Tracker.from_json({"sender_id": "bench", "slots": {}, "events": [{"event": "user", "text": text}],
                                             "latest_message": {"text": text, "intent": {"name": "ask_service"}}})
                started = time.perf_counter()
                answer_from_kb.run(Dispatcher(), tracker, {})
                action.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                httpx.post(f"{settings.rasa_url}/model/parse", params={"token": stack.settings.internal_token},
                           json={"text": text}, timeout=60).raise_for_status()
                parse.append((time.perf_counter() - started) * 1000)
            with Database(settings.database_url).session() as s:
                stored = list(s.scalars(select(Message.latency_ms).where(Message.latency_ms.is_not(None))
                                        .order_by(Message.id)))

    def share(values: list[float]) -> dict[str, float]:
        return {"p50_ms": round(float(np.percentile(values, 50)), 1), "p95_ms": round(float(np.percentile(values, 95)), 1)}

    result = {"machine": {"cpu": cpu_model(), "cpus": os.cpu_count()}, "turns": len(timings),
              "errors": sum(code != 200 for code in codes), **share(timings), "max_ms": round(max(timings), 1),
              "embedding_alone": share(embedding), "embedding_and_rasa_as_stored": share(stored[10:]),
              "action_alone": share(action), "rasa_nlu_alone": share(parse)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
