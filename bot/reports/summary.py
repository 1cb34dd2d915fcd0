"""The dashboard's figures for a period, by day or by week (what /staff/dashboard and
`kommunalbot report summary` show).

A finished day is counted once from the conversations and stored (``roll_up``); the period's
figures are the stored days plus the days not yet stored (today), counted live. Stored days
outlive the retention period, which deletes the conversations themselves.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from bot.db import reporting
from bot.db.models import CLOSE_REASONS
from bot.db.repository import as_utc
from bot.db.session import Database
from bot.reports.figures import FACET_NAMES, OUTCOMES, DayCounts, bucket_value, count_days
from retrieval.languages import NAME_IN_GERMAN

PERIODS = (7, 30, 90)
TOP_SERVICES = 10


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive
    by: str = "day"  # day | week

    @classmethod
    def last_days(cls, days: int, today: date, by: str = "day") -> Period:
        return cls(today - timedelta(days=days - 1), today, by)

    def buckets(self) -> list[date]:
        """The start of each day or (ISO) week in the period."""
        starts, current = [], self.bucket_of(self.first)
        while current <= self.last:
            starts.append(current)
            current += timedelta(days=7 if self.by == "week" else 1)
        return starts

    def bucket_of(self, day: date) -> date:
        return day - timedelta(days=day.weekday()) if self.by == "week" else day

    def label(self, start: date) -> str:
        if self.by == "week":
            year, week, _ = start.isocalendar()
            return f"KW {week}/{year}"
        return start.strftime("%d.%m.%Y")


@dataclass(frozen=True)
class Table:
    """One chart's data: what the chart draws, the table shows and the CSV holds."""

    id: str
    title: str
    columns: list[str]
    rows: list[list[str | int | float]]


@dataclass
class Summary:
    period: Period
    series: dict[str, list[int]] = field(default_factory=dict)  # per bucket: conversations, messages, outcomes …
    totals: Counter[tuple[str, str]] = field(default_factory=Counter)
    percentiles: dict[str, float | None] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)

    def total(self, metric: str, key: str = "") -> int:
        return self.totals[metric, key]

    def keys(self, metric: str) -> Counter[str]:
        return Counter({k: v for (m, k), v in self.totals.items() if m == metric})

    def outcome_share(self, name: str) -> float | None:
        questions = sum(self.keys("outcome").values())
        return self.total("outcome", name) / questions if questions else None

    def helpful_rate(self) -> float | None:
        rated = self.total("feedback", "helpful") + self.total("feedback", "unhelpful")
        return self.total("feedback", "helpful") / rated if rated else None

    def tables(self) -> list[Table]:
        """Every figure as a table, in the dashboard's order."""
        labels = [self.period.label(b) for b in self.period.buckets()]
        unit = "Woche" if self.period.by == "week" else "Tag"
        series = self.series
        outcomes = self.keys("outcome")
        questions = sum(outcomes.values())
        rated = self.total("feedback", "helpful") + self.total("feedback", "unhelpful")
        return [
            Table("nutzung", "Gespräche und Nachrichten", [unit, "Gespräche", "Nachrichten von Bürgerinnen und Bürgern"],
                  [[label, c, m] for label, c, m in zip(labels, series["conversations"], series["messages"])]),
            Table("ergebnisse", "Was aus den Fragen wurde", ["Ergebnis", "Anzahl", "Anteil in %"],
                  [[text, outcomes[key], _percent(outcomes[key], questions)] for key, text in OUTCOMES.items()]),
            Table("ergebnisse-verlauf", "Ergebnisse im Verlauf", [unit, *OUTCOMES.values()],
                  [[label, *(series["outcome:" + key][i] for key in OUTCOMES)] for i, label in enumerate(labels)]),
            Table("bewertungen", "Bewertungen der Antworten", ["Bewertung", "Anzahl", "Anteil in %"],
                  [["hilfreich", self.total("feedback", "helpful"), _percent(self.total("feedback", "helpful"), rated)],
                   ["nicht hilfreich", self.total("feedback", "unhelpful"),
                    _percent(self.total("feedback", "unhelpful"), rated)]]),
            Table("uebergaben", "Übergaben an das Team", ["Kennzahl", "Wert"], [
                ["Übergaben in den Servicezeiten", self.total("handoffs", "in_hours")],
                ["Übergaben außerhalb der Servicezeiten", self.total("handoffs", "out_of_hours")],
                ["Rückrufwünsche", self.total("callbacks")],
                ["Wartezeit bis zur Übernahme, Median (Minuten)", _minutes(self.percentiles.get("wait_median"))],
                ["Wartezeit bis zur Übernahme, 90. Perzentil (Minuten)", _minutes(self.percentiles.get("wait_p90"))]]),
            Table("abschluesse", "Wie Gespräche abgeschlossen wurden", ["Grund", "Anzahl"],
                  [[_close_reason(k), v] for k, v in self.keys("closed").most_common()]),
            Table("antwortzeit", "Antwortzeit des Bots", ["Kennzahl", "Millisekunden"], [
                ["Median", _rounded(self.percentiles.get("latency_median"))],
                ["95. Perzentil", _rounded(self.percentiles.get("latency_p95"))]]),
            Table("leistungen", f"Die {TOP_SERVICES} meistgefragten Leistungen", ["Leistung", "Antworten"],
                  [[self.titles.get(k, k), v] for k, v in self.keys("service").most_common(TOP_SERVICES)]),
            Table("aspekte", "Wonach gefragt wurde", ["Aspekt", "Fragen"],
                  [[FACET_NAMES.get(k, k), v] for k, v in self.keys("facet").most_common()]),
            Table("sprachen", "Sprachen der Gespräche", ["Sprache", "Gespräche"],
                  [[NAME_IN_GERMAN.get(k, k), v] for k, v in self.keys("language").most_common()]),
        ]

    def as_json(self) -> dict[str, object]:
        outcomes = self.keys("outcome")
        return {
            "from": self.period.first.isoformat(), "to": self.period.last.isoformat(), "by": self.period.by,
            "conversations": self.total("conversations"), "citizen_messages": self.total("messages"),
            "outcomes": {k: outcomes[k] for k in OUTCOMES},
            "outcome_shares": {k: self.outcome_share(k) for k in OUTCOMES},
            "feedback": {"helpful": self.total("feedback", "helpful"), "unhelpful": self.total("feedback", "unhelpful"),
                         "helpful_rate": self.helpful_rate()},
            "handoffs": {"in_hours": self.total("handoffs", "in_hours"),
                         "out_of_hours": self.total("handoffs", "out_of_hours"),
                         "callback_requests": self.total("callbacks"),
                         "wait_seconds_median": self.percentiles.get("wait_median"),
                         "wait_seconds_p90": self.percentiles.get("wait_p90"),
                         "closed": dict(self.keys("closed").most_common())},
            "latency_ms": {"median": self.percentiles.get("latency_median"), "p95": self.percentiles.get("latency_p95")},
            "top_services": [{"id": k, "title": self.titles.get(k, k), "answers": v}
                             for k, v in self.keys("service").most_common(TOP_SERVICES)],
            "facets": dict(self.keys("facet").most_common()),
            "languages": dict(self.keys("language").most_common()),
            "series": {"periods": [b.isoformat() for b in self.period.buckets()], **self.series},
        }


