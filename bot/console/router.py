"""Server-rendered staff console under /staff/ (German, accessible, no external assets).

Every route except the login form requires a session; pages redirect to the login, the JSON
and event endpoints answer 401. State changes need the CSRF token.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from bot.console.auth import (
    ROLES, LoginRequired, authenticate, check_csrf, csrf_token, current_user, hash_password, require, start_session,
)
from bot.db import repository as repo
from bot.db.models import Conversation, StaffUser
from bot.settings import Settings

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
QUEUES = {"waiting": "Wartend", "mine": "Meine", "open": "Alle offenen", "closed": "Abgeschlossen",
          "callbacks": "Rückrufwünsche"}
CLOSE_REASONS = {"erledigt": "Anliegen erledigt", "weitergeleitet": "an Fachamt weitergeleitet",
                 "rueckruf": "Rückruf vereinbart", "keine_antwort": "keine Rückmeldung", "missbrauch": "Missbrauch/Spam"}
STATUS_TEXT = {"bot": "beim Bot", "waiting": "wartet auf Team", "staff": "vom Team übernommen", "closed": "abgeschlossen"}

Staff = Annotated[StaffUser, Depends(require("staff"))]
Editor = Annotated[StaffUser, Depends(require("editor"))]
Admin = Annotated[StaffUser, Depends(require("admin"))]


def render(request: Request, name: str, user: StaffUser | None, **context: object) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"user": user, "csrf": csrf_token(request), "queues": QUEUES,
                                                      "status_text": STATUS_TEXT, **context})


def console_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/staff", include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        if request.session.get("uid"):
            try:
                user = current_user(request)
            except LoginRequired:
                return render(request, "login.html", None, error=None)
            target = "/staff/kb" if user.role == "editor" else "/staff/queue/waiting"
            return RedirectResponse(target, status_code=303)
        return render(request, "login.html", None, error=None)

    @router.post("/login", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
    def login(request: Request, username: Annotated[str, Form(max_length=80)],
              password: Annotated[str, Form(max_length=200)]) -> Response:
        user, error = authenticate(request, username.strip(), password, settings)
        if user is None:
            return render(request, "login.html", None, error=error, username=username)
        start_session(request, user)
        return RedirectResponse("/staff/", status_code=303)

    @router.post("/logout", dependencies=[Depends(check_csrf)])
    def logout(request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/staff/", status_code=303)

    @router.get("/queue/{kind}", response_class=HTMLResponse)
    def queue(kind: str, request: Request, user: Staff) -> HTMLResponse:
        if kind not in QUEUES:
            raise HTTPException(404, "Diese Liste gibt es nicht.")
        with request.app.state.db.session() as s:
            rows = [_summary(c) for c in repo.queue(s, kind, user.id)]
        return render(request, "queue.html", user, kind=kind, rows=rows)

    @router.get("/conversations/{cid}", response_class=HTMLResponse)
    def conversation(cid: str, request: Request, user: Staff) -> HTMLResponse:
        with request.app.state.db.session() as s:
            conv = _get(s, cid)
            messages = repo.messages_after(s, cid, 0)
            callback = conv.callback.contact if conv.callback else None
            assignee = conv.assignee.display_name if conv.assignee else None
            view = {"id": conv.id, "status": conv.status, "assignee_id": conv.assignee_id, "assignee": assignee,
                    "close_reason": conv.close_reason, "staff_available": conv.staff_available}
        return render(request, "conversation.html", user, conv=view, messages=messages, callback=callback,
                      reasons=CLOSE_REASONS)

    @router.post("/conversations/{cid}/take", dependencies=[Depends(check_csrf)])
    def take(cid: str, request: Request, user: Staff) -> Response:
        with request.app.state.db.session() as s:
            conv = _get(s, cid, lock=True)
            if conv.status == "closed":
                raise HTTPException(409, "Das Gespräch ist abgeschlossen.")
            repo.take_over(s, conv, user)
            repo.add_message(s, conv, "system", f"{user.display_name} vom Bürgerservice ist jetzt im Chat.",
                             {"kind": "staff_joined"})
        request.app.state.bus.notify(cid)
        return RedirectResponse(f"/staff/conversations/{cid}", status_code=303)

    @router.post("/conversations/{cid}/reply", dependencies=[Depends(check_csrf)])
    def reply(cid: str, request: Request, user: Staff, text: Annotated[str, Form(min_length=1, max_length=2000)]) -> Response:
        with request.app.state.db.session() as s:
            conv = _get(s, cid, lock=True)
            if conv.status != "staff" or conv.assignee_id != user.id:
                raise HTTPException(409, "Bitte übernehmen Sie das Gespräch zuerst.")
            repo.add_message(s, conv, "staff", text.strip(), {"kind": "staff", "name": user.display_name},
                             staff_user_id=user.id)
        request.app.state.bus.notify(cid)
        return RedirectResponse(f"/staff/conversations/{cid}", status_code=303)

    @router.post("/conversations/{cid}/hand-back", dependencies=[Depends(check_csrf)])
    def hand_back(cid: str, request: Request, user: Staff) -> Response:
        with request.app.state.db.session() as s:
            conv = _get(s, cid, lock=True)
            repo.hand_back(s, conv)
            repo.add_message(s, conv, "system", "Sie schreiben jetzt wieder mit dem digitalen Assistenten.",
                             {"kind": "bot_back"})
        request.app.state.bus.notify(cid)
        return RedirectResponse("/staff/queue/mine", status_code=303)

    @router.post("/conversations/{cid}/close", dependencies=[Depends(check_csrf)])
    def close(cid: str, request: Request, user: Staff, reason: Annotated[str, Form()]) -> Response:
        if reason not in CLOSE_REASONS:
            raise HTTPException(422, "Bitte wählen Sie einen Abschlussgrund.")
        with request.app.state.db.session() as s:
            conv = _get(s, cid, lock=True)
            repo.close(s, conv, reason)
            repo.add_message(s, conv, "system", "Das Gespräch wurde vom Bürgerservice beendet. Vielen Dank!",
                             {"kind": "closed"})
        request.app.state.bus.notify(cid)
        return RedirectResponse("/staff/queue/open", status_code=303)

    @router.get("/conversations/{cid}/events")
    async def events(cid: str, request: Request, user: Staff) -> StreamingResponse:
        """Live transcript for the console: one 'message' event per new message (resumable)."""
        from bot.chat.router import _stream

        last = request.headers.get("last-event-id") or "0"
        return StreamingResponse(_stream(request.app.state.chat, request.app.state.bus, request, cid,
                                         int(last) if last.isdigit() and len(last) < 10 else 0),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    @router.get("/users", response_class=HTMLResponse)
    def users(request: Request, user: Admin) -> HTMLResponse:
        with request.app.state.db.session() as s:
            return render(request, "users.html", user, users=repo.list_users(s), roles=ROLES, error=None)

    @router.post("/users", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
    def add_user(request: Request, user: Admin, username: Annotated[str, Form(min_length=2, max_length=80)],
                 display_name: Annotated[str, Form(min_length=1, max_length=120)],
                 password: Annotated[str, Form(max_length=200)], role: Annotated[str, Form()]) -> Response:
        error = None
        try:
            if role not in ROLES:
                raise ValueError("Unbekannte Rolle.")
            with request.app.state.db.session() as s:
                if repo.get_user(s, username):
                    raise ValueError("Diesen Benutzernamen gibt es schon.")
                repo.create_user(s, username.strip(), display_name.strip(), hash_password(password), role)
        except ValueError as e:
            error = str(e)
        with request.app.state.db.session() as s:
            return render(request, "users.html", user, users=repo.list_users(s), roles=ROLES, error=error,
                          created=None if error else username)

    @router.post("/users/{uid}/active", dependencies=[Depends(check_csrf)])
    def toggle_user(uid: int, request: Request, user: Admin) -> Response:
        with request.app.state.db.session() as s:
            target = s.get(StaffUser, uid)
            if target is None:
                raise HTTPException(404, "Unbekanntes Konto.")
            if target.id == user.id:
                raise HTTPException(409, "Das eigene Konto kann nicht deaktiviert werden.")
            target.active = not target.active
        return RedirectResponse("/staff/users", status_code=303)

    @router.get("/kb", response_class=HTMLResponse)
    def kb_status(request: Request, user: Editor) -> HTMLResponse:
        from retrieval.knowledge_base import load_knowledge_base

        holder = request.app.state.knowledge
        try:
            manifest = holder.build.manifest
        except Exception as e:  # noqa: BLE001 - shown on the page
            manifest = {"error": str(e)}
        check = load_knowledge_base(settings.kb_dir)
        with request.app.state.db.session() as s:
            unanswered = repo.unanswered(s)
        return render(request, "kb.html", user, manifest=manifest, findings=check.findings,
                      reindex=request.app.state.reindex_status, unanswered=unanswered)

    @router.post("/kb/reindex", dependencies=[Depends(check_csrf)])
    def reindex(request: Request, user: Editor) -> Response:
        state = request.app.state
        if state.reindex_status.get("running"):
            return RedirectResponse("/staff/kb", status_code=303)
        state.reindex_status = {"running": True, "by": user.display_name}

        def work() -> None:
            from retrieval.index_build import build_index

            try:
                report = build_index(settings.kb_dir, settings, state.knowledge.embedder)
                state.knowledge.reload()
                state.reindex_status = {"running": False, "result": f"Index {report.build_id}: {report.documents} "
                                        f"Dokumente, {report.embedded} Abschnitte neu berechnet"}
            except Exception as e:  # noqa: BLE001 - shown on the page
                state.reindex_status = {"running": False, "error": str(e)}

        threading.Thread(target=work, name="reindex", daemon=True).start()
        return RedirectResponse("/staff/kb", status_code=303)

    return router


def _get(s, cid: str, lock: bool = False) -> Conversation:
    conv = repo.get_conversation(s, cid, lock=lock)
    if conv is None:
        raise HTTPException(404, "Dieses Gespräch gibt es nicht (mehr).")
    return conv


def _summary(c: Conversation) -> dict[str, object]:
    first = next((m.text for m in c.messages if m.sender == "citizen"), "")
    return {"id": c.id, "status": c.status, "updated_at": c.updated_at, "handoff_at": c.handoff_at,
            "assignee": c.assignee.display_name if c.assignee else None, "preview": first[:120],
            "callback": bool(c.callback), "reason": c.close_reason, "staff_available": c.staff_available}


def install(app: FastAPI, settings: Settings) -> None:
    app.state.reindex_status = {}
    app.include_router(console_router(settings))
    app.mount("/staff/static", StaticFiles(directory=HERE / "static"), name="console-static")

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        if request.url.path.endswith("/events") or request.headers.get("accept", "").startswith("application/json"):
            return Response("Anmeldung erforderlich", status_code=401)
        return RedirectResponse("/staff/", status_code=303)
