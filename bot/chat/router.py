"""Public chat API for the widget: /api/chat/...

Start a conversation, send a message, receive every message once on the conversation's event
stream (SSE, resumed with ``Last-Event-ID``) or by ``messages?after=``, give feedback, delete the
conversation.
The conversation id is a secret only the citizen's browser holds; there are no cookies.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bot.chat.schemas import (
    Accepted,
    ConversationCreated,
    FeedbackIn,
    LanguageChoice,
    MessageOut,
    Messages,
    NewMessage,
)
from bot.chat.service import ChatService, ConversationNotFoundError
from bot.chat.stream import message_stream
from bot.events import EventBus
from bot.settings import Settings

MAX_SEQ = 2_147_483_647  # fits every database's INTEGER
Seq = Annotated[int, Query(ge=0, le=MAX_SEQ)]
NOT_FOUND = "Dieses Gespräch gibt es nicht (mehr). Bitte starten Sie ein neues."
TOO_MANY = "Zu viele Nachrichten in kurzer Zeit. Bitte warten Sie einen Moment und versuchen Sie es dann erneut."


class RateLimits:
    def __init__(self, settings: Settings):
        # Shared counters across processes when Redis is configured.
        self.limiter = MovingWindowRateLimiter(storage_from_string(settings.redis_url or "memory://"))
        self.per_conversation = parse(settings.rate_limit_conversation)
        self.per_client = parse(settings.rate_limit_client)

    def check(self, conversation_id: str | None, client: str) -> None:
        """Count one request against the client's limit and, if given, the conversation's."""
        if not (self.limiter.hit(self.per_client, "client", client)
                and (conversation_id is None or self.limiter.hit(self.per_conversation, "conv", conversation_id))):
            raise HTTPException(429, TOO_MANY, headers={"Retry-After": "30"})


def _service(request: Request) -> ChatService:
    return request.app.state.chat


Service = Annotated[ChatService, Depends(_service)]


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def chat_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/api/chat", tags=["Chat (öffentlich)"])
    limits = RateLimits(settings)

    @router.post("/conversations", status_code=201, response_model=ConversationCreated,
                 summary="Neues Gespräch beginnen")
    def start(request: Request, chat: Service) -> ConversationCreated:
        limits.check(None, client_of(request))
        return ConversationCreated(conversation_id=chat.start())

    @router.post("/conversations/{conversation_id}/messages", response_model=Accepted,
                 summary="Nachricht senden; die Antworten kommen über /events (oder /messages?after=seq)",
                 responses={404: {"description": NOT_FOUND}, 429: {"description": TOO_MANY}})
    def send(conversation_id: str, body: NewMessage, request: Request, chat: Service) -> Accepted:
        limits.check(conversation_id, client_of(request))
        try:
            stored = chat.send(conversation_id, body.text, body.label, body.lang)
            status = chat.status(conversation_id)
        except ConversationNotFoundError:
            raise HTTPException(404, NOT_FOUND) from None
        return Accepted(seq=stored[0].seq, status=status)

    @router.put("/conversations/{conversation_id}/language", status_code=204,
                summary="Sprache wählen (Sprachmenü, Leichte Sprache); der Verlauf bleibt")
    def choose_language(conversation_id: str, body: LanguageChoice, request: Request, chat: Service) -> Response:
        limits.check(conversation_id, client_of(request))
        try:
            chat.choose_language(conversation_id, body.lang)
        except ConversationNotFoundError:
            raise HTTPException(404, NOT_FOUND) from None
        return Response(status_code=204)

    @router.get("/conversations/{conversation_id}/messages", response_model=Messages,
                summary="Verlauf ab einer laufenden Nummer (nach Neuladen oder Verbindungsabbruch)")
    def history(conversation_id: str, chat: Service, after: Seq = 0) -> Messages:
        try:
            return Messages(messages=[MessageOut.of(m) for m in chat.messages(conversation_id, after)],
                            status=chat.status(conversation_id))
        except ConversationNotFoundError:
            raise HTTPException(404, NOT_FOUND) from None

    @router.get("/conversations/{conversation_id}/events", summary="Nachrichten in Echtzeit (Server-Sent Events)",
                response_class=StreamingResponse,
                description="Jede Nachricht als Ereignis `message` mit `id` = laufende Nummer. Nach einem Abbruch "
                            "setzt der Browser mit `Last-Event-ID` fort: keine Nachricht fehlt oder kommt doppelt.")
    async def events(conversation_id: str, request: Request, chat: Service,
                     after: Seq = 0,
                     last_event_id: Annotated[str | None, Header(max_length=12)] = None) -> StreamingResponse:
        resumed = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
        start_after = resumed if resumed is not None and resumed <= MAX_SEQ else after
        try:
            await run_in_threadpool(chat.status, conversation_id)
        except ConversationNotFoundError:
            raise HTTPException(404, NOT_FOUND) from None
        bus: EventBus = request.app.state.bus
        return StreamingResponse(message_stream(chat, bus, request, conversation_id, start_after),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @router.post("/conversations/{conversation_id}/messages/{seq}/feedback", status_code=204,
                 summary="Rückmeldung zu einer Antwort")
    def feedback(conversation_id: str, seq: Annotated[int, Path(ge=1, le=MAX_SEQ)], body: FeedbackIn, request: Request,
                 chat: Service) -> Response:
        limits.check(conversation_id, client_of(request))
        try:
            chat.feedback(conversation_id, seq, body.helpful, body.text)
        except ConversationNotFoundError:
            raise HTTPException(404, "Diese Antwort gibt es nicht.") from None
        return Response(status_code=204)

    @router.delete("/conversations/{conversation_id}", status_code=204, summary="Mein Gespräch löschen")
    def delete(conversation_id: str, chat: Service) -> Response:
        try:
            chat.delete(conversation_id)
        except ConversationNotFoundError:
            raise HTTPException(404, NOT_FOUND) from None
        return Response(status_code=204)

    return router
