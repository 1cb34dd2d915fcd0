"""Rasa's calls back into the chat service (NLU embeddings, actions): who may make them, and
the threads they run on.

Only Rasa may call: it carries the shared internal token, as the header ``X-Internal-Token``
(our NLU component) or as ``?token=`` (Rasa's action endpoint, endpoints.yml).

A citizen's message holds one of the app's worker threads while it waits for Rasa, and Rasa is
waiting for these callbacks. On one shared pool, enough waiting citizens leave no thread for the
callbacks: every turn then stalls until Rasa's timeout (seen in the load test). Their own pool
keeps the callbacks moving however many citizens wait.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import anyio.to_thread
from fastapi import HTTPException, Request

T = TypeVar("T")
POOL_SIZE = 16


def install(app) -> None:  # noqa: ANN001 - FastAPI app; called in the lifespan, inside the event loop
    app.state.rasa_callback_threads = anyio.CapacityLimiter(POOL_SIZE)


async def run_callback(request: Request, func: Callable[..., T], *args: object) -> T:
    return await anyio.to_thread.run_sync(partial(func, *args), limiter=request.app.state.rasa_callback_threads)


async def only_rasa(request: Request) -> None:
    """Dependency of the callback routes (async, so the check itself needs no worker thread)."""
    given = request.headers.get("x-internal-token") or request.query_params.get("token") or ""
    if not secrets.compare_digest(given.encode(), request.app.state.internal_token.encode()):
        raise HTTPException(403, "Nur für interne Dienste")
