"""The chat service's one call into Rasa per citizen message: POST /webhooks/kommunalbot/webhook.

Like Rasa's REST channel, with three differences:
  - the answer carries what the chat service needs to know about the turn (the intent Rasa
    classified), so it never has to GET the tracker: ``{"messages": [...], "intent": {...}}``;
  - the request's ``metadata`` reaches the NLU pipeline (the intent vector, see
    components/hybrid_intent_classifier.py), as with the REST channel;
  - only the chat service may call it: the shared internal token, as header ``X-Internal-Token``
    (Rasa's ``--auth-token`` guards its HTTP API, not its channels).
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Awaitable, Callable

from channels import action_result_check  # noqa: F401 - the action server's answers checked faster
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)


def _authorised(request: Request) -> bool:
    expected = os.environ.get("KOMMUNALBOT_INTERNAL_TOKEN", "")
    given = request.headers.get("x-internal-token", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


class TurnInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "kommunalbot"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("kommunalbot_turn", __name__)

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not _authorised(request):
                return response.json({"error": "Nur für den Chat-Dienst"}, status=403)
            body = request.json or {}
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "sender und message fehlen"}, status=400)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 metadata=body.get("metadata")))
            except Exception:  # noqa: BLE001 - reported as an error turn, as Rasa's REST channel does
                log.exception("Nachricht nicht verarbeitet")
                return response.json({"error": "Nachricht nicht verarbeitet"}, status=500)
            tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
            intent = (tracker.latest_message.intent or {}) if tracker and tracker.latest_message else {}
            return response.json({"messages": collector.messages,
                                  "intent": {"name": intent.get("name"), "confidence": intent.get("confidence")}})

        return hook
