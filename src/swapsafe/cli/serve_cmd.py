"""``swapsafe serve``: the web UI (and, with ``--gateway``, the gateway on the same port)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from swapsafe.cli.common import config_option, fail, handle_errors, load_or_exit
from swapsafe.config import Config
from swapsafe.serve import run_web

DEFAULT_REVIEWER_ENV = "SWAPSAFE_REVIEWER_TOKEN"
DEFAULT_WEB_PORT = 8790


def reviewer_tokens_from_env(name: str, env: dict[str, str] | None = None) -> list[str]:
    """Reviewer tokens from one environment variable (several separated by commas)."""
    raw = (os.environ if env is None else env).get(name, "")
    return [t.strip() for t in raw.split(",") if t.strip()]


def listen_address(
    cfg: Config, *, gateway: bool, host: str | None, port: int | None
) -> tuple[str, int]:
    """With ``--gateway`` the default is ``[gateway] listen``; the UI alone uses port 8790."""
    default_host = cfg.gateway.host or "127.0.0.1"
    default_port = cfg.gateway.port if gateway else DEFAULT_WEB_PORT
    return host or default_host, port or default_port


@handle_errors
def serve(
    config: Path = config_option,
    gateway: bool = typer.Option(
        False, "--gateway", help="Also serve the gateway (proxy, admin API, /metrics) on this port."
    ),
    host: str | None = typer.Option(None, help="Address to bind (default: [gateway] listen host)."),
    port: int | None = typer.Option(
        None, help="Port (default: 8790; with --gateway, the [gateway] listen port)."
    ),
    reviewer_token_env: str = typer.Option(
        DEFAULT_REVIEWER_ENV,
        "--reviewer-token-env",
        help="Environment variable holding reviewer token(s), comma-separated.",
    ),
    log_level: str = typer.Option("info", help="uvicorn log level."),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        help="Trust X-Forwarded-Proto/-For from these proxy IPs, comma-separated (so cookies get "
        "Secure behind HTTPS). Default: from no address.",
    ),
) -> None:
    """Serve the web UI: overview, review, plan, rollout and report pages.

    Log in with the admin token ([gateway] admin_token) or a reviewer token; reviewers can
    review shadow pairs but never change routing.

    Example:

        export SWAPSAFE_REVIEWER_TOKEN=$(openssl rand -hex 24)
        swapsafe serve --config swapsafe.toml --port 8790
        swapsafe serve --gateway            # UI + gateway on the [gateway] listen port
    """
    cfg = load_or_exit(config)
    reviewers = reviewer_tokens_from_env(reviewer_token_env)
    if cfg.gateway.admin_token is None and not reviewers:
        raise fail(
            "nobody could log in: set [gateway] admin_token or export "
            f"{reviewer_token_env}=<reviewer token>"
        )
    bind_host, bind_port = listen_address(cfg, gateway=gateway, host=host, port=port)
    url = f"http://{bind_host}:{bind_port}/"
    run_web(
        cfg,
        host=bind_host,
        port=bind_port,
        gateway=gateway,
        reviewer_tokens=reviewers,
        log_level=log_level,
        forwarded_allow_ips=forwarded_allow_ips,
        announce=lambda: typer.echo(f"swapsafe web UI on {url}" + (" (+ gateway)" * gateway)),
    )
