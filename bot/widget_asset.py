"""GET /widget/widget.js: the widget as one script, from its source modules.

``widget/src/i18n.js`` (the interface's texts in every language), ``widget/src/api.js`` (the API)
and ``widget/src/widget.js`` (the interface) are kept apart so that the API has one place in the
widget; cities still embed a single script tag. The two are
joined in one function scope (nothing leaks into the page's globals) once, at start.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi import APIRouter, Request, Response

SOURCES = ("i18n.js", "api.js", "widget.js")


def bundle(src: Path) -> bytes:
    parts = [(src / name).read_text(encoding="utf-8") for name in SOURCES]
    return ("(function () {\n" + "\n".join(parts) + "\n}());\n").encode("utf-8")


def widget_router(src: Path) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    body = bundle(src)
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}  # revalidated, so an update reaches every page

    @router.get("/widget/widget.js")
    def widget(request: Request) -> Response:
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)

    return router
