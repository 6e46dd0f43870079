"""Login, sessions, CSRF and roles for the web UI.

Two roles: ``admin`` (the ``[gateway] admin_token``) may do everything; ``reviewer`` (any
reviewer token) may read every page and record review verdicts, but every routing/admin
endpoint answers 403.

A login exchanges a token for a session: a random session id, kept server-side in the
process's :class:`SessionTable` with the role, the display name, a per-session CSRF token and
an expiry. The cookie holds only the signed (itsdangerous) session id; it is HttpOnly,
SameSite=Strict, and Secure when the request came over HTTPS. Logout removes the session from
the table, so the old cookie is worthless at once. The table is in memory because the web UI
is one process (``swapsafe serve`` has no workers): a restart logs everyone out, and several
``serve`` replicas behind one address need sticky sessions. Tokens are compared in constant
time and never stored in the cookie.

Login itself is CSRF-checked (:func:`check_login_origin`): ``GET /login`` sets a login token in
a cookie and the form (double submit), and a POST whose ``Origin`` is another host or whose
``Sec-Fetch-Site`` says cross-site is refused.

Every state-changing request (POST/PUT/PATCH/DELETE) must carry the session's CSRF token in
the ``csrf_token`` form field or the ``X-CSRF-Token`` header; see :func:`guard`.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Literal
from urllib.parse import quote, urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from swapsafe.exceptions import SwapsafeError

Role = Literal["admin", "reviewer"]

COOKIE = "swapsafe_session"
LOGIN_COOKIE = "swapsafe_login"
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000  # the oldest is dropped past this
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NAME = re.compile(r"^[\w .@+-]{1,64}$")
MIN_TOKEN = 16


class WebAuthError(SwapsafeError):
    """The web UI's tokens are missing or too weak to serve it."""


@dataclass(frozen=True)
class Session:
    """The logged-in user: role, display name (recorded on verdicts), CSRF token and the
    server-side session id."""

    role: Role
    name: str
    csrf: str
    sid: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class SessionTable:
    """Live sessions of this process: id -> (session, expiry). Revoking removes the id."""

    def __init__(self, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self._clock = clock
        self._live: dict[str, tuple[Session, float]] = {}

    def add(self, session: Session) -> None:
        now = self._clock()
        if len(self._live) >= MAX_SESSIONS:
            self._live = {k: v for k, v in self._live.items() if v[1] > now}
            while len(self._live) >= MAX_SESSIONS:  # insertion order: the oldest first
                del self._live[next(iter(self._live))]
        self._live[session.sid] = (session, now + self.max_age)

    def get(self, sid: str) -> Session | None:
        entry = self._live.get(sid)
        if entry is None:
            return None
        if entry[1] <= self._clock():
            del self._live[sid]
            return None
        return entry[0]

    def revoke(self, sid: str) -> None:
        self._live.pop(sid, None)


class Authenticator:
    """Checks tokens, keeps the live sessions and signs/reads session cookies.

    ``admin_token`` and ``reviewer_tokens`` are plain strings revealed from config/env at
    start-up; ``secret`` signs the cookies (random per process when not configured, so
    sessions end when the process restarts).
    """

    def __init__(
        self,
        *,
        admin_token: str | None,
        reviewer_tokens: Sequence[str] = (),
        secret: str | None = None,
        max_age: int = SESSION_SECONDS,
    ) -> None:
        for token in (admin_token, *reviewer_tokens):
            if token is not None and len(token.strip()) < MIN_TOKEN:
                raise WebAuthError(
                    f"web login tokens need at least {MIN_TOKEN} characters; generate one with "
                    "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
                )
        self._admin = admin_token
        self._reviewers = list(reviewer_tokens)
        self._signer = URLSafeTimedSerializer(
            secret or secrets.token_urlsafe(32), salt="swapsafe-web-session"
        )
        self.max_age = max_age
        self.sessions = SessionTable(max_age)

    @property
    def enabled(self) -> bool:
        """False when no token at all is configured: nobody can log in."""
        return bool(self._admin) or bool(self._reviewers)

    def role_for(self, token: str) -> Role | None:
        """The role a presented token grants, compared in constant time against every token."""
        presented = token.encode()
        admin = self._admin is not None and hmac.compare_digest(self._admin.encode(), presented)
        reviewer = False
        for t in self._reviewers:  # no early exit: timing does not reveal which one matched
            reviewer |= hmac.compare_digest(t.encode(), presented)
        if admin:
            return "admin"
        return "reviewer" if reviewer else None

    def new_session(self, role: Role, name: str) -> Session:
        """A new live session (in the table until it expires or is revoked)."""
        session = Session(
            role=role, name=name, csrf=secrets.token_urlsafe(24), sid=secrets.token_urlsafe(32)
        )
        self.sessions.add(session)
        return session

    def revoke(self, session: Session) -> None:
        """End a session now: its cookie no longer logs anyone in."""
        self.sessions.revoke(session.sid)

    def dump(self, session: Session) -> str:
        return self._signer.dumps(session.sid)

    def load(self, value: str | None) -> Session | None:
        if not value:
            return None
        try:
            sid = self._signer.loads(value, max_age=self.max_age)
        except (BadSignature, ValueError, TypeError):
            return None
        return self.sessions.get(sid) if isinstance(sid, str) else None

    def login_token(self) -> str:
        """A fresh login CSRF token for the login form and its cookie."""
        return secrets.token_urlsafe(24)

    def set_cookie(self, response: Response, request: Request, session: Session) -> None:
        _set_cookie(response, request, COOKIE, self.dump(session), self.max_age, path="/")

    @staticmethod
    def set_login_cookie(response: Response, request: Request, token: str) -> None:
        _set_cookie(response, request, LOGIN_COOKIE, token, SESSION_SECONDS, path="/login")

    @staticmethod
    def clear_login_cookie(response: Response, request: Request) -> None:
        _clear_cookie(response, request, LOGIN_COOKIE, path="/login")

    @staticmethod
    def clear_cookie(response: Response, request: Request) -> None:
        _clear_cookie(response, request, COOKIE, path="/")


def _set_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int, *, path: str
) -> None:
    """Every cookie of the web UI: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    secure = request.url.scheme == "https"
    response.set_cookie(
        name, value, max_age=max_age, path=path, httponly=True, samesite="strict", secure=secure
    )


def _clear_cookie(response: Response, request: Request, name: str, *, path: str) -> None:
    """Delete a cookie set by :func:`_set_cookie` (same path and flags)."""
    secure = request.url.scheme == "https"
    response.delete_cookie(name, path=path, httponly=True, samesite="strict", secure=secure)


def clean_name(raw: str, role: Role) -> str | None:
    """A reviewer's display name (letters, digits, space . @ + - _), or None when invalid."""
    name = raw.strip() or role
    return name if _NAME.match(name) else None


