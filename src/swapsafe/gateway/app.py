"""Starlette app factory for the gateway.

``create_app(config)`` opens the store, builds one provider (one pooled HTTP client) per model,
and wires the request path, recorder, routing cache and metrics. ``GatewayRuntime.start()`` /
``aclose()`` run in the ASGI lifespan; tests that drive the app in-process call them directly.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from swapsafe.config import Config
from swapsafe.gateway.calls import ThenResponse
from swapsafe.gateway.count_tokens import count_tokens
from swapsafe.gateway.errors import INTERNAL_ERROR, error_response, inbound_for_path
from swapsafe.gateway.feedback import feedback_routes
from swapsafe.gateway.metrics import GatewayMetrics
from swapsafe.gateway.proxy import PROXY_ROUTES, Gateway
from swapsafe.gateway.recorder import Recorder
from swapsafe.gateway.routing_cache import RoutingCache
from swapsafe.gateway.store_link import StoreLink, connect_store
from swapsafe.pricing import PriceBook
from swapsafe.providers.base import Provider
from swapsafe.providers.build import build_providers
from swapsafe.store import open_store
from swapsafe.store.engine import StoreTimeouts
from swapsafe.store.protocol import Store

log = logging.getLogger("swapsafe.gateway")


class GatewayRuntime:
    """Everything the gateway owns for its lifetime."""

    def __init__(
        self,
        config: Config,
        *,
        store: Store | None = None,
        providers: Mapping[str, Provider] | None = None,
        spill_path: Path | None = None,
    ) -> None:
        self.config = config
        self._owns_store = store is None
        sc = config.store
        # an unreachable store is tolerated (served without, retried); a wrong one raises
        timeouts = StoreTimeouts(sc.connect_timeout, sc.statement_timeout)
        self.store: Store = (
            store
            if store is not None
            else connect_store(sc.url, opener=functools.partial(open_store, timeouts=timeouts))
        )
        self.link = self.store if isinstance(self.store, StoreLink) else None
        self.providers = dict(providers) if providers is not None else build_providers(config)
        self.metrics = GatewayMetrics()
        self.recorder = Recorder(
            self.store,
            spill_path=spill_path or config.root / ".swapsafe" / f"spill-{os.getpid()}.jsonl",
            max_buffer=config.store.max_buffered_rows,
            drain_timeout=sc.drain_timeout,
            journal_interval=sc.journal_interval or None,
        )
        self.routing = RoutingCache(
            self.store, config.workloads, saved=config.root / ".swapsafe" / "routing-state.json"
        )
        if self.link is not None:
            self.link.on_connect(self.routing.refresh)  # before the store is reported up
        self.gateway = Gateway(
            config,
            self.providers,
            recorder=self.recorder,
            routing=self.routing,
            metrics=self.metrics,
            pricebook=PriceBook(),
        )
        self._register_gauges()
        self.started = False

    def _register_gauges(self) -> None:
        """The process gauges in ``/metrics``: recorder, store, routing source, shadow."""
        m, rec, shadow = self.metrics, self.recorder, self.gateway.shadow
        m.gauge(
            "swapsafe_recorder_queue_depth",
            "Trace rows waiting to be written.",
            lambda: rec.pending,
        )
        m.gauge("swapsafe_recorder_written_total", "Trace rows written.", lambda: rec.written)
        m.gauge(
            "swapsafe_recorder_spilled_total",
            "Trace rows spilled to the local file.",
            lambda: rec.spilled,
        )
        m.gauge(
            "swapsafe_recorder_dropped_total",
            "Trace rows lost (spill file unwritable).",
            lambda: rec.dropped,
        )
        m.gauge(
            "swapsafe_recorder_quarantined_total",
            "Trace rows the store refused, kept in .swapsafe/quarantine-<pid>.jsonl.",
            lambda: rec.quarantined,
        )
        m.gauge(
            "swapsafe_store_up",
            "1 when the store answers and takes trace rows, 0 during an outage.",
            lambda: float(self.store_up()),
        )
        m.gauge(
            "swapsafe_routing_state_from_store",
            "1 when the routing state in memory was read from the store, 0 when it comes from "
            "the local saved file or the defaults (store unreachable since start-up).",
            lambda: float(self.routing.source == "store"),
        )
        m.gauge("swapsafe_shadow_in_flight", "Shadow calls running.", lambda: shadow.in_flight)
        m.gauge(
            "swapsafe_shadow_spent_today_usd",
            "Shadow spend today (UTC), this process.",
            lambda: shadow.spent_today,
        )
        m.labelled_gauge(
            "swapsafe_shadow_coverage_ratio",
            "Served requests in shadow mode that got a shadow call (shadowed / (shadowed + "
            "skipped)), this process.",
            ("workload",),
            lambda: {(w,): c.ratio for w, c in shadow.coverage().items() if c.ratio is not None},
        )
        m.gauge(
            "swapsafe_served_in_flight",
            "Served requests waiting on their upstream (a stream: until its first event).",
            lambda: shadow.served_in_flight,
        )
        m.gauge(
            "swapsafe_event_loop_lag_seconds",
            "How late the worker's event loop ran its last periodic timer.",
            lambda: shadow.lag.lag(),
        )

    def store_up(self) -> bool:
        """The store answers (health check) and the recorder's last write went through."""
        return (self.link is None or self.link.up) and self.recorder.store_up

    def readiness(self) -> tuple[bool, dict[str, object]]:
        """(ready, JSON body): ready once the store is up and routing was read from it."""
        store: dict[str, object] = {"up": True}
        if self.link is not None and not self.link.up:
            store = self.link.status()
        elif not self.recorder.store_up:
            store = {"up": False, "reason": "trace writes failing"}
        down = [] if store["up"] else ["store"]
        if self.routing.source != "store":
            down.append("routing")
        body: dict[str, object] = {
            "status": "ready" if not down else "not ready",
            "down": down,
            "store": store,
            "routing": {"source": self.routing.source},
            "traces": {"pending": self.recorder.pending, "spilled": self.recorder.spilled},
        }
        return not down, body

    def start(self) -> None:
        if not self.started:
            self.recorder.start()
            self.routing.start()
            if self.link is not None:
                self.link.start()
            self.started = True

    async def aclose(self) -> None:
        await self.gateway.shadow.aclose()
        await self.gateway.aclose()
        for provider in self.providers.values():
            await provider.aclose()
        self.routing.close()
        self.gateway.traces.redaction.close()  # its rows go to the recorder: before it drains
        self.recorder.close()
        if self._owns_store:
            self.store.close()
        self.started = False


