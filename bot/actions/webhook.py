"""POST /webhook: Rasa's action-server endpoint, served by the chat service.

Matches rasa_sdk/endpoint.py: JSON body (optionally deflate-compressed), 404 for an unknown
action, 400 when an action rejects, otherwise ``{"events": [...], "responses": [...]}``.
Only Rasa may call it (bot/rasa/callbacks.py).
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from bot.actions.answer_from_kb import Abuse, AnswerFromKb, Clarify, NoneOfThese, OutOfScope
from bot.actions.handoff import (
    DeclineHandoff,
    Handoff,
    HandoffSink,
    OfferHandoff,
    SubmitContact,
    ValidateContactForm,
)
from bot.actions.office_info import OfficeInfo
from bot.actions.protocol import Action, ActionRejected, Dispatcher, Tracker
from bot.actions.say import FIXED_REPLIES
from bot.live_index import LiveIndex
from bot.rasa.callbacks import only_rasa, run_callback
from bot.settings import Settings

log = logging.getLogger(__name__)


def build_actions(knowledge: LiveIndex, settings: Settings, sink: HandoffSink) -> dict[str, Action]:
    answer_from_kb = AnswerFromKb(knowledge, settings)
    office_info = OfficeInfo(knowledge, answer_from_kb, settings.handoff_office)
    actions: list[Action] = [
        answer_from_kb, Clarify(knowledge, settings), NoneOfThese(settings), OutOfScope(settings),
        Abuse(knowledge, answer_from_kb),
        OfferHandoff(), DeclineHandoff(), Handoff(knowledge, settings, sink),
        ValidateContactForm({"ask_service": answer_from_kb, "ask_office": office_info}), SubmitContact(sink), office_info,
        *FIXED_REPLIES,
    ]
    return {a.name: a for a in actions}


def run_action(actions: dict[str, Action], payload: dict[str, Any]) -> dict[str, Any]:
    name = payload.get("next_action")
    action = actions.get(name or "")
    if action is None:
        raise HTTPException(404, detail={"error": f"No registered action found for name '{name}'.", "action_name": name})
    dispatcher = Dispatcher()
    events = action.run(dispatcher, Tracker.from_json(payload.get("tracker") or {}), payload.get("domain") or {})
    return {"events": events, "responses": dispatcher.messages}


def action_router(actions: Callable[[], dict[str, Action]]) -> APIRouter:
    """``actions`` is called per request: the registry is built once the model is loaded."""
    router = APIRouter(tags=["Rasa-Aktionen"])

    @router.post("/webhook", include_in_schema=False, dependencies=[Depends(only_rasa)])
    async def webhook(request: Request) -> JSONResponse:
        body = await request.body()
        if request.headers.get("content-encoding") == "deflate":
            body = zlib.decompress(body)
        try:
            payload = json.loads(body)
        except ValueError:
            raise HTTPException(400, detail="Ungültiges JSON") from None
        try:
            # Retrieval and embedding block: keep them off the event loop.
            result = await run_callback(request, run_action, actions(), payload)
        except ActionRejected as e:
            return JSONResponse({"error": str(e), "action_name": payload.get("next_action")}, status_code=400)
        return JSONResponse(result)

    return router
