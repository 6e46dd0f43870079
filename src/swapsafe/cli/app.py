"""The ``swapsafe`` console script: the root Typer app and its command groups."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape

from swapsafe import __version__
from swapsafe.cli import (
    config_cmd,
    db,
    demo_cmd,
    eval_cmd,
    eval_export_cmd,
    gateway_cmd,
    golden_cmd,
    output,
    plan_cmd,
    redteam_cmd,
    report_cmd,
    review_cmd,
    rollout_cmd,
    route_cmd,
    scenarios_cmd,
    scheduler_cmd,
    serve_cmd,
)

#: commands that run until stopped: their log is a timestamped stream, every line kept
_SERVERS = {"gateway", "serve", "controller", "scheduler"}

app = typer.Typer(
    name="swapsafe",
    help=(
        "Swap the LLM behind a production application without breaking production: "
        "shadow traffic, golden-set evals, canary, promotion and one-command rollback."
    ),
    epilog="Example: swapsafe init && swapsafe config check",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"swapsafe {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Swap the LLM behind a production application without breaking production.

    Example: swapsafe init && swapsafe config check
    """
    if ctx.invoked_subcommand in _SERVERS:
        output.install_server_log_handler()
    else:
        output.install_log_handler()


app.command("demo")(demo_cmd.demo)
app.command("init")(config_cmd.init)
app.add_typer(config_cmd.app, name="config")
app.add_typer(db.app, name="db")
app.command("gateway")(gateway_cmd.gateway)
app.add_typer(route_cmd.route_app, name="route")
app.add_typer(route_cmd.rollback_app(), name="rollback")
app.command("audit")(route_cmd.audit)
app.add_typer(plan_cmd.plan_app, name="plan")
app.command("scenarios")(scenarios_cmd.scenarios)
app.command("serve")(serve_cmd.serve)
app.add_typer(review_cmd.app, name="review")
app.add_typer(redteam_cmd.redteam_app, name="redteam")
app.add_typer(rollout_cmd.rollout_app, name="rollout")
app.command("retire")(rollout_cmd.retire_command)
app.command("controller")(rollout_cmd.controller_command)
app.command("import-logs")(report_cmd.import_logs)
app.command("inventory")(report_cmd.inventory)
app.add_typer(report_cmd.baseline_app, name="baseline")
app.add_typer(report_cmd.criteria_app, name="criteria")
app.command("report")(report_cmd.report)
app.add_typer(eval_cmd.eval_app, name="eval")
eval_cmd.eval_app.command("export")(eval_export_cmd.export_command)
app.add_typer(golden_cmd.golden_app, name="golden")
app.command("scheduler")(scheduler_cmd.scheduler)


def command() -> Any:
    """The command tree, with every help text taken literally.

    Typer renders help through Rich markup, which swallows config section names such as
    ``[gateway]`` as if they were style tags ("default: [gateway] listen" printed as
    "default:  listen"). No help text here uses markup on purpose, so all of it is escaped once,
    in one place, instead of at every ``[section]`` in every command.
    """
    root = typer.main.get_command(app)
    stack = [root]
    while stack:
        cmd = stack.pop()
        for holder in (cmd, *cmd.params):
            for attr in ("help", "short_help", "epilog"):
                text = getattr(holder, attr, None)
                if isinstance(text, str):
                    setattr(holder, attr, escape(text))
        stack += list(getattr(cmd, "commands", {}).values())
    return root


def main() -> None:
    """Entry point of the ``swapsafe`` console script."""
    command()(prog_name="swapsafe")
