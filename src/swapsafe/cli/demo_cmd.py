"""``swapsafe demo``: the whole migration process, end to end, on two local models."""

from __future__ import annotations

from pathlib import Path

import typer

from swapsafe.cli.common import EXIT_USAGE, cli_context, handle_errors, report_error
from swapsafe.demo.context import DemoOptions, ModelSource
from swapsafe.demo.orchestrate import run_demo
from swapsafe.exceptions import SwapsafeError


@handle_errors
def demo(
    ctx: typer.Context,
    dir: Path = typer.Option(
        Path("swapsafe-demo"),
        "--dir",
        "-d",
        help="Directory for swapsafe.toml, prompts/, golden/, swapsafe.db, report.md and plan.md.",
        show_default=True,
    ),
    quick: bool = typer.Option(
        False, "--quick", help="Fewer probes, tokens and review pairs (about 5 minutes on 2 cores)."
    ),
    serve: bool = typer.Option(False, "--serve", help="At the end, serve the web UI until Ctrl-C."),
) -> None:
    """Run a model migration end to end on this machine: no API key, no network.

    llama.cpp servers play the old model (SmolLM2-135M-Instruct) and the new
    one (Gemma 3 270M), both shipped in PyPI packages. The demo writes a config
    with three workloads, replays traffic through the gateway in shadow mode,
    runs golden evals, red-team probes and review sampling (verdicts from a
    rule, labelled as such) and asks the pre-cutover gates for a rollout. Then
    a second candidate, the old model with a tuned prompt for one workload,
    goes through the same process to a canary under a compressed clock and a
    rollback rehearsal; the go/no-go reports and the plan are written. The
    scores are whatever the models really get.

    Needs the local extra:  pip install 'swapsafe[local]'

    Example:

        swapsafe demo --quick                 # about 5 minutes
        swapsafe demo --dir ./swapsafe-demo   # the full run, about 10 minutes
        swapsafe demo --serve                 # then browse the web UI
    """
    source = cli_context(ctx).demo_models or ModelSource()
    try:
        source.require()  # before anything is started or written
        run_demo(DemoOptions(dir=dir, quick=quick, serve=serve, models=source))
    except KeyboardInterrupt:
        typer.secho("interrupted: the model servers and the gateway were stopped", err=True)
        raise typer.Exit(130) from None
    except SwapsafeError as exc:
        report_error(exc)
        raise typer.Exit(EXIT_USAGE) from None


#: ``python -m swapsafe.cli.demo_cmd`` (the ``swapsafe`` app registers :func:`demo` as ``demo``)
app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)
app.command()(demo)

if __name__ == "__main__":
    app()
