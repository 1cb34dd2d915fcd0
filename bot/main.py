"""The chat service: FastAPI app with Rasa's action webhook, the NLU embedding endpoint, health.

    create_app(settings) -> FastAPI     (uvicorn bot.main:app)

Message flow: widget -> (chat API, next issue) -> Rasa (NLU: intent, using our embeddings;
dialogue policy) -> /webhook (bot/actions) -> retrieval -> answer back through Rasa.
"""

from __future__ import annotations

import secrets
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from bot.actions.handoff import HandoffSink, LoggingHandoffSink
from bot.actions.webhook import action_router, build_actions
from bot.knowledge import KnowledgeHolder
from bot.rasa_client import RasaClient
from bot.settings import Settings, get_settings


class EmbeddingRequest(BaseModel):
    texts: list[Annotated[str, Field(max_length=2000)]] = Field(max_length=256)


def create_app(settings: Settings | None = None, knowledge: KnowledgeHolder | None = None,
               sink: HandoffSink | None = None) -> FastAPI:
    settings = settings or get_settings()
    token = settings.internal_token or secrets.token_urlsafe(24)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        holder = knowledge or await run_in_threadpool(KnowledgeHolder, settings)
        await run_in_threadpool(holder.reload)
        app.state.knowledge = holder
        app.state.rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_seconds)
        app.state.actions = build_actions(holder, settings, sink or LoggingHandoffSink())
        yield
        app.state.rasa.close()

    app = FastAPI(title="Kommunalbot", version="0.1.0", lifespan=lifespan,
                  description="Chat-Dienst des Kommunalbots: Antworten aus der Wissensbasis der Kommune.")
    app.state.settings, app.state.internal_token = settings, token
    app.include_router(action_router(lambda: app.state.actions))

    def internal_only(x_internal_token: Annotated[str, Header()] = "") -> None:
        if not secrets.compare_digest(x_internal_token, token):
            raise HTTPException(403, "Nur für interne Dienste")

    @app.post("/internal/nlu-embeddings", include_in_schema=False, dependencies=[Depends(internal_only)])
    async def nlu_embeddings(body: EmbeddingRequest, request: Request) -> dict[str, list[list[float]]]:
        holder: KnowledgeHolder = request.app.state.knowledge

        def embed() -> list[list[float]]:
            if len(body.texts) == 1:  # a live message: cached for the retrieval that follows
                return [holder.query_vector(body.texts[0]).tolist()]
            return holder.embedder.encode_queries(body.texts).tolist()  # training batches

        return {"vectors": await run_in_threadpool(embed)}

    @app.get("/health", tags=["Betrieb"], summary="Zustand von Index und Rasa")
    async def health(request: Request) -> dict[str, object]:
        holder: KnowledgeHolder = request.app.state.knowledge
        try:
            build = holder.build
            index = {"status": "ok", "build": build.build_id, "documents": len(build.documents)}
        except Exception as e:  # noqa: BLE001 - reported, not raised
            index = {"status": "error", "detail": str(e)}
        rasa_ok = await run_in_threadpool(request.app.state.rasa.is_ready)
        status = "ok" if index["status"] == "ok" and rasa_ok else "degraded"
        return {"status": status, "index": index, "rasa": {"status": "ok" if rasa_ok else "unavailable"}}

    return app