def current_session(request: Request) -> Session | None:
    """The session of this request, or None (cached on ``request.state``)."""
    if hasattr(request.state, "session"):
        cached: Session | None = request.state.session
        return cached
    auth: Authenticator = request.app.state.web.auth
    session = auth.load(request.cookies.get(COOKIE))
    request.state.session = session
    return session


async def check_csrf(request: Request, session: Session) -> None:
    """Raise 403 unless the request carries this session's CSRF token."""
    presented = request.headers.get("x-csrf-token")
    if presented is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # cached by Starlette: the handler may read it again
            value = form.get("csrf_token")
            presented = value if isinstance(value, str) else None
    if presented is None or not hmac.compare_digest(presented.encode(), session.csrf.encode()):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")


Handler = Callable[[Request, Session], Awaitable[Response]]


def guard(role: Role = "reviewer") -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Decorate a page handler ``async def h(request, session) -> Response``.

    Not logged in: GET redirects to ``/login?next=...``, other methods get 401. Logged in
    with too small a role: 403. Unsafe methods must carry the CSRF token (else 403).
    """

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            session = current_session(request)
            if session is None:
                if request.method in ("GET", "HEAD"):
                    query = f"?{request.url.query}" if request.url.query else ""
                    target = quote(request.url.path + query, safe="")
                    return RedirectResponse(f"/login?next={target}", status_code=303)
                raise HTTPException(401, "log in first")
            if role == "admin" and not session.is_admin:
                raise HTTPException(403, "this action needs the admin token; reviewers may not")
            if request.method in UNSAFE_METHODS:
                await check_csrf(request, session)
            return await handler(request, session)

        return endpoint

    return wrap


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def check_login_origin(request: Request, form_token: str) -> str | None:
    """Why a login POST is refused as cross-site, or None when it comes from our own form.

    A browser's cross-site POST carries ``Origin`` (another host) or ``Sec-Fetch-Site:
    cross-site``, and never our SameSite=Strict login cookie, whose value the form must echo.
    """
    origin = request.headers.get("origin")
    # a proxy may rewrite Host and name the browser's host in X-Forwarded-Host; a cross-site
    # form cannot set that header, so accepting it here opens nothing
    forwarded = request.headers.get("x-forwarded-host", "").split(",")
    hosts = {request.headers.get("host", ""), *(h.strip() for h in forwarded)} - {""}
    if origin is not None and urlsplit(origin).netloc not in hosts:
        return "cross-site login refused (Origin is another site)"
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return "cross-site login refused (Sec-Fetch-Site)"
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), form_token.encode()):
        return "the login form expired; reload the page and log in again"
    return None


def throttle_key(request: Request) -> str:
    return request.client.host if request.client else "?"


class LoginThrottle:
    """Failed logins per client per ``window`` seconds (in memory): past ``limit``, wrong tokens
    get 429. Only failures count, and the right token is checked first and always logs in, so
    someone else's wrong guesses from the same address (a shared proxy or NAT) never lock out
    the right token."""

    def __init__(self, limit: int = 10, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._fails: dict[str, list[float]] = {}

    def blocked(self, key: str) -> bool:
        now = time.monotonic()
        recent = [t for t in self._fails.get(key, []) if now - t < self.window]
        self._fails[key] = recent
        return len(recent) >= self.limit

    def failed(self, key: str) -> None:
        self._fails.setdefault(key, []).append(time.monotonic())
