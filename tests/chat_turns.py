"""One citizen turn over the public API, as the tests read it: send, then the turn's messages.

Sending only acknowledges a message ({seq, status}); its replies are stored when the answer
comes and are read here from ``messages?after=`` (the widget gets them on its event stream).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Turn:
    status_code: int
    body: dict[str, Any]  # {"messages": [...], "status": ...}, or the error

    def json(self) -> dict[str, Any]:
        return self.body


def ask(client: httpx.Client | str, cid: str, text: str, label: str | None = None, timeout: float = 60,
        lang: str | None = None) -> Turn:
    """``lang``: the widget's language, as an English or Turkish browser would send it."""
    if isinstance(client, str):
        with httpx.Client(base_url=client, timeout=timeout) as own:
            return ask(own, cid, text, label, lang=lang)
    body = {"text": text, "label": label, **({"lang": lang} if lang else {})}
    sent = client.post(f"/api/chat/conversations/{cid}/messages", json=body, timeout=timeout)
    if sent.status_code != 200:
        return Turn(sent.status_code, sent.json())
    ack = sent.json()
    assert set(ack) == {"seq", "status"}  # an acknowledgement, not a second copy of the messages
    messages = client.get(f"/api/chat/conversations/{cid}/messages", params={"after": ack["seq"] - 1}).json()["messages"]
    return Turn(200, {"messages": messages, "status": ack["status"]})
