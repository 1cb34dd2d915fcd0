"""Bounded load test on loopback: the real product (chat service + Rasa) and locust.

    .venv/bin/python benchmarks/load/run.py [--users 200] [--minutes 5]

Starts its own instance (fresh SQLite database under var/benchmarks/load/), drives it with
``--users`` concurrent citizen sessions for ``--minutes`` (after a ramp-up of 10 new citizens per
second), then checks that every message the service accepted is in the database. Results:
var/benchmarks/load/summary.json (and locust's CSV files beside it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[2]
SPAWN_RATE = 10  # new citizens per second during the ramp-up
sys.path.insert(0, str(ROOT))

from bot.db.models import Message  # noqa: E402
from bot.db.session import Database  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.stack import Stack  # noqa: E402
from retrieval.cli import run_build  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--questions", type=Path, default=ROOT.parent / "shared/data/munich-questions/dev.jsonl")
    args = parser.parse_args()
    out = ROOT / "var/benchmarks/load"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    database = f"sqlite:///{out / 'load.db'}"
    # All simulated citizens come from 127.0.0.1; behind a proxy each has its own address.
    settings = Settings(database_url=database, port=8090, rasa_url="http://127.0.0.1:5090",
                        rate_limit_client="1000000/minute", log_format="text", log_level="WARNING")
    record = out / "accepted.tsv"
    ramp_seconds = args.users / SPAWN_RATE
    run_build(settings.kb_dir, settings, quiet=True)  # the sample town's index, as `kommunalbot serve` does
    with Stack(settings) as stack:
        started = time.time()
        # The run lasts --minutes with all users connected, plus the ramp-up before.
        cmd = [str(ROOT / ".venv/bin/locust"), "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
               "--users", str(args.users), "--spawn-rate", str(SPAWN_RATE),
               "--run-time", f"{int(args.minutes * 60 + ramp_seconds)}s", "--host", stack.app_url,
               "--csv", str(out / "locust"), "--only-summary", "--stop-timeout", "60"]
        env = {**os.environ, "KOMMUNALBOT_LOAD_QUESTIONS": str(args.questions), "KOMMUNALBOT_LOAD_RECORD": str(record)}
        subprocess.run(cmd, env=env, check=False)
        duration = time.time() - started
    accepted = [tuple(line.split("\t")) for line in record.read_text(encoding="utf-8").splitlines()]
    db = Database(database)
    with db.session() as s:
        stored = set(s.execute(select(Message.conversation_id, Message.seq).where(Message.sender == "citizen")).all())
        bot = s.scalar(select(func.count()).select_from(Message).where(Message.sender == "bot"))
        kinds = dict(s.execute(select(Message.payload["kind"].as_string(), func.count())
                               .where(Message.sender == "bot").group_by(Message.payload["kind"].as_string())).all())
        turns = sorted(s.scalars(select(Message.latency_ms).where(Message.latency_ms.is_not(None))).all())
    missing = [a for a in accepted if (a[0], int(a[1])) not in stored]
    rows = {row["Name"]: row for row in csv.DictReader((out / "locust_stats.csv").open())}
    failures = {row["Error"]: int(row["Occurrences"]) for row in csv.DictReader((out / "locust_failures.csv").open())}
    summary = {
        "users": args.users, "minutes_all_connected": args.minutes, "ramp_seconds": ramp_seconds,
        "wall_seconds": round(duration), "machine": f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}",
        "requests": {name: {"count": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                            "p50_ms": float(r["50%"]), "p95_ms": float(r["95%"]), "max_ms": float(r["Max Response Time"]),
                            "rps": round(float(r["Requests/s"]), 2)} for name, r in rows.items()},
        "failures": failures,
        "stored": {"accepted_messages": len(accepted), "citizen_messages_in_db": len(stored),
                   "accepted_but_missing": len(missing), "bot_messages": bot, "bot_outcomes": kinds},
        "bot_turn_ms": {"p50": turns[len(turns) // 2] if turns else None,
                        "p95": turns[int(len(turns) * 0.95)] if turns else None},
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
