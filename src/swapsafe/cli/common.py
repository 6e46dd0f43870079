"""Shared CLI pieces: the ``--config`` option, loading the config, error handling, and the
context object the commands build their services with.

Errors the user can cause end the command with one plain line per problem on stderr and
exit code 2; never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import ContextDecorator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import typer

from swapsafe.config import DEFAULT_FILE, Config, load_config
from swapsafe.exceptions import ConfigError, SwapsafeError
from swapsafe.gates.checks import evaluate_gates
from swapsafe.rollout.operations import GateCheck

if TYPE_CHECKING:  # the demo's modules load only for `swapsafe demo`
    from swapsafe.demo.context import ModelSource

EXIT_USAGE = 2

#: ``--config/-c``: default ``swapsafe.toml``, or the SWAPSAFE_CONFIG environment variable
config_option: Any = typer.Option(
    Path(DEFAULT_FILE),
    "--config",
    "-c",
    envvar="SWAPSAFE_CONFIG",
    help="Config file, or a directory holding swapsafe.toml.",
    show_default=True,
)


@dataclass(frozen=True)
class CliContext:
    """What the commands build their services with (Typer's ``ctx.obj``); a test or a program
    embedding the CLI passes its own: ``CliRunner().invoke(app, args, obj=CliContext(...))``."""

    #: the pre-cutover gate check ``swapsafe rollout start`` runs
    gates: GateCheck = evaluate_gates
    #: where ``swapsafe demo`` finds its models and servers (None: the ``[local]`` extra's)
    demo_models: ModelSource | None = None


def cli_context(ctx: typer.Context) -> CliContext:
    """The :class:`CliContext` given to the app, else the default one."""
    return ctx.obj if isinstance(ctx.obj, CliContext) else CliContext()


def error_line(message: str) -> None:
    """Print one error line in red on stderr (brackets are printed as written)."""
    typer.secho(message, fg="red", err=True)


def fail(message: str) -> typer.Exit:
    """Print ``message`` as an error line and return the exit to raise (code 2)."""
    error_line(message)
    return typer.Exit(EXIT_USAGE)


def write_out(text: str, out: Path) -> None:
    """Write ``text`` to the ``--out`` file; a path it cannot write exits 2 saying why."""
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"--out: cannot write {out}: {exc.strerror or exc}; check the path") from None


def emit(text: str, out: Path | None) -> bool:
    """``text`` to stdout, or to the ``--out`` file (True: the caller says what it wrote)."""
    if out is None:
        typer.echo(text, nl=False)
        return False
    write_out(text, out)
    return True


def report_error(exc: SwapsafeError) -> None:
    """Print an error: one line per config problem, or its one-line message."""
    if isinstance(exc, ConfigError):
        for problem in exc.problems:
            error_line(str(problem).lstrip(": "))
    else:
        error_line(str(exc) or type(exc).__name__)


def load_or_exit(path: str | Path, *, strict: bool = False) -> Config:
    """Load the config, or print every problem and exit with code 2 (``strict``: see
    :func:`swapsafe.config.load_config`)."""
    try:
        return load_config(path, strict=strict)
    except ConfigError as exc:
        report_error(exc)
        raise typer.Exit(EXIT_USAGE) from None


class _HandleErrors(ContextDecorator):
    """Decorator or ``with`` block: a :class:`SwapsafeError` becomes red lines + exit 2."""

    def __enter__(self) -> _HandleErrors:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(exc, SwapsafeError):
            report_error(exc)
            raise typer.Exit(EXIT_USAGE) from None


handle_errors = _HandleErrors()


@contextlib.contextmanager
def sigterm_cancels(task: asyncio.Task[Any]) -> Iterator[None]:
    """While the block runs, SIGTERM cancels ``task`` (finished work is kept by the caller).

    Signal handlers can only be installed from the main thread on POSIX; elsewhere (a worker
    thread, Windows) SIGTERM keeps its default meaning.
    """
    if sys.platform == "win32" or threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
