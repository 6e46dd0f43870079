"""The composition root: wires the gateway, the admin API, the web UI and the background jobs
(rollout controller, nightly eval scheduler) into the processes ``swapsafe gateway`` and
``swapsafe serve`` run. It sits at the top of the layering: nothing in the package imports it
except the CLI.

>>> app = create_gateway_app(load_config("swapsafe.toml"))   # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.routing import BaseRoute

from swapsafe.admin.rollout import rollout_admin_routes
from swapsafe.admin.routing import admin_routes, check_admin_token
from swapsafe.config import Config, load_config
from swapsafe.evals.scheduler import NightlyScheduler, nightly_runner
from swapsafe.gateway.app import (
    GatewayApp,
    GatewayRuntime,
    RoutesFor,
    create_app,
    tune_worker_process,
)
from swapsafe.gateway.http_guard import proxy_header_options
from swapsafe.gateway.http_protocol import GatewayHttpProtocol
from swapsafe.gateway.store_link import connect_store
from swapsafe.providers.base import Provider
from swapsafe.rollout.controller import Controller
from swapsafe.routing.service import RoutingService
from swapsafe.store.protocol import Store
from swapsafe.web.app import WebApp, create_web_app


def admin_token(config: Config) -> str | None:
    """The admin token when the admin API is on; raises RoutingError for a missing/weak token.

    The admin API is on when ``[gateway] admin_api = true``, or, left unset, when an
    ``admin_token`` is configured.
    """
    gw = config.gateway
    enabled = gw.admin_api if gw.admin_api is not None else gw.admin_token is not None
    if not enabled:
        return None
    return check_admin_token(gw.admin_token.reveal() if gw.admin_token is not None else None)


def preflight(config: Config) -> None:
    """Checks that must pass before the gateway starts (the CLI runs them before uvicorn)."""
    admin_token(config)


def _admin_api(config: Config, token: str) -> RoutesFor:
    def routes(runtime: GatewayRuntime) -> Sequence[BaseRoute]:
        service = RoutingService(
            runtime.store, {n: w.candidate is not None for n, w in config.workloads.items()}
        )
        return [
            *admin_routes(service, token),
            *rollout_admin_routes(config, runtime.store, token),
        ]

    return routes


def create_gateway_app(
    config: Config,
    *,
    store: Store | None = None,
    providers: Mapping[str, Provider] | None = None,
    spill_path: Path | None = None,
) -> GatewayApp:
    """The gateway with the admin API (routing and rollout) when it is on."""
    token = admin_token(config)  # refuse to start before opening anything
    return create_app(
        config,
        store=store,
        providers=providers,
        spill_path=spill_path,
        extra_routes=_admin_api(config, token) if token is not None else None,
    )


def app_from_env() -> GatewayApp:
    """uvicorn factory of ``swapsafe gateway`` (``--workers N``): the config path comes from
    SWAPSAFE_CONFIG. The rollout controller runs in its lifespan, so a canary is watched
    wherever the gateway runs; every worker runs one, the lock keeps exactly one active."""
    config = load_config(os.environ.get("SWAPSAFE_CONFIG", "swapsafe.toml"))
    app = with_controller(create_gateway_app(config), config)
    tune_worker_process()
    return app


def with_controller(gateway: GatewayApp, config: Config) -> GatewayApp:
    """``gateway`` whose lifespan also runs the rollout controller on its store."""
    router = gateway.app.router
    inner = router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async with inner(app):
            controller = Controller(config, gateway.state.runtime.store)
            task = asyncio.create_task(controller.run_forever(), name="swapsafe-controller")
            try:
                yield
            finally:
                controller.stop()
                await asyncio.gather(task, return_exceptions=True)

    router.lifespan_context = lifespan
    return gateway


class BackgroundJobs:
    """The rollout controller and the nightly scheduler, run as tasks of ``swapsafe serve``."""

    def __init__(self, config: Config, store: Store) -> None:
        self.controller = Controller(config, store)
        self.scheduler = NightlyScheduler(config, store, run=nightly_runner(config, store))
        self.tasks = [
            asyncio.create_task(self.controller.run_forever(), name="swapsafe-controller"),
            asyncio.create_task(self.scheduler.run_forever(), name="swapsafe-scheduler"),
        ]

    async def aclose(self) -> None:
        self.controller.stop()
        self.tasks[1].cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def create_serve_app(
    config: Config,
    *,
    store: Store | None = None,
    reviewer_tokens: Sequence[str] = (),
    session_secret: str | None = None,
    gateway: bool = False,
    providers: Mapping[str, Provider] | None = None,
    spill_path: Path | None = None,
    background: bool = False,
    warm: bool = False,
) -> WebApp:
    """The web UI; with ``gateway=True`` the gateway (and its admin API) on the same app, with
    ``background=True`` the rollout controller (one active across replicas, by lock) and the
    nightly eval scheduler in this process; with ``warm=True`` the slow page inputs are
    computed at start-up."""

    def gateway_app(the_store: Store) -> GatewayApp:
        return create_gateway_app(
            config, store=the_store, providers=providers, spill_path=spill_path
        )

    def jobs(the_store: Store) -> BackgroundJobs:
        return BackgroundJobs(config, the_store)

    return create_web_app(
        config,
        store=store,
        reviewer_tokens=reviewer_tokens,
        session_secret=session_secret,
        gateway=gateway_app if gateway else None,
        jobs=jobs if background else None,
        warm=warm,
    )


def run_gateway(
    config: Config,
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    forwarded_allow_ips: str | None,
) -> None:
    """``swapsafe gateway``: uvicorn with ``workers`` processes, each building its own app."""
    preflight(config)
    os.environ["SWAPSAFE_CONFIG"] = str(config.path)
    uvicorn.run(
        "swapsafe.serve:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=30,
        http=GatewayHttpProtocol,
        **proxy_header_options(forwarded_allow_ips),
    )


def run_web(
    config: Config,
    *,
    host: str,
    port: int,
    gateway: bool,
    reviewer_tokens: Sequence[str],
    log_level: str,
    forwarded_allow_ips: str | None,
    announce: Callable[[], None] = lambda: None,
) -> None:
    """``swapsafe serve``: the UI, the background jobs and (``gateway``) the gateway, one port.
    ``announce`` runs once the app is built, before uvicorn binds."""
    link = None
    if gateway:
        preflight(config)
        link = connect_store(config.store.url)  # the gateway serves while the store is unreachable
    app = create_serve_app(
        config,
        store=link,
        reviewer_tokens=reviewer_tokens,
        gateway=gateway,
        background=True,
        warm=True,
    )
    announce()
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            timeout_graceful_shutdown=30,
            http=GatewayHttpProtocol,  # read deadlines, header bounds; proxy routes skip ASGI
            **proxy_header_options(forwarded_allow_ips),
        )
    finally:
        if link is not None:
            link.close()
