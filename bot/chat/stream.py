"""A conversation's messages as Server-Sent Events, for the widget and the staff console.

Each message is one ``message`` event whose ``id`` is its sequence number; a reconnecting
browser sends ``Last-Event-ID`` and the stream resumes after it, so no message is lost or
repeated. Status changes (handed off, taken over, closed) are ``status`` events.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import Request
from fastapi.concurrency import run_in_threadpool

from bot.chat.schemas import MessageOut
from bot.chat.service import ChatService, ConversationNotFoundError
from bot.events import EventBus

KEEPALIVE_SECONDS = 15.0


async def message_stream(chat: ChatService, bus: EventBus, request: Request, conversation_id: str,
                         after: int) -> AsyncIterator[str]:
    status = None
    yield "retry: 3000\n\n"
    with bus.subscribe(conversation_id) as wake_ups:  # before the first read: nothing written after it is missed
        while not await request.is_disconnected():
            try:
                messages = await run_in_threadpool(chat.messages, conversation_id, after)
                current = await run_in_threadpool(chat.status, conversation_id)
            except ConversationNotFoundError:
                yield "event: deleted\ndata: {}\n\n"
                return
            for message in messages:
                after = message.seq
                yield f"id: {message.seq}\nevent: message\ndata: {MessageOut.of(message).model_dump_json()}\n\n"
            if current != status:
                status = current
                yield f"event: status\ndata: {json.dumps({'status': status})}\n\n"
            if not await wake_ups.wait(KEEPALIVE_SECONDS):
                yield ": keepalive\n\n"
