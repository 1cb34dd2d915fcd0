"""The dashboard's figures (bot/reports/summary.py) against a hand-built history, on SQLite and on
PostgreSQL: counted live, and again from the stored days after retention deleted the conversations."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.db import repository as repo
from bot.db.models import Message, ReportDay
from bot.db.session import Database, migrate
from bot.reports.figures import bucket, bucket_value
from bot.reports.summary import Period, Reports, percentile
from tests.bot.history import BERLIN, DAY1, DAY2, at, build_history


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    migrate(url)
    database = Database(url)
    yield database
    database.engine.dispose()


@pytest.fixture
def history(db):
    with db.session() as s:
        staff = repo.create_user(s, "sam", "Sam", "x", "staff")
    return build_history(db, staff)


def close_to(value: float | None, expected: float) -> bool:
    """Times are counted in buckets 5 % wide: the reported value is the bucket's upper bound."""
    return value is not None and expected <= value <= expected * 1.05 + 1e-9


def check_the_two_days(summary) -> None:  # noqa: ANN001
    figures = summary.as_json()
    assert figures["conversations"] == 5  # E wrote nothing
    assert figures["citizen_messages"] == 8
    assert figures["series"]["conversations"] == [2, 3] and figures["series"]["messages"] == [3, 5]
    assert figures["outcomes"] == {"answered": 2, "clarified": 1, "clarify_failed": 1, "declined": 2, "handed_off": 1}
    assert figures["series"]["outcome:declined"] == [1, 1]
    assert figures["outcome_shares"]["answered"] == pytest.approx(2 / 7)
    assert figures["feedback"] == {"helpful": 1, "unhelpful": 1, "helpful_rate": 0.5}
    handoffs = figures["handoffs"]
    assert handoffs["in_hours"] == 1 and handoffs["out_of_hours"] == 0 and handoffs["callback_requests"] == 0
    assert close_to(handoffs["wait_seconds_median"], 600) and close_to(handoffs["wait_seconds_p90"], 600)
    assert handoffs["closed"] == {"erledigt": 1}
    # turns took 100 … 800 ms; the median of eight is the fourth (400), the 95th percentile the eighth
    assert close_to(figures["latency_ms"]["median"], 400) and close_to(figures["latency_ms"]["p95"], 800)
    assert [(s["id"], s["answers"]) for s in figures["top_services"]] == [
        ("reisepass-beantragen", 2), ("ausweis-verloren", 1)]
    # "Was kostet …", "How much …" (as the bot read it, in any language), "wo beantrage ich …"
    assert figures["facets"] == {"cost": 2, "where": 1}
    assert figures["languages"] == {"de": 4, "en": 1}


def test_figures_of_a_hand_built_history(db, history):
    reports = Reports(db, "Europe/Berlin")
    period = Period(DAY1, DAY2)
    check_the_two_days(reports.summary(period))
    one_day = reports.summary(Period(DAY1, DAY1)).as_json()
    assert one_day["conversations"] == 2 and one_day["outcomes"]["handed_off"] == 1
    weekly = reports.summary(Period(DAY1, DAY2, by="week")).as_json()  # both days are in one ISO week
    assert weekly["series"]["periods"] == ["2026-11-02"] and weekly["series"]["conversations"] == [5]


def test_turns_stored_without_facets_are_read_with_the_german_facet_words(db, history):
    # Turns stored before the bot kept its facets: the question's German words, so "How much …" counts nothing.
    with db.session() as s:
        for message in s.scalars(select(Message).where(Message.sender == "bot")):
            message.payload = {k: v for k, v in message.payload.items() if k != "facets"}
    figures = Reports(db, "Europe/Berlin").summary(Period(DAY1, DAY2)).as_json()
    assert figures["facets"] == {"cost": 1, "where": 1}


def test_finished_days_are_stored_and_outlive_the_conversations(db, history):
    reports = Reports(db, "Europe/Berlin")
    live = reports.counts(DAY1, DAY2)
    # Two days after DAY2 both days are finished (an ask-back may still be answered the next day).
    assert reports.roll_up(now=at(DAY2 + timedelta(days=1), 12)) == 1  # DAY1 only
    assert reports.roll_up(now=at(DAY2 + timedelta(days=2), 12)) == 1  # then DAY2
    assert reports.roll_up(now=at(DAY2 + timedelta(days=2), 12)) == 0  # nothing twice
    assert reports.counts(DAY1, DAY2) == live
    with db.session() as s:
        assert all(len(row.key) <= 160 for row in s.query(ReportDay))
        assert not any("Hallenbad" in row.key or "Reisepass?" in row.key for row in s.query(ReportDay))
        for cid in history.conversations.values():
            repo.delete_conversation(s, cid)
    check_the_two_days(reports.summary(Period(DAY1, DAY2)))


def test_percentiles_read_from_buckets_are_at_most_five_percent_high():
    from collections import Counter

    values = [12.0, 95.0, 101.0, 250.0, 999.0, 4321.0]
    counts = Counter(bucket(v) for v in values)
    for q, expected in ((0.5, 101.0), (0.9, 4321.0), (0.1, 12.0)):
        assert close_to(percentile(counts, q), expected)
    assert percentile(Counter(), 0.5) is None
    assert all(v <= bucket_value(bucket(v)) <= v * 1.05 for v in values)


def test_report_summary_cli_prints_the_figures_as_json(db, history, monkeypatch):
    from bot.cli import app
    from bot.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", db.url)
    get_settings.cache_clear()
    days = (datetime.now(BERLIN).date() - DAY1).days + 1
    result = CliRunner().invoke(app, ["report", "summary", "--since", str(days), "--json"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["from"] == DAY1.isoformat() and figures["conversations"] == 5
    assert figures["outcomes"]["clarified"] == 1 and figures["languages"] == {"de": 4, "en": 1}
    text = CliRunner().invoke(app, ["report", "summary", "--since", str(days)])
    assert "Was aus den Fragen wurde" in text.stdout and "direkt beantwortet" in text.stdout
