"""The dashboard over a large store: generate N messages in PostgreSQL, then time /staff/dashboard.

    .venv/bin/python benchmarks/dashboard_bench.py [--messages 1000000] [--keep]

Generates 90 days of conversations in a fresh database on the local PostgreSQL (127.0.0.1:5432):
a question and the bot's turn per exchange, 1-6 exchanges per conversation, outcomes, latencies,
feedback, handoffs with staff joining, closings. Then, through the real app (HTTP, logged in as
an editor): the first view (which stores the finished days), then the 7-, 30- and 90-day views
warm, each the median of 5. For comparison, counting all 90 days from the raw rows (what every
view would cost without the stored days).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg
from fastapi.testclient import TestClient

from bot.console.auth import hash_password
from bot.db import repository as repo
from bot.db.session import Database, migrate
from bot.main import create_app
from bot.reports.figures import count_days
from bot.settings import Settings

ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
QUESTIONS = ["Was kostet ein Reisepass?", "Wie melde ich meinen Hund an?", "Sperrmüll abholen lassen",
             "Wo beantrage ich Wohngeld?", "Wann hat das Bürgerbüro offen?", "Ich brauche einen Termin",
             "Führerschein umschreiben", "Hallo", "Danke!", "Kann ich mit einer Person sprechen?"]
SERVICES = ["reisepass-beantragen", "hundesteuer-anmelden", "sperrmuell-anmelden", "wohngeld-beantragen",
            "faq-termin-buergerbuero", "fuehrerschein-ausland-umschreiben"]
NONE = "\t\\N"  # a NULL column in COPY's text format
OUTCOMES = ["answer"] * 6 + ["clarify"] * 2 + ["decline", "smalltalk"]


def generate(url: str, n_messages: int, seed: int = 7) -> int:
    """COPY n messages (and their conversations, feedback) into the store; returns conversations."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    conversations, messages, feedback = io.StringIO(), io.StringIO(), io.StringIO()
    count = message_id = n_conversations = 0
    while count < n_messages:
        n_conversations += 1
        cid = f"bench{n_conversations}"
        start = now - timedelta(days=90 * rng.random())
        exchanges = min(rng.randint(1, 6), (n_messages - count) // 2 or 1)
        seq, moment, handoff = 0, start, None
        lang = "en" if rng.random() < 0.1 else "de"
        for _ in range(exchanges):
            seq += 1
            message_id += 1
            text = rng.choice(QUESTIONS)
            messages.write(f"{message_id}\t{cid}\t{seq}\t{moment.isoformat()}\tcitizen\t{text}\t"
                           f'{{"lang": "{lang}"}}' + NONE * 6 + "\n")
            seq += 1
            message_id += 1
            outcome = rng.choice(OUTCOMES)
            service = rng.choice(SERVICES)
            moment += timedelta(seconds=rng.randint(1, 4))
            messages.write(f"{message_id}\t{cid}\t{seq}\t{moment.isoformat()}\tbot\tAntwort\t"
                           f'{{"kind": "{outcome}", "service_ids": ["{service}"]}}\t'
                           f"ask_service\t0.9\t0.7\t[\"{service}\"]\t{outcome}\t{rng.lognormvariate(4.4, 0.3):.1f}\n")
            if outcome == "answer" and rng.random() < 0.1:
                feedback.write(f"{message_id}\t{rng.random() < 0.8}\t{moment.isoformat()}\n")
            count += 2
            moment += timedelta(seconds=rng.randint(10, 120))
        status, closed, reason = "bot", None, None
        if rng.random() < 0.05:
            handoff = moment
            seq += 1
            message_id += 1
            joined = handoff + timedelta(seconds=rng.randint(30, 1800))
            messages.write(f"{message_id}\t{cid}\t{seq}\t{joined.isoformat()}\tsystem\tSam ist da\t"
                           '{"kind": "staff_joined"}' + NONE * 6 + "\n")
            count += 1
            status, closed, reason = "closed", joined + timedelta(minutes=5), rng.choice(["erledigt", "rueckruf"])
        row = [cid, start.isoformat(), moment.isoformat(), status, "t" if handoff else None,
               handoff.isoformat() if handoff else None, closed.isoformat() if closed else None, reason, str(seq), lang]
        conversations.write("\t".join("\\N" if v is None else v for v in row) + "\n")
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        with conn.cursor() as cur:
            for table, columns, data in (
                    ("conversations", "id, created_at, updated_at, status, staff_available, handoff_at, closed_at, "
                                      "close_reason, last_seq, lang", conversations),
                    ("messages", "id, conversation_id, seq, created_at, sender, text, payload, intent, "
                                 "intent_confidence, confidence, retrieved, outcome, latency_ms", messages),
                    ("feedback", "message_id, helpful, created_at", feedback)):
                with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(data.getvalue())
            cur.execute("SELECT setval('messages_id_seq', (SELECT max(id) FROM messages))")
            cur.execute("ANALYZE")
    return n_conversations


def timed(client: TestClient, path: str, runs: int = 1) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return round(statistics.median(times), 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    name = f"kommunalbot_bench_{secrets.token_hex(3)}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    report: dict[str, object] = {"messages": args.messages}
    try:
        migrate(url)
        started = time.perf_counter()
        report["conversations"] = generate(url, args.messages)
        report["generate_s"] = round(time.perf_counter() - started, 1)
        db = Database(url)
        with db.session() as s:
            repo.create_user(s, "bench", "Bench", hash_password("bench-geheim-123"), "editor")
        # No background embedding of gap questions: it would share the two cores with the views.
        settings = Settings(database_url=url, session_secret="bench-" + "x" * 30, redis_url=None, gap_vectors_per_run=0)
        with TestClient(create_app(settings)) as client:
            login = client.get("/staff/")
            csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)
            client.post("/staff/login", data={"csrf": csrf, "username": "bench", "password": "bench-geheim-123"})
            report["first_view_90_days_s"] = timed(client, "/staff/dashboard?days=90")
            for days in (7, 30, 90):
                report[f"view_{days}_days_s"] = timed(client, f"/staff/dashboard?days={days}", runs=5)
            report["view_90_days_by_week_s"] = timed(client, "/staff/dashboard?days=90&by=week", runs=5)
            report["csv_90_days_s"] = timed(client, "/staff/dashboard/ergebnisse.csv?days=90", runs=5)
        zone = client.app.state.reports.zone
        today = datetime.now(zone).date()
        started = time.perf_counter()
        with db.session() as s:
            count_days(s, today - timedelta(days=89), today, zone)
        report["raw_count_90_days_s"] = round(time.perf_counter() - started, 1)
        db.engine.dispose()
    finally:
        if not args.keep:
            with psycopg.connect(ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
