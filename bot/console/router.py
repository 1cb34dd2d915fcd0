"""Server-rendered staff console under /staff/ (German, accessible, no external assets).

Every route except the login form requires a session; pages redirect to the login, the JSON
and event endpoints answer 401. State changes need the CSRF token.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from bot.chat.stream import message_stream
from bot.console.auth import (
    ROLES,
    LoginRequired,
    authenticate,
    check_csrf,
    csrf_token,
    current_user,
    hash_password,
    require,
    start_session,
)
from bot.console.reindex import ReindexJob
from bot.console.reports import german_number, reports_router
from bot.console.service import ConflictError, ConsoleService, NotFoundError
from bot.db.models import CLOSE_REASONS, StaffUser
from bot.settings import Settings
from retrieval.languages import NAME_IN_GERMAN

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["language_name"] = lambda lang: NAME_IN_GERMAN.get(lang or "de", lang)
templates.env.filters["num"] = german_number
QUEUES = {"waiting": "Wartend", "mine": "Meine", "open": "Alle offenen", "closed": "Abgeschlossen",
          "callbacks": "Rückrufwünsche"}
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
        return render(request, "queue.html", user, kind=kind, rows=_console(request).queue(kind, user.id))

    @router.get("/conversations/{cid}", response_class=HTMLResponse)
    def conversation(cid: str, request: Request, user: Staff) -> HTMLResponse:
        with _errors():
            view = _console(request).conversation(cid)
        return render(request, "conversation.html", user, conv=view.summary, messages=view.messages,
                      callback=view.callback, reasons=CLOSE_REASONS)

    @router.post("/conversations/{cid}/take", dependencies=[Depends(check_csrf)])
    def take(cid: str, request: Request, user: Staff) -> Response:
        with _errors():
            _console(request).take(cid, user)
        return RedirectResponse(f"/staff/conversations/{cid}", status_code=303)

    @router.post("/conversations/{cid}/reply", dependencies=[Depends(check_csrf)])
    def reply(cid: str, request: Request, user: Staff, text: Annotated[str, Form(min_length=1, max_length=2000)]) -> Response:
        with _errors():
            _console(request).reply(cid, user, text)
        return RedirectResponse(f"/staff/conversations/{cid}", status_code=303)

    @router.post("/conversations/{cid}/hand-back", dependencies=[Depends(check_csrf)])
    def hand_back(cid: str, request: Request, user: Staff) -> Response:
        with _errors():
            _console(request).hand_back(cid)
        return RedirectResponse("/staff/queue/mine", status_code=303)

    @router.post("/conversations/{cid}/close", dependencies=[Depends(check_csrf)])
    def close(cid: str, request: Request, user: Staff, reason: Annotated[str, Form()]) -> Response:
        with _errors():
            _console(request).close(cid, reason)
        return RedirectResponse("/staff/queue/open", status_code=303)

    @router.get("/conversations/{cid}/events")
    async def events(cid: str, request: Request, user: Staff) -> StreamingResponse:
        """Live transcript for the console: one 'message' event per new message (resumable)."""
        last = request.headers.get("last-event-id") or "0"
        return StreamingResponse(message_stream(request.app.state.chat, request.app.state.bus, request, cid,
                                                int(last) if last.isdigit() and len(last) < 10 else 0),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    @router.get("/users", response_class=HTMLResponse)
    def users(request: Request, user: Admin) -> HTMLResponse:
        return render(request, "users.html", user, users=_console(request).users(), roles=ROLES, error=None)

    @router.post("/users", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
    def add_user(request: Request, user: Admin, username: Annotated[str, Form(min_length=2, max_length=80)],
                 display_name: Annotated[str, Form(min_length=1, max_length=120)],
                 password: Annotated[str, Form(max_length=200)], role: Annotated[str, Form()]) -> Response:
        console = _console(request)
        error = None
        try:
            console.add_user(username.strip(), display_name.strip(), hash_password(password), role)
        except ValueError as e:
            error = str(e)
        return render(request, "users.html", user, users=console.users(), roles=ROLES, error=error,
                      created=None if error else username)

    @router.post("/users/{uid}/active", dependencies=[Depends(check_csrf)])
    def toggle_user(uid: int, request: Request, user: Admin) -> Response:
        with _errors():
            _console(request).toggle_user(uid, user)
        return RedirectResponse("/staff/users", status_code=303)

    @router.get("/kb", response_class=HTMLResponse)
    def kb_status(request: Request, user: Editor) -> HTMLResponse:
        from retrieval.kb.knowledge_base import load_knowledge_base

        holder = request.app.state.knowledge
        try:
            manifest = holder.build.manifest
        except Exception as e:  # noqa: BLE001 - shown on the page
            manifest = {"error": str(e)}
        check = load_knowledge_base(settings.kb_dir)
        return render(request, "kb.html", user, manifest=manifest, findings=check.findings,
                      reindex=request.app.state.reindex.status())

    @router.post("/kb/reindex", dependencies=[Depends(check_csrf)])
    def reindex(request: Request, user: Editor) -> Response:
        request.app.state.reindex.start(user.display_name)
        return RedirectResponse("/staff/kb", status_code=303)

    return router


def _console(request: Request) -> ConsoleService:
    return request.app.state.console


@contextmanager
def _errors() -> Iterator[None]:
    """The service's errors as HTTP answers."""
    try:
        yield
    except NotFoundError as e:
        raise HTTPException(404, str(e)) from None
    except ConflictError as e:
        raise HTTPException(409, str(e)) from None
    except ValueError as e:
        raise HTTPException(422, str(e)) from None


def install(app: FastAPI, settings: Settings) -> None:
    app.state.reindex = ReindexJob(settings)
    app.include_router(console_router(settings))
    app.include_router(reports_router(render))
    app.mount("/staff/static", StaticFiles(directory=HERE / "static"), name="console-static")

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        if request.url.path.endswith("/events") or request.headers.get("accept", "").startswith("application/json"):
            return Response("Anmeldung erforderlich", status_code=401)
        return RedirectResponse("/staff/", status_code=303)
