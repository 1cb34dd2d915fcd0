"""HTTP hardening shared by all routes: security headers and German validation errors."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Pages we render ourselves (console, demo) load nothing from elsewhere and are never framed.
HTML_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")

MESSAGES = {
    "string_too_long": "Der Text ist zu lang (höchstens {max_length} Zeichen).",
    "string_too_short": "Der Text ist leer.",
    "missing": "Angabe fehlt.",
    "extra_forbidden": "Unbekanntes Feld.",
    "json_invalid": "Ungültiges JSON.",
    "bool_parsing": "Erwartet wahr oder falsch.",
    "int_parsing": "Erwartet eine ganze Zahl.",
}


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # noqa: ANN001, ANN202 - Starlette middleware
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", HTML_CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
        if request.url.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # The pool reconnects by itself (pre-ping) once the database is back.
        return JSONResponse({"detail": "Der Dienst ist gerade nicht erreichbar (Datenbank). "
                                       "Bitte versuchen Sie es in einer Minute noch einmal."},
                            status_code=503, headers={"Retry-After": "30"})

    @app.exception_handler(RequestValidationError)
    async def german_validation_errors(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for error in exc.errors():
            template = MESSAGES.get(error["type"], "Ungültige Angabe.")
            field = ".".join(str(p) for p in error["loc"] if p != "body")
            errors.append({"field": field, "message": template.format(**(error.get("ctx") or {}))})
        detail = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
        return JSONResponse({"detail": detail, "errors": errors}, status_code=422)
