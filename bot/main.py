"""The chat service: public chat API, Rasa's action webhook, NLU embeddings, health.

    create_app(settings) -> FastAPI

Message flow: widget -> /api/chat (bot/chat: mask, store, route) -> Rasa (NLU with our
embeddings, dialogue policy) -> /webhook (bot/actions) -> retrieval -> replies stored and
streamed back. After a handoff, messages go to staff (bot/console) instead of Rasa.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware

from bot import metrics, security
from bot.actions.webhook import action_router, build_actions
from bot.chat.router import chat_router
from bot.chat.service import ChatService
from bot.console import router as console
from bot.console.service import ConsoleService
from bot.db import repository as repo
from bot.db.session import Database, migrate
from bot.events import EventBus, RedisRelay
from bot.handoff.db_sink import DbHandoffSink
from bot.handoff.sink import HandoffSink
from bot.i18n.detect import warm_up as warm_up_language_detection
from bot.live_index import LiveIndex
from bot.rasa import callbacks as rasa_callbacks
from bot.rasa.client import RasaClient
from bot.reports.gaps import Gaps
from bot.reports.summary import Reports
from bot.settings import Settings, get_settings
from bot.widget_asset import widget_router

log = logging.getLogger(__name__)
RETENTION_INTERVAL_SECONDS = 6 * 3600
WIDGET = Path(__file__).resolve().parent.parent / "widget"


class EmbeddingRequest(BaseModel):
    texts: list[Annotated[str, Field(max_length=2000)]] = Field(max_length=256)


def create_app(settings: Settings | None = None, knowledge: LiveIndex | None = None,
               sink: HandoffSink | None = None) -> FastAPI:
    settings = settings or get_settings()
    token = settings.internal_token or secrets.token_urlsafe(24)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        rasa_callbacks.install(app)
        await run_in_threadpool(migrate, settings.database_url)
        db, bus = Database(settings.database_url), EventBus()
        relay = RedisRelay(bus, settings.redis_url) if settings.redis_url else None
        holder = knowledge or await run_in_threadpool(LiveIndex, settings)
        await run_in_threadpool(holder.reload)
        await run_in_threadpool(warm_up_language_detection)  # not in the first citizen's turn
        app.state.knowledge, app.state.db, app.state.bus = holder, db, bus
        app.state.rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds, token)
        app.state.chat = ChatService(db, app.state.rasa, bus, prepare=holder.message_metadata)
        app.state.console = ConsoleService(db, bus)
        app.state.reports, app.state.gaps = Reports(db, settings.timezone), Gaps(db, holder)
        app.state.actions = build_actions(holder, settings, sink or DbHandoffSink(db, bus))
        retention = asyncio.create_task(_maintenance_loop(app.state.reports, app.state.gaps, db, settings.retention_days,
                                                        settings.gap_vectors_per_run))
        yield
        retention.cancel()
        with suppress(asyncio.CancelledError):
            await retention
        app.state.rasa.close()
        if relay:
            relay.close()
        db.engine.dispose()

    app = FastAPI(title="Kommunalbot", version="0.1.0", lifespan=lifespan,
                  description="Chat-Dienst des Kommunalbots: Antworten aus der Wissensbasis der Kommune.")
    app.state.settings, app.state.internal_token = settings, token
    security.install(app)
    metrics.install(app)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Content-Type", "Last-Event-ID"], allow_credentials=False, max_age=600)
    # Staff sessions: signed cookie, HttpOnly, SameSite=strict; Secure behind HTTPS.
    app.add_middleware(SessionMiddleware, secret_key=settings.session_secret or secrets.token_urlsafe(32),
                       session_cookie="kommunalbot_staff", max_age=8 * 3600, same_site="strict",
                       https_only=settings.secure_cookies, path="/staff")
    console.install(app, settings)
    app.include_router(chat_router(settings))
    # The widget (one script) and a demo page of a fictional municipality.
    app.include_router(widget_router(WIDGET / "src"))
    app.mount("/demo", StaticFiles(directory=WIDGET / "demo"), name="demo")

    @app.get("/", include_in_schema=False)
    def demo_page() -> FileResponse:
        return FileResponse(WIDGET / "demo" / "index.html")

    @app.get("/datenschutz", include_in_schema=False)
    def privacy_page() -> FileResponse:
        return FileResponse(WIDGET / "demo" / "datenschutz.html")

    app.include_router(action_router(lambda: app.state.actions))

    @app.post("/internal/nlu-embeddings", include_in_schema=False, dependencies=[Depends(rasa_callbacks.only_rasa)])
    async def nlu_embeddings(body: EmbeddingRequest, request: Request) -> dict[str, list[list[float]]]:
        holder: LiveIndex = request.app.state.knowledge

        def embed() -> list[list[float]]:
            return holder.intent_vectors(body.texts).tolist()

        return {"vectors": await rasa_callbacks.run_callback(request, embed)}

    @app.get("/health", tags=["Betrieb"], summary="Zustand von Rasa, Index und Datenbank")
    async def health(request: Request) -> dict[str, object]:
        holder: LiveIndex = request.app.state.knowledge
        try:
            build = holder.build
            index = {"status": "ok", "build": build.build_id, "documents": len(build.documents)}
        except Exception as e:  # noqa: BLE001 - reported, not raised
            index = {"status": "error", "detail": str(e)}
        rasa_ok = await run_in_threadpool(request.app.state.rasa.is_ready)
        database = await run_in_threadpool(_database_status, request.app.state.db)
        ok = index["status"] == "ok" and rasa_ok and database["status"] == "ok"
        return {"status": "ok" if ok else "degraded", "rasa": {"status": "ok" if rasa_ok else "unavailable"},
                "index": index, "database": database}

    return app


def _database_status(db: Database) -> dict[str, str]:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "backend": db.engine.dialect.name}
    except Exception as e:  # noqa: BLE001 - reported, not raised
        return {"status": "error", "backend": db.engine.dialect.name, "detail": type(e).__name__}


def apply_retention(reports: Reports, db: Database, days: int) -> int:
    """Store the finished days' figures (they outlive the conversations), then delete what is too old."""
    reports.roll_up()
    with db.session() as s:
        return repo.delete_older_than(s, days)


async def _maintenance_loop(reports: Reports, gaps: Gaps, db: Database, days: int, gap_vectors: int) -> None:
    """Now and every few hours: the retention period, and the vectors of new unanswered questions
    (so that the content gaps page need not compute them while an editor waits)."""
    while True:
        try:
            removed = await run_in_threadpool(apply_retention, reports, db, days)
            if removed:
                log.info("Aufbewahrungsfrist: %d Gespräche gelöscht", removed)
            now = datetime.now(UTC)
            if gap_vectors:
                await run_in_threadpool(gaps.remember, now - timedelta(days=days), now, gap_vectors)
        except Exception:  # noqa: BLE001 - a failed run is retried next time
            log.exception("Wartungslauf fehlgeschlagen")
        await asyncio.sleep(RETENTION_INTERVAL_SECONDS)
