"""stored messages in the reply contract (bot/reply.py)

Before, a message's payload held Rasa's free-form ``custom`` data (service_id, options, links as
a mapping, see_also, ask_contact …) and an answer's text ended in "Quelle: …" lines. Rewritten
here to the contract's fields, so that the API can validate every stored message. The source
lines stay in old texts: they are what the citizen saw then.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

KINDS = {"answer", "clarify", "decline", "handoff_offer", "handoff", "contact_form", "smalltalk", "error", "staff",
         "staff_joined", "bot_back", "closed"}
LINK_TITLES = {"booking": "Termin buchen", "online": "Online erledigen"}


def to_contract(sender: str, payload: dict[str, Any]) -> dict[str, Any]:
    """An old payload in the contract's fields (without the text, which has its own column)."""
    if sender == "citizen":
        return {}
    kind = "contact_form" if payload.get("ask_contact") else payload.get("kind")
    if kind not in KINDS:
        kind = "staff" if sender == "staff" else "smalltalk"
    links = [{"kind": k, "url": url, "title": LINK_TITLES[k]} for k, url in (payload.get("links") or {}).items()
             if k in LINK_TITLES and isinstance(url, str)]
    links += [{"kind": "related", "url": p["url"], "title": p.get("title") or p["url"]}
              for p in payload.get("see_also") or [] if isinstance(p, dict) and p.get("url")]
    services = ([payload["service_id"]] if payload.get("service_id") else []) + \
        [o["service_id"] for o in payload.get("options") or [] if isinstance(o, dict) and o.get("service_id")]
    confidence = payload.get("confidence")
    return {
        "kind": kind,
        "buttons": [{"title": b.get("title", ""), "payload": b.get("payload", ""), "summary": b.get("summary")}
                    for b in payload.get("buttons") or [] if isinstance(b, dict)],
        "sources": [{"url": s["url"], "title": s.get("title") or s["url"], "date": s.get("updated") or s.get("date")}
                    for s in payload.get("sources") or [] if isinstance(s, dict) and s.get("url")],
        "links": links,
        "service_ids": services,
        "confidence": confidence if isinstance(confidence, (int, float)) else None,
    }


def upgrade() -> None:
    messages = sa.table("messages", sa.column("id", sa.Integer), sa.column("sender", sa.String),
                        sa.column("payload", sa.JSON))
    connection = op.get_bind()
    rows = connection.execute(sa.select(messages.c.id, messages.c.sender, messages.c.payload)).fetchall()
    for row in rows:
        new = to_contract(row.sender, row.payload or {})
        if new != (row.payload or {}):
            connection.execute(messages.update().where(messages.c.id == row.id).values(payload=new))


def downgrade() -> None:
    pass  # the contract's fields are a subset of what the old code read; nothing to undo
