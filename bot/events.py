"""Wake-ups for real-time readers (SSE streams of citizens and staff).

A notification only says "something changed in conversation X"; readers then fetch the new
messages from the database by sequence number. So a missed or duplicated wake-up never loses
or repeats a message, and a reconnecting client resumes from the last sequence it saw.
This bus is in-process; several processes share wake-ups through PostgreSQL or Redis (see
docs/operations.md once the deployment issue is done).
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict

ALL = "*"  # staff queues listen to every conversation


class EventBus:
    def __init__(self) -> None:
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = defaultdict(set)
        self._lock = threading.Lock()

    def notify(self, conversation_id: str) -> None:
        """Thread-safe: wake everyone waiting on this conversation or on all of them."""
        with self._lock:
            waiters = list(self._waiters.get(conversation_id, ())) + list(self._waiters.get(ALL, ()))
        for loop, event in waiters:
            loop.call_soon_threadsafe(event.set)

    async def wait(self, conversation_id: str, timeout: float) -> bool:
        """Wait until notified (True) or the timeout passes (False)."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters[conversation_id].add(entry)
        try:
            await asyncio.wait_for(entry[1].wait(), timeout)
            return True
        except TimeoutError:
            return False
        finally:
            with self._lock:
                self._waiters[conversation_id].discard(entry)
                if not self._waiters[conversation_id]:
                    del self._waiters[conversation_id]