def summarise(counts: DayCounts, period: Period, titles: dict[str, str] | None = None) -> Summary:
    buckets = period.buckets()
    position = {b: i for i, b in enumerate(buckets)}
    per_bucket = ["conversations", "messages", *("outcome:" + k for k in OUTCOMES)]
    summary = Summary(period, {name: [0] * len(buckets) for name in per_bucket}, titles=titles or {})
    times: dict[str, Counter[str]] = {"latency_ms": Counter(), "wait_s": Counter()}
    for (day, metric, key), value in counts.items():
        if not period.first <= day <= period.last:
            continue
        summary.totals[metric, key] += value
        name = f"outcome:{key}" if metric == "outcome" else metric
        if name in summary.series:
            summary.series[name][position[period.bucket_of(day)]] += value
        if metric in times:
            times[metric][key] += value
    summary.percentiles = {"latency_median": percentile(times["latency_ms"], 0.5),
                           "latency_p95": percentile(times["latency_ms"], 0.95),
                           "wait_median": percentile(times["wait_s"], 0.5),
                           "wait_p90": percentile(times["wait_s"], 0.9)}
    return summary


def percentile(buckets: Counter[str], q: float) -> float | None:
    """The q-quantile of bucketed times (upper bound of the bucket it falls in; at most 5 % above)."""
    n = sum(buckets.values())
    if not n:
        return None
    seen = 0
    for key in sorted(buckets, key=int):
        seen += buckets[key]
        if seen >= q * n:
            return round(bucket_value(key), 1)
    return None


class Reports:
    """Reads the figures of any period: stored days, and the rest counted live."""

    def __init__(self, db: Database, timezone: str):
        self.db, self.zone = db, ZoneInfo(timezone)
        self._rolling = threading.Lock()  # one roll-up at a time in this process

    def today(self, now: datetime | None = None) -> date:
        return (now or datetime.now(self.zone)).astimezone(self.zone).date()

    def counts(self, first: date, last: date) -> DayCounts:
        with self.db.session() as s:
            stored = reporting.rolled_up_days(s, first, last)
            counts: DayCounts = Counter({(d, m, k): v for d, m, k, v in reporting.day_figures(s, first, last)})
            for run_first, run_last in _runs(first, last, stored):
                counts.update(count_days(s, run_first, run_last, self.zone))
        return counts

    def summary(self, period: Period, titles: Callable[[], dict[str, str]] | None = None) -> Summary:
        self.roll_up()
        return summarise(self.counts(period.first, period.last), period, titles() if titles else None)

    def roll_up(self, now: datetime | None = None) -> int:
        """Store each finished day not stored yet (days end at local midnight; a day is kept open one
        more day, so that an ask-back answered by a click after midnight still counts). Returns the
        number of days stored. Safe with several workers: a day stored twice fails on its key."""
        with self._rolling:
            return self._roll_up(self.today(now) - timedelta(days=2))

    def _roll_up(self, last: date) -> int:
        with self.db.session() as s:
            earliest = reporting.earliest_message(s)
            if earliest is None:
                return 0
            first = as_utc(earliest).astimezone(self.zone).date()
            if first > last:
                return 0
            missing = [d for d in _days(first, last) if d not in reporting.rolled_up_days(s, first, last)]
        stored = 0
        for day in missing:
            try:
                with self.db.session() as s:
                    figures = count_days(s, day, day, self.zone)
                    reporting.store_day(s, day, [(m, k, v) for (_, m, k), v in figures.items()])
                stored += 1
            except IntegrityError:  # another worker stored it meanwhile
                continue
        return stored


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _runs(first: date, last: date, skip: set[date]) -> list[tuple[date, date]]:
    """The runs of consecutive days in first..last that are not in ``skip``."""
    runs: list[tuple[date, date]] = []
    for day in _days(first, last):
        if day in skip:
            continue
        if runs and runs[-1][1] == day - timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _minutes(seconds: float | None) -> str | float:
    return "–" if seconds is None else round(seconds / 60, 1)


def _rounded(value: float | None) -> str | float:
    return "–" if value is None else round(value)


def _close_reason(key: str) -> str:
    return CLOSE_REASONS.get(key, key)
