"""``swapsafe gateway``: serve the OpenAI- and Anthropic-compatible proxy, and run the rollout
controller next to it (one active across workers and replicas, by the controller lock)."""

from __future__ import annotations

from pathlib import Path

import typer

from swapsafe.cli.common import config_option, handle_errors, load_or_exit
from swapsafe.serve import run_gateway


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
    cfg = load_or_exit(config)
    default_host, default_port = _split_listen(cfg.gateway.listen)
    run_gateway(
        cfg,
        host=host or default_host,
        port=port or default_port,
        workers=workers,
        log_level=log_level,
        forwarded_allow_ips=forwarded_allow_ips,
    )
