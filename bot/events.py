"""Wake-ups for real-time readers (SSE streams of citizens and staff).

A notification only says "something changed in conversation X"; readers then fetch the new
messages from the database by sequence number. So a missed or duplicated wake-up never loses
or repeats a message, and a reconnecting client resumes from the last sequence it saw.
This bus is in-process; with ``redis_url`` set, ``RedisRelay`` carries wake-ups between
processes (several workers or hosts), so a staff reply written by one process reaches the
citizen's stream served by another.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)
CHANNEL = "kommunalbot:events"

ALL = "*"  # staff queues listen to every conversation


class Subscription:
    """A reader's registration for one conversation, for as long as it reads: a wake-up that comes
    while the reader is busy (reading the database, sending to the browser) is kept for its next
    ``wait``. Registering anew for each wait lost those, and a staff reply then waited for the next
    keepalive (15 s)."""

    def __init__(self, event: asyncio.Event):
        self._event = event

    async def wait(self, timeout: float) -> bool:
        """Wait until notified since the last wait (True) or the timeout passes (False)."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        self._event.clear()
        return True


class EventBus:
    def __init__(self) -> None:
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = defaultdict(set)
        self._lock = threading.Lock()

    def notify(self, conversation_id: str) -> None:
        """Thread-safe: wake everyone subscribed to this conversation or to all of them."""
        with self._lock:
            waiters = list(self._waiters.get(conversation_id, ())) + list(self._waiters.get(ALL, ()))
        for loop, event in waiters:
            loop.call_soon_threadsafe(event.set)

    @contextmanager
    def subscribe(self, conversation_id: str) -> Iterator[Subscription]:
        """Register in the running event loop until the block ends."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters[conversation_id].add(entry)
        try:
            yield Subscription(entry[1])
        finally:
            with self._lock:
                self._waiters[conversation_id].discard(entry)
                if not self._waiters[conversation_id]:
                    del self._waiters[conversation_id]


class RedisRelay:
    """Publishes local notifications to Redis and replays everyone else's locally."""

    def __init__(self, bus: EventBus, url: str):
        import redis

        self.bus, self._redis = bus, redis.Redis.from_url(url)
        self._local_notify = bus.notify
        bus.notify = self.publish  # type: ignore[method-assign]  # every writer now fans out
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="redis-events", daemon=True)
        self._thread.start()

    def publish(self, conversation_id: str) -> None:
        self._local_notify(conversation_id)  # wake our own readers at once, even if Redis is down
        try:
            self._redis.publish(CHANNEL, conversation_id)
        except Exception as e:  # noqa: BLE001 - readers still catch up on their next poll
            log.warning("Redis nicht erreichbar, Benachrichtigung nur lokal: %s", type(e).__name__)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and message.get("type") == "message":
                        self._local_notify(message["data"].decode())
            except Exception as e:  # noqa: BLE001 - reconnect after a pause
                log.warning("Redis-Abo unterbrochen (%s), neuer Versuch in 2 s", type(e).__name__)
                time.sleep(2)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
