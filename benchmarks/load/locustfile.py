"""Citizens chatting: each simulated user opens the chat, types, asks dev-set questions.

Used by benchmarks/load/run.py. Pacing of a real chat: 5-30 s to type the first question after
opening the chat, then 20-40 s between messages (reading the answer, typing the next one). A
citizen whose conversation was handed to staff waits for them; the simulated user then leaves
and a new citizen opens a chat, so the bot keeps its load.

Every message the service accepted (HTTP 200) is recorded (conversation id, sequence number) in
the file KOMMUNALBOT_LOAD_RECORD, so that run.py can check each one is in the database.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import gevent
from locust import HttpUser, between, task

QUESTIONS = [json.loads(line)["text"] for line in
             Path(os.environ["KOMMUNALBOT_LOAD_QUESTIONS"]).read_text(encoding="utf-8").splitlines() if line.strip()]
RECORD = Path(os.environ["KOMMUNALBOT_LOAD_RECORD"]).open("a", encoding="utf-8", buffering=1)


class Citizen(HttpUser):
    wait_time = between(20, 40)

    def on_start(self) -> None:
        self.open_chat()

    def open_chat(self) -> None:
        self.conversation = self.client.post("/api/chat/conversations", name="start").json()["conversation_id"]
        gevent.sleep(random.uniform(5, 30))  # typing the first question

    @task
    def ask(self) -> None:
        """Send (the measured turn), then read the turn's replies as the widget's stream would get them."""
        conversation = f"/api/chat/conversations/{self.conversation}"
        with self.client.post(f"{conversation}/messages", json={"text": random.choice(QUESTIONS)},
                              name="message", timeout=60, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return
            seq = response.json()["seq"]
            RECORD.write(f"{self.conversation}\t{seq}\n")
            replies = self.client.get(f"{conversation}/messages?after={seq}", name="replies", timeout=60).json()["messages"]
            # An apology ("assistant not reachable") is an HTTP 200, but for the citizen it is an error.
            if not replies or any(m["kind"] == "error" for m in replies):
                response.failure("keine Antwort des Bots" if not replies else "Entschuldigung statt Antwort")
            elif any(m["kind"] == "handoff" for m in replies):
                self.open_chat()
