"""The web UI: Starlette + Jinja2 templates + a little vendored JavaScript (no CDN, no network).

``create_web_app(config, ...)`` builds the UI's ASGI app; ``swapsafe serve`` runs it through the
composition root (:func:`swapsafe.serve.create_serve_app`), which can put the gateway on the same
port (its runtime — recorder, routing cache, shadow — then runs in this app's lifespan).

The pages are listed in :mod:`swapsafe.web.site`; what a page gets and the page contract are in
:mod:`swapsafe.web.context`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from swapsafe.config import Config
from swapsafe.gates.checks import evaluate_gates
from swapsafe.gateway.app import GatewayApp
from swapsafe.gateway.http_guard import HttpLimits
from swapsafe.gateway.proxy import PROXY_ROUTES
from swapsafe.rollout.operations import GateCheck
from swapsafe.routing.service import RoutingService
from swapsafe.store import open_store
from swapsafe.store.protocol import Store
from swapsafe.web.auth import (
    Authenticator,
    LoginThrottle,
    Session,
    check_login_origin,
    clean_name,
    guard,
    safe_next,
    throttle_key,
)
from swapsafe.web.context import CSP, HERE, WebContext, make_templates
from swapsafe.web.site import EXTRA_PAGES, NAV

log = logging.getLogger("swapsafe.web")


def config_reviewer_tokens(config: Config) -> list[str]:
    """Reviewer tokens from ``[web] reviewer_tokens``."""
    return [s.reveal() for s in config.web.reviewer_tokens]


def config_session_secret(config: Config) -> str | None:
    secret = config.web.session_secret
    return secret.reveal() if secret is not None else None


# -- login / logout -----------------------------------------------------------------------------


def _auth_routes(web: WebContext) -> list[BaseRoute]:
    throttle = LoginThrottle()

    def login_page(request: Request, target: str, error: str | None, status: int) -> Response:
        token = web.auth.login_token()  # double submit: the form echoes the cookie
        context = {"next": safe_next(target), "error": error, "login_csrf": token}
        response = web.render(request, "login.html", context, status_code=status)
        web.auth.set_login_cookie(response, request, token)
        return response

    async def login_form(request: Request) -> Response:
        return login_page(request, request.query_params.get("next") or "", None, 200)

    async def login(request: Request) -> Response:
        form = await request.form()
        token, name_raw, target, csrf = (
            str(form.get(k) or "") for k in ("token", "name", "next", "csrf_token")
        )
        refused = check_login_origin(request, csrf)
        if refused is not None:
            return login_page(request, target, refused, 403)
        role = web.auth.role_for(token) if token else None  # the right token always logs in
        key = throttle_key(request)
        if role is None and throttle.blocked(key):
            return login_page(request, target, "too many failed logins; wait a minute", 429)
        name = clean_name(name_raw, role) if role else None
        if role is None or name is None:
            throttle.failed(key)
            error = (
                "unknown token" if role is None else "a name may hold letters, digits, . @ + - _"
            )
            return login_page(request, target, error, 401)
        response = RedirectResponse(safe_next(target), status_code=303)
        web.auth.set_cookie(response, request, web.auth.new_session(role, name))
        web.auth.clear_login_cookie(response, request)
        return response

    @guard()
    async def logout(request: Request, session: Session) -> Response:
        web.auth.revoke(session)  # the cookie is dead server-side, wherever a copy of it is
        response = RedirectResponse("/login", status_code=303)
        web.auth.clear_cookie(response, request)
        return response

    return [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]


def page_routes(web: WebContext) -> list[BaseRoute]:
    """Routes of every page in the nav bar, then of the pages outside it."""
    pages = [entry.routes for entry in NAV] + list(EXTRA_PAGES)
    return [route for page in pages for route in page(web)]


class SecurityHeaders:
    """CSP, no sniffing, no framing, no caching of pages that show model output."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"same-origin",
                }
                if not scope["path"].startswith("/static/"):
                    extra[b"cache-control"] = b"no-store"
                headers += [(k, v) for k, v in extra.items() if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class WebApp:
    """The ASGI entry point. Gateway proxy routes (when mounted) skip the web stack."""

    def __init__(self, app: Starlette, gateway: GatewayApp | None) -> None:
        self.app = app
        self.gateway = gateway
        self.state = app.state
        self._secured = SecurityHeaders(app)
        #: read deadlines and header bounds for GatewayHttpProtocol, from [gateway]
        self.http_limits = HttpLimits.from_config(app.state.web.config.gateway)
        self._hot_paths: frozenset[str] = frozenset(PROXY_ROUTES if gateway is not None else ())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hot = scope["type"] == "http" and scope["path"] in self._hot_paths
        if hot and scope["method"] == "POST" and self.gateway is not None:
            await self.gateway(scope, receive, send)
            return
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        await self._secured(scope, receive, send)


class Jobs(Protocol):
    """Work a process runs beside the UI (the rollout controller, the nightly scheduler)."""

    async def aclose(self) -> None: ...


def _web_context(
    config: Config,
    store: Store,
    reviewer_tokens: Sequence[str],
    session_secret: str | None,
    gates: GateCheck,
) -> WebContext:
    admin = config.gateway.admin_token
    auth = Authenticator(
        admin_token=admin.reveal() if admin is not None else None,
        reviewer_tokens=[*reviewer_tokens, *config_reviewer_tokens(config)],
        secret=session_secret or config_session_secret(config),
    )
    routing = RoutingService(
        store, {n: w.candidate is not None for n, w in config.workloads.items()}
    )
    return WebContext(
        config=config,
        store=store,
        routing=routing,
        auth=auth,
        templates=make_templates(),
        gates=gates,
        nav=NAV,
    )


def create_web_app(
    config: Config,
    *,
    store: Store | None = None,
    reviewer_tokens: Sequence[str] = (),
    session_secret: str | None = None,
    gateway: Callable[[Store], GatewayApp] | None = None,
    jobs: Callable[[Store], Jobs] | None = None,
    gates: GateCheck = evaluate_gates,
    warm: bool = False,
) -> WebApp:
    """Build the web UI. ``gateway`` builds the gateway app served on the same port (over the
    UI's store); ``jobs`` starts background work in the app's lifespan. The composition root,
    :func:`swapsafe.serve.create_serve_app`, passes both for ``swapsafe serve``. ``gates`` is
    the pre-cutover gate check the pages show and run. ``warm`` starts computing the slow page
    inputs (gate reports, the report's evidence) in the background when the app starts, so
    the first visitor does not wait for them."""
    owns_store = store is None
    the_store: Store = store if store is not None else open_store(config.store.url)
    web = _web_context(config, the_store, reviewer_tokens, session_secret, gates)
    routes: list[BaseRoute] = [
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        *_auth_routes(web),
        *page_routes(web),
    ]
    gateway_app = gateway(the_store) if gateway is not None else None
    if gateway_app is not None:
        routes.append(Mount("/", app=gateway_app.app))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = gateway_app.state.runtime if gateway_app is not None else None
        if runtime is not None:
            runtime.start()
        running = jobs(the_store) if jobs is not None else None
        if warm:
            web.warm_up()
        try:
            yield
        finally:
            if running is not None:
                await running.aclose()
            if runtime is not None:
                await runtime.aclose()
            if owns_store:
                the_store.close()

    async def forbidden(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        detail = str(getattr(exc, "detail", "error"))
        if "text/html" in request.headers.get("accept", "") and status in (401, 403, 404):
            ctx = {"status": status, "detail": detail}
            return web.render(request, "error.html", ctx, status_code=status)
        return PlainTextResponse(detail, status_code=status)

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: forbidden})
    app.router.redirect_slashes = False  # a redirect would point at the client's Host header
    app.state.web = web
    return WebApp(app, gateway_app)
