"""The in-process wake-ups behind the SSE streams (bot/events.py)."""

from __future__ import annotations

import asyncio
import threading

from bot.events import ALL, EventBus


def test_a_wake_up_while_the_reader_is_busy_is_kept_for_its_next_wait():
    async def reader() -> list[bool]:
        bus = EventBus()
        with bus.subscribe("c1") as wake_ups:
            # the stream is reading the database when a staff reply is stored (from another thread)
            threading.Thread(target=bus.notify, args=("c1",)).start()
            await asyncio.sleep(0.05)
            kept = await wake_ups.wait(timeout=5)
            consumed = await wake_ups.wait(timeout=0.05)  # one wake-up wakes once
        return [kept, consumed]

    assert asyncio.run(reader()) == [True, False]


def test_wake_ups_reach_their_conversation_and_the_staff_queue_only():
    bus = EventBus()

    async def readers() -> tuple[bool, bool, bool]:
        with bus.subscribe("c1") as one, bus.subscribe("c2") as other, bus.subscribe(ALL) as queue:
            bus.notify("c1")
            return await one.wait(1), await other.wait(0.05), await queue.wait(1)

    assert asyncio.run(readers()) == (True, False, True)
    assert bus._waiters == {}  # a closed stream leaves no registration behind
