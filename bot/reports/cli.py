"""`kommunalbot report summary|gaps`: the dashboard's figures and the content gaps on the command
line, from the configured database (SQLite or PostgreSQL), for reports and automation."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable

from bot.settings import Settings, get_settings

report_app = typer.Typer(help="Berichte: Kennzahlen des Pilotbetriebs und Inhaltslücken.", no_args_is_help=True)
out, err = Console(), Console(stderr=True)

Since = Annotated[int, typer.Option("--since", min=1, max=400, help="Die letzten DAYS Tage (mit heute)")]
AsJson = Annotated[bool, typer.Option("--json", help="Ein JSON-Objekt auf die Standardausgabe")]


def _reports(settings: Settings):  # noqa: ANN202
    from bot.db.session import Database, migrate
    from bot.reports.summary import Reports

    migrate(settings.database_url)
    db = Database(settings.database_url)
    return db, Reports(db, settings.timezone)


@report_app.command("summary")
def summary(since: Since = 30, as_json: AsJson = False) -> None:
    """Die Kennzahlen des Dashboards (/staff/dashboard) für die letzten DAYS Tage."""
    from bot.reports.summary import Period

    settings = get_settings()
    db, reports = _reports(settings)
    try:
        result = reports.summary(Period.last_days(since, reports.today()), lambda: _titles(settings))
    finally:
        db.engine.dispose()
    if as_json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
        return
    out.print(f"Kommunalbot, {result.period.first:%d.%m.%Y} bis {result.period.last:%d.%m.%Y}")
    for table in result.tables():
        if table.id in ("nutzung", "ergebnisse-verlauf"):
            continue  # the series: --json has them
        shown = RichTable(title=table.title, title_justify="left")
        for column in table.columns:
            shown.add_column(column)
        for row in table.rows:
            shown.add_row(*(str(cell) for cell in row))
        out.print(shown)


@report_app.command("gaps")
def gaps(since: Since = 30, as_json: AsJson = False) -> None:
    """Die Inhaltslücken (/staff/gaps): unbeantwortete Fragen der letzten DAYS Tage, nach Bedeutung gruppiert.

    Mit --json jede Frage jeder Gruppe (anonymisiert), für Admins und Skripte."""
    from bot.live_index import LiveIndex
    from bot.reports.figures import local_range
    from bot.reports.gaps import Gaps
    from bot.reports.summary import Period

    settings = get_settings()
    db, reports = _reports(settings)
    knowledge = LiveIndex(settings)
    knowledge.reload()
    if knowledge.last_error:
        err.print(f"[red]Kein Suchindex geladen ({knowledge.last_error}).[/red] Bitte `kommunalbot kb build` ausführen.")
        raise typer.Exit(1)
    period = Period.last_days(since, reports.today())
    start, end = local_range(period.first, period.last, reports.zone)
    titles = {doc_id: doc.meta.title for doc_id, doc in knowledge.build.documents.items()}
    try:
        clusters = Gaps(db, knowledge).clusters(start, end, start - (end - start), lambda d: titles.get(d, d)).clusters
    finally:
        db.engine.dispose()
    if as_json:
        print(json.dumps({"from": period.first.isoformat(), "to": period.last.isoformat(),
                          "clusters": [c.as_json() for c in clusters]}, ensure_ascii=False, indent=1))
        return
    shown = RichTable(title=f"Inhaltslücken {period.first:%d.%m.%Y} bis {period.last:%d.%m.%Y}", title_justify="left")
    for column in ("Fragen", "Vorzeitraum", "Beispiele", "Nächste Seite", "Vorschlag", "Status"):
        shown.add_column(column)
    for c in clusters:
        shown.add_row(str(c.size), str(c.previous), "\n".join(c.examples) or "(weniger als 3 Fragen)",
                      f"{c.nearest.title} ({c.nearest.score:.2f})" if c.nearest else "–", c.suggestion_text(), c.status)
    out.print(shown)


def _titles(settings: Settings) -> dict[str, str]:
    """Page titles of the live index, read from its manifest without loading the model."""
    from retrieval.index.store import IndexUnavailableError, load_latest_good

    try:
        build = load_latest_good(settings.index_for())
    except (IndexUnavailableError, ValueError):
        return {}
    return {doc_id: doc.meta.title for doc_id, doc in build.documents.items()}


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
