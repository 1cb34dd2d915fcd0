"""Staff login: argon2 password hashes, signed session cookie, CSRF tokens, lockout, roles."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from fastapi import Depends, HTTPException, Request

from bot.db import repository as repo
from bot.db.models import StaffUser, utcnow
from bot.settings import Settings

ROLES = ("staff", "editor", "admin")
hasher = PasswordHasher()
# Verifying against a dummy hash for unknown users keeps the timing the same as for known ones.
_DUMMY_HASH = hasher.hash(secrets.token_hex(16))


class LoginRequired(Exception):
    """Raised for pages: the handler redirects to the login form."""


def hash_password(password: str) -> str:
    if len(password) < 10:
        raise ValueError("Das Passwort muss mindestens 10 Zeichen lang sein.")
    return hasher.hash(password)


def authenticate(request: Request, username: str, password: str, settings: Settings) -> tuple[StaffUser | None, str]:
    """(user, "") on success, else (None, German reason). Counts failures and locks the account."""
    with request.app.state.db.session() as s:
        user = repo.get_user(s, username)
        if user is None or not user.active:
            try:
                hasher.verify(_DUMMY_HASH, password)
            except VerifyMismatchError:
                pass
            return None, "Benutzername oder Passwort ist falsch."
        if repo.locked(user):
            return None, "Zu viele Fehlversuche: das Konto ist vorübergehend gesperrt. Bitte später erneut versuchen."
        try:
            hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            user.failed_logins += 1
            if user.failed_logins >= settings.login_max_failures:
                user.locked_until = utcnow() + timedelta(minutes=settings.login_lockout_minutes)
                user.failed_logins = 0
            return None, "Benutzername oder Passwort ist falsch."
        user.failed_logins, user.locked_until = 0, None
        if hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hasher.hash(password)
        return user, ""


def start_session(request: Request, user: StaffUser) -> None:
    request.session.clear()
    request.session.update({"uid": user.id, "csrf": secrets.token_urlsafe(24)})


def csrf_token(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(24)
    return request.session["csrf"]


async def check_csrf(request: Request) -> None:
    """Every state-changing staff request carries the session's token (form field or header)."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get("csrf")
    expected = request.session.get("csrf")
    if not expected or not sent or not secrets.compare_digest(str(sent), expected):
        raise HTTPException(403, "Sicherheitstoken fehlt oder ist ungültig. Bitte laden Sie die Seite neu.")


def current_user(request: Request) -> StaffUser:
    uid = request.session.get("uid")
    if uid is None:
        raise LoginRequired()
    with request.app.state.db.session() as s:
        user = s.get(StaffUser, uid)
        if user is None or not user.active:
            request.session.clear()
            raise LoginRequired()
        return user


def require(*roles: str):
    """Dependency: a logged-in user with one of ``roles`` (admin may do everything)."""

    def dependency(user: Annotated[StaffUser, Depends(current_user)]) -> StaffUser:
        if user.role != "admin" and user.role not in roles:
            raise HTTPException(403, "Für diese Seite fehlt Ihnen die Berechtigung.")
        return user

    return dependency
