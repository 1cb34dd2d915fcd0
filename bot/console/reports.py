"""The pilot dashboard (/staff/dashboard) and the content gaps (/staff/gaps), for editors and admins.

Parses the period, asks bot/reports/ for the figures and renders them: charts with their data
tables, CSV downloads (semicolon-separated, UTF-8 with BOM, as German spreadsheet programs open
them), and the editors' "handled" marks on groups of questions.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.console.auth import check_csrf, require
from bot.db.models import StaffUser
from bot.reports import charts
from bot.reports.figures import OUTCOMES, local_range
from bot.reports.gaps import PAGE_VIEW_EMBEDDINGS, GapCluster, GapGroups, Gaps
from bot.reports.summary import PERIODS, Period, Reports, Summary, Table

Editor = Annotated[StaffUser, Depends(require("editor"))]
MAX_DAYS = 400


def period_of(days: int | None, first: str | None, last: str | None, by: str, today: date) -> Period:
    """The chosen period: the last 7/30/90 days, or from-to (ISO dates); by day or week."""
    if by not in ("day", "week"):
        raise HTTPException(422, "Bitte „day“ oder „week“ als Einteilung wählen.")
    if first or last:
        try:
            start, end = date.fromisoformat(first or ""), date.fromisoformat(last or today.isoformat())
        except ValueError:
            raise HTTPException(422, "Bitte Datumsangaben im Format JJJJ-MM-TT angeben.") from None
        if start > end:
            raise HTTPException(422, "Das Anfangsdatum liegt nach dem Enddatum.")
        if (end - start).days >= MAX_DAYS:
            raise HTTPException(422, f"Bitte höchstens {MAX_DAYS} Tage auf einmal auswerten.")
        return Period(start, end, by)
    if days not in PERIODS:
        raise HTTPException(422, "Bitte 7, 30 oder 90 Tage wählen.")
    return Period.last_days(days, today, by)


def period_params(days: int | None, first: str | None, last: str | None) -> dict[str, str]:
    """The period as query parameters, for links and forms that keep it."""
    if first or last:
        return {k: v for k, v in (("from", first), ("to", last)) if v}
    return {"days": str(days or 30)}


def csv_response(rows: list[list[object]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet (citizens' texts!).
        writer.writerow([f"'{cell}" if isinstance(cell, str) and cell[:1] in "=+-@" else cell for cell in row])
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def german_number(value: object) -> object:
    """50.0 -> "50,0", 1234 -> "1.234": as German spreadsheets and readers expect; text stays text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    text = f"{value:,.1f}" if isinstance(value, float) else f"{value:,d}"
    return text.translate(str.maketrans(",.", ".,"))


def table_csv(table: Table) -> list[list[object]]:
    return [table.columns, *([german_number(cell) for cell in row] for row in table.rows)]


def gaps_csv(clusters: list[GapCluster]) -> list[list[object]]:
    rows: list[list[object]] = [["Gruppe", "Fragen", "Vorperiode", "Beispiele", "Nächste Seite", "Ähnlichkeit",
                                 "Vorschlag", "Status"]]
    for c in clusters:
        rows.append([c.id, c.size, c.previous, " | ".join(c.examples), c.nearest.title if c.nearest else "",
                     f"{c.nearest.score:.2f}".replace(".", ",") if c.nearest else "", c.suggestion_text(), c.status])
    return rows


