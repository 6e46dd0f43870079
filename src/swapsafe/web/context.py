"""What a web page is given, and the page contract.

Page contract (for ``pages/plan.py``, ``pages/rollout.py``, ``pages/report.py``, ...)
------------------------------------------------------------------------------------
A page is a module ``swapsafe.web.pages.<name>`` exposing::

    def routes(web: WebContext) -> list[starlette.routing.BaseRoute]: ...

and listed in :mod:`swapsafe.web.site` (its place in the nav bar, if any). Pages import this
module, never :mod:`swapsafe.web.app`, which imports them through ``site``.

Handlers are ``async def handler(request, session) -> Response`` wrapped with
``swapsafe.web.auth.guard(role)``: ``guard()`` lets admins and reviewers in, ``guard("admin")``
answers 403 to reviewers (use it for anything that changes routing, rollout or plans if only
admins should do it). Unsafe methods (POST/PUT/PATCH/DELETE) are CSRF-checked by ``guard``:
forms include ``<input type="hidden" name="csrf_token" value="{{ csrf_token }}">``; ``fetch``
sends the header ``X-CSRF-Token`` (read it from ``<meta name="csrf-token">``, see
``static/swapsafe.js``: ``swapsafe.post(url, data)``).

Render with ``web.render(request, "plan.html", {...})``: templates ``{% extends "base.html" %}``
and fill ``{% block title %}``, ``{% block content %}`` and optionally ``{% block scripts %}``
(``<script src="{{ static('plan.js') }}"></script>``; inline scripts are blocked by the CSP).
The base template receives ``session`` (``.name``, ``.role``, ``.is_admin``), ``csrf_token``,
``nav`` and ``active`` (the first path segment, e.g. "plan"). Autoescape is always on: never
use ``|safe`` on anything a model, a user or a trace wrote.

``WebContext`` gives pages ``config``, ``store`` (sync: call via ``await web.run(fn, ...)``),
``routing`` (``RoutingService``), ``gates`` (the pre-cutover gate check) and ``render``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.templating import Jinja2Templates

from swapsafe.config import Config
from swapsafe.gates.checks import evaluate_gates
from swapsafe.rollout.operations import GateCheck
from swapsafe.routing.service import RoutingService
from swapsafe.store.protocol import Store
from swapsafe.web.auth import Authenticator, current_session

HERE = Path(__file__).parent
P = ParamSpec("P")
T = TypeVar("T")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def csp_with_style_nonce(nonce: str) -> str:
    """The page CSP, also allowing the one inline stylesheet that carries ``nonce``."""
    return CSP.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'")


#: a page module's ``routes`` function
PageRoutes = Callable[["WebContext"], list[BaseRoute]]


@dataclass(frozen=True)
class NavEntry:
    """A place in the nav bar and the page that fills it."""

    path: str
    label: str
    routes: PageRoutes


@dataclass
class WebContext:
    """What every page gets: config, store, routing service, auth, rendering and the gate
    check (the overview shows it, a rollout started from the UI runs it)."""

    config: Config
    store: Store
    routing: RoutingService
    auth: Authenticator
    templates: Jinja2Templates
    gates: GateCheck = evaluate_gates
    #: the nav bar every page shows
    nav: Sequence[NavEntry] = ()
    #: slow page inputs to compute at start-up (``swapsafe serve``): pages add theirs, each
    #: starting its computations and returning their threads
    warmups: list[Callable[[], list[threading.Thread]]] = field(default_factory=list)
    warming: list[threading.Thread] = field(default_factory=list)

    def warm_up(self) -> None:
        """Start every page's warm-up (in background threads)."""
        self.warming = [thread for start in self.warmups for thread in start()]

    def wait_warm(self, timeout: float | None = None) -> bool:
        """Wait for the warm-up; False when it still runs after ``timeout`` seconds."""
        end = None if timeout is None else time.monotonic() + timeout
        for thread in self.warming:
            thread.join(None if end is None else max(0.0, end - time.monotonic()))
        return not any(t.is_alive() for t in self.warming)

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run blocking (store) work off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
    ) -> Response:
        session = current_session(request)
        segment = request.url.path.strip("/").split("/", 1)[0]
        ctx: dict[str, Any] = {
            "session": session,
            "csrf_token": session.csrf if session else "",
            "nav": self.nav,
            "active": segment,
            "workloads": self.config.workloads,
        }
        ctx.update(context or {})
        return self.templates.TemplateResponse(request, template, ctx, status_code=status_code)


def make_templates(extra_dirs: Sequence[Path] = ()) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*extra_dirs, HERE / "templates"]),
        autoescape=True,  # always, whatever the file extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = lambda name: f"/static/{name}"
    return Jinja2Templates(env=env)
