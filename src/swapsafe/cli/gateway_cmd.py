"""``swapsafe gateway``: serve the OpenAI- and Anthropic-compatible proxy, and run the rollout
controller next to it (one active across workers and replicas, by the controller lock)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import typer

from swapsafe.cli.common import config_option, handle_errors, load_or_exit


def _split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


@handle_errors
def gateway(
    config: Path = config_option,
    host: str | None = typer.Option(None, help="Address to bind (default: [gateway] listen)."),
    port: int | None = typer.Option(None, help="Port to bind (default: [gateway] listen)."),
    workers: int = typer.Option(1, min=1, help="Worker processes (each with its own pool)."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        help="Trust X-Forwarded-Proto/-For from these proxy IPs, comma-separated. "
        "Default: from no address.",
    ),
) -> None:
    """Serve the gateway: point the OpenAI or Anthropic SDK's base_url at it.

    It also runs the rollout controller, so a canary is watched wherever the gateway runs
    (one controller is active across workers and replicas; the others stand by).

    Example:

        swapsafe gateway --config swapsafe.toml --port 8787

        # then, in the application:  OpenAI(base_url="http://127.0.0.1:8787/v1")
        #                            Anthropic(base_url="http://127.0.0.1:8787")
    """
    import uvicorn

    from swapsafe.gateway.app import preflight
    from swapsafe.gateway.http_guard import proxy_header_options
    from swapsafe.gateway.http_protocol import GatewayHttpProtocol

    cfg = load_or_exit(config)
    preflight(cfg)
    default_host, default_port = _split_listen(cfg.gateway.listen)
    os.environ["SWAPSAFE_CONFIG"] = str(cfg.path)
    uvicorn.run(
        "swapsafe.cli.gateway_cmd:app_with_controller",
        factory=True,
        host=host or default_host,
        port=port or default_port,
        workers=workers,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=30,
        http=GatewayHttpProtocol,
        **proxy_header_options(forwarded_allow_ips),
    )


def app_with_controller() -> Any:
    """uvicorn factory of ``swapsafe gateway``: the gateway app (``app_from_env``) whose
    lifespan also runs the rollout controller, so a canary is watched wherever the gateway
    runs. Every worker runs one; the lock keeps exactly one active, the others on standby."""
    from swapsafe.gateway.app import app_from_env
    from swapsafe.rollout.controller import Controller

    gateway_app = app_from_env()
    runtime = gateway_app.state.runtime
    router = gateway_app.app.router
    inner = router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async with inner(app):
            controller = Controller(runtime.config, runtime.store)
            task = asyncio.create_task(controller.run_forever(), name="swapsafe-controller")
            try:
                yield
            finally:
                controller.stop()
                await asyncio.gather(task, return_exceptions=True)

    router.lifespan_context = lifespan
    return gateway_app