def reports_router(render) -> APIRouter:  # noqa: ANN001 - the console's render function
    router = APIRouter(prefix="/staff", include_in_schema=False)

    def summary_of(request: Request, period: Period) -> Summary:
        reports: Reports = request.app.state.reports
        return reports.summary(period, lambda: _titles(request))

    def chosen(request: Request, days: int | None, first: str | None, last: str | None, by: str) -> Period:
        return period_of(days, first, last, by, request.app.state.reports.today())

    @router.get("/dashboard", response_class=HTMLResponse)
    def dashboard(request: Request, user: Editor, days: Annotated[int | None, Query()] = 30,
                  first: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                  last: Annotated[str | None, Query(alias="to", max_length=10)] = None,
                  by: Annotated[str, Query(max_length=4)] = "day") -> HTMLResponse:
        period = chosen(request, days, first, last, by)
        summary = summary_of(request, period)
        tables = {t.id: t for t in summary.tables()}
        usage = tables["nutzung"]
        labels = [str(row[0]) for row in usage.rows]
        pictures = {
            "nutzung": charts.columns(labels, {"Gespräche": [int(r[1]) for r in usage.rows]}, "cap-nutzung"),
            "ergebnisse-verlauf": charts.columns(labels, {text: summary.series["outcome:" + key]
                                                           for key, text in OUTCOMES.items()}, "cap-ergebnisse-verlauf"),
        }
        for key in ("ergebnisse", "bewertungen", "abschluesse", "leistungen", "aspekte", "sprachen"):
            table = tables[key]
            pictures[key] = charts.horizontal_bars([str(r[0]) for r in table.rows], [float(r[1]) for r in table.rows],
                                                   f"cap-{key}")
        return render(request, "dashboard.html", user, summary=summary, tables=tables, pictures=pictures,
                      period=period, params=period_params(days, first, last), periods=PERIODS,
                      share=summary.outcome_share, helpful=summary.helpful_rate(), urlencode=urlencode)

    @router.get("/dashboard/{table_id}.csv")
    def dashboard_csv(table_id: str, request: Request, user: Editor, days: Annotated[int | None, Query()] = 30,
                      first: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                      last: Annotated[str | None, Query(alias="to", max_length=10)] = None,
                      by: Annotated[str, Query(max_length=4)] = "day") -> Response:
        period = chosen(request, days, first, last, by)
        tables = {t.id: t for t in summary_of(request, period).tables()}
        if table_id not in tables:
            raise HTTPException(404, "Diese Tabelle gibt es nicht.")
        return csv_response(table_csv(tables[table_id]), f"kommunalbot-{table_id}-{period.first}-{period.last}.csv")

    def clusters_of(request: Request, period: Period) -> GapGroups:
        gaps: Gaps = request.app.state.gaps
        zone = request.app.state.reports.zone
        start, end = local_range(period.first, period.last, zone)
        return gaps.clusters(start, end, start - (end - start), _title_of(request), PAGE_VIEW_EMBEDDINGS)

    @router.get("/gaps", response_class=HTMLResponse)
    def gap_list(request: Request, user: Editor, days: Annotated[int | None, Query()] = 30,
                 first: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                 last: Annotated[str | None, Query(alias="to", max_length=10)] = None) -> HTMLResponse:
        period = chosen(request, days, first, last, "day")
        groups = clusters_of(request, period)
        return render(request, "gaps.html", user, clusters=groups.clusters, waiting=groups.waiting, period=period,
                      params=period_params(days, first, last), periods=PERIODS, urlencode=urlencode,
                      done=request.query_params.get("erledigt"))

    @router.get("/gaps.csv")
    def gap_csv(request: Request, user: Editor, days: Annotated[int | None, Query()] = 30,
                first: Annotated[str | None, Query(alias="from", max_length=10)] = None,
                last: Annotated[str | None, Query(alias="to", max_length=10)] = None) -> Response:
        period = chosen(request, days, first, last, "day")
        return csv_response(gaps_csv(clusters_of(request, period).clusters),
                            f"kommunalbot-inhaltsluecken-{period.first}-{period.last}.csv")

    @router.post("/gaps/{cluster_id}/handled", dependencies=[Depends(check_csrf)])
    def handled(cluster_id: str, request: Request, user: Editor, note: Annotated[str, Form(max_length=2000)] = "",
                days: Annotated[int | None, Form()] = None, first: Annotated[str | None, Form(max_length=10)] = None,
                last: Annotated[str | None, Form(max_length=10)] = None) -> Response:
        period = chosen(request, days, first, last, "day")
        cluster = next((c for c in clusters_of(request, period).clusters if c.id == cluster_id), None)
        if cluster is None:
            raise HTTPException(409, "Diese Gruppe hat sich inzwischen geändert. Bitte die Seite neu laden.")
        request.app.state.gaps.mark_handled(cluster, user.display_name, note)
        query = urlencode({**period_params(days, first, last), "erledigt": cluster_id})
        return RedirectResponse(f"/staff/gaps?{query}#{cluster_id}", status_code=303)

    return router


def _titles(request: Request) -> dict[str, str]:
    try:
        return {doc_id: doc.meta.title for doc_id, doc in request.app.state.knowledge.build.documents.items()}
    except Exception:  # noqa: BLE001 - without an index the ids stand in for titles
        return {}


def _title_of(request: Request):  # noqa: ANN202
    titles = _titles(request)
    return lambda doc_id: titles.get(doc_id, doc_id)