#: extra routes on the gateway app (the admin API), built once its runtime exists
RoutesFor = Callable[["GatewayRuntime"], Sequence[BaseRoute]]


def _proxy_routes(gw: Gateway) -> list[Route]:
    """A POST route per :data:`PROXY_ROUTES` path (``GatewayApp`` serves POSTs to them before
    Starlette does; these routes answer other methods with a 405 in the caller's format), and
    Anthropic's token counting (gateway/count_tokens.py: routed, not proxied)."""

    def endpoint(inbound: str) -> Callable[[Request], Awaitable[Response | ThenResponse]]:
        async def proxy(request: Request) -> Response | ThenResponse:
            return await gw.handle(request, inbound)

        return proxy

    async def messages_count_tokens(request: Request) -> Response:
        return await count_tokens(gw, request)

    return [
        *(
            Route(path, endpoint(inbound), methods=["POST"])
            for path, inbound in PROXY_ROUTES.items()
        ),
        Route("/v1/messages/count_tokens", messages_count_tokens, methods=["POST"]),
    ]


def _service_routes(runtime: GatewayRuntime) -> list[Route]:
    """/v1/models (the workload aliases), /healthz, /readyz and /metrics."""

    async def models(request: Request) -> Response:
        data = [
            {
                "id": alias,
                "object": "model",
                "type": "model",
                "created": 0,
                "created_at": "1970-01-01T00:00:00Z",
                "owned_by": "swapsafe",
                "display_name": f"{alias} (workload {wl})",
            }
            for alias, wl in sorted(runtime.config.alias_map().items())
        ]
        body = {
            "object": "list",
            "data": data,
            "has_more": False,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
        }
        return Response(orjson.dumps(body), media_type="application/json")

    async def healthz(request: Request) -> Response:
        """Liveness: 200 while the process serves, store or no store."""
        body = {"status": "ok", "store": "up" if runtime.store_up() else "down"}
        return Response(orjson.dumps(body), media_type="application/json")

    async def readyz(request: Request) -> Response:
        """Readiness: 503 naming what is down (store, routing) until the store is back."""
        ready, body = runtime.readiness()
        return Response(
            orjson.dumps(body), status_code=200 if ready else 503, media_type="application/json"
        )

    async def metrics(request: Request) -> Response:
        return PlainTextResponse(
            runtime.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    return [
        Route("/v1/models", models, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]


def create_app(
    config: Config,
    *,
    store: Store | None = None,
    providers: Mapping[str, Provider] | None = None,
    spill_path: Path | None = None,
    extra_routes: RoutesFor | None = None,
) -> GatewayApp:
    """The gateway alone: proxy routes, feedback, health and metrics. ``extra_routes`` adds
    routes that need the runtime (:func:`swapsafe.serve.create_gateway_app` mounts the admin
    API this way)."""
    runtime = GatewayRuntime(config, store=store, providers=providers, spill_path=spill_path)
    gw = runtime.gateway

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            await runtime.aclose()

    routes: list[BaseRoute] = [
        *_proxy_routes(gw),
        *_service_routes(runtime),
        *feedback_routes(runtime),
    ]
    if extra_routes is not None:
        routes += extra_routes(runtime)
    app = Starlette(routes=routes, lifespan=lifespan)
    refuse_unrouted(app)
    app.state.runtime = runtime
    return GatewayApp(app, gw)


async def _not_routed(request: Request, exc: Exception) -> Response:
    """404/405 in the caller's wire format (Anthropic for /v1/messages*, else OpenAI)."""
    status = int(getattr(exc, "status_code", 404))
    path = request.url.path
    inbound = inbound_for_path(path)
    if status == 405:
        allowed = dict(getattr(exc, "headers", None) or {}).get("Allow", "")
        message = f"method {request.method} is not allowed on {path}; use {allowed or 'another'}"
        headers = {"allow": allowed} if allowed else None
        return error_response(inbound, 405, message, headers=headers)
    message = f"no such route: {request.method} {path} (paths are exact: no trailing slash)"
    if path.startswith(("/v1/responses/", "/responses/")):
        message += (
            "; the gateway keeps no responses: retrieve, cancel or delete a stored response "
            "at OpenAI directly"
        )
    return error_response(inbound, 404, message)


def refuse_unrouted(app: Starlette) -> None:
    """Never redirect (a trailing-slash redirect would point at whatever ``Host`` the client
    sent); unknown paths and methods get an error in the caller's format instead."""
    app.router.redirect_slashes = False
    app.add_exception_handler(404, _not_routed)
    app.add_exception_handler(405, _not_routed)


class GatewayApp:
    """The ASGI entry point: the two proxy routes skip Starlette's router and middleware stack
    (about a sixth of the per-request CPU); everything else goes through the Starlette app."""

    def __init__(self, app: Starlette, gateway: Gateway) -> None:
        self.app = app
        self.gateway = gateway
        self.state = app.state
        self.routes = app.routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            inbound = PROXY_ROUTES.get(scope["path"])
            if inbound is not None:
                try:
                    response = await self.gateway.handle(Request(scope, receive), inbound)
                except ClientDisconnect:  # the client left mid-request: nobody to answer
                    return
                except Exception:  # never a bare 500 page: answer in the caller's format
                    log.exception("gateway: unexpected error")
                    response = error_response(inbound, 500, INTERNAL_ERROR)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


#: (young, middle, old) collection thresholds of a worker: a young collection after 5,000 net
#: allocations (default 700; a pause of 0.3-2 ms), a middle one every 20 young ones and a full
#: one at most every 100 middle ones (defaults 10 and 10)
GC_THRESHOLDS = (5_000, 20, 100)


def tune_worker_process() -> None:
    """Interpreter settings for a gateway worker process (not for a library user's process).

    - A background thread (recorder, routing poll) holding the GIL when a request arrives
      keeps it up to the switch interval: 5 ms by default, 0.5 ms here.
    - Everything alive after start-up (modules, config, SQLAlchemy metadata) is moved out of
      the collector's view (``gc.freeze``), so a full collection scans only request garbage.
    - The collector runs less often (:data:`GC_THRESHOLDS`). Its pauses stop the event loop:
      with the default thresholds a worker at 540 req/s with every request shadowed ran about
      11 young collections a second and a full one every few seconds, each full one 50-230 ms
      (every object alive is touched, at about 1 us each), which is the whole served p99 at that
      rate. Objects of requests in flight are promoted at each collection and a full one is due
      once promotions reach a quarter of what survived the last one; fewer young collections
      promote fewer of them, so full ones become rare (none after start-up in a 4-minute
      benchmark run at that rate; docs/performance.md).
    """
    sys.setswitchinterval(0.0005)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
