"""``swapsafe plan ...``: the 12-item migration checklist.

Works standalone: with no ``swapsafe.toml`` the plan lives in ``./swapsafe.db``; a config with
only a ``[store]`` table is enough too. Items tick from evidence when the store has it, or by hand.
"""

from __future__ import annotations

import getpass
import tomllib
from datetime import date
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console, Group
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from swapsafe.cli.common import config_option, emit, fail, handle_errors, load_or_exit
from swapsafe.config import DEFAULT_FILE, Config, ConfigError, load_config, resolve_store_url
from swapsafe.plan.export import item_status_text, outlook_lines, render_markdown
from swapsafe.plan.items import Phase
from swapsafe.plan.outlook import Outlook, outlook
from swapsafe.plan.service import PlanService
from swapsafe.plan.status import ItemState, PlanView
from swapsafe.store import open_store
from swapsafe.store.protocol import Store
from swapsafe.store.records import Plan

plan_app = typer.Typer(
    help="The 12-item migration plan: create, show, tick by hand, export as markdown.",
    epilog="Example: swapsafe plan new gpt5-swap --from gpt-4o --to gpt-5 --workloads support",
    no_args_is_help=True,
)
console = Console()
STATE_STYLE = {"done": "green", "in_progress": "yellow", "overdue": "bold red", "todo": "dim"}
plan_option = typer.Option(
    None, "--plan", "-p", help="Migration name (needed when there are several)."
)


def _actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except Exception:  # no user name in some containers
        return "cli:unknown"


def plan_config(path: Path) -> tuple[Config | None, str]:
    """The config (None without a file) and the store URL the plan commands use.

    No file at the default path: the default store ``sqlite:///swapsafe.db`` in the current
    directory. A file with only ``[store]`` (no models) is accepted for the planner.
    """
    file = path / DEFAULT_FILE if path.is_dir() else path
    if not file.exists() and path == Path(DEFAULT_FILE):
        return None, resolve_store_url("sqlite:///swapsafe.db", Path.cwd())
    try:
        cfg = load_config(file)
    except ConfigError as exc:
        cfg = _store_only(file, exc)
    return cfg, cfg.store.url


def _store_only(file: Path, error: ConfigError) -> Config:
    """A config without models is fine for the planner; anything else wrong is reported."""
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return load_or_exit(file)  # prints the original problems and exits
    if raw.get("models"):
        return load_or_exit(file)
    root = file.resolve().parent
    context = {"env": None, "root": root, "cross_checked": False}
    try:
        return Config.model_validate({**raw, "path": file.resolve(), "root": root}, context=context)
    except ValidationError:
        raise error from None


def _open(config: Path) -> tuple[PlanService, Store]:
    cfg, url = plan_config(config)
    store = open_store(url)
    return PlanService(store, cfg), store


# -- rendering ----------------------------------------------------------------------------------


def _bar(done: int, total: int, width: int = 24) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_row(ProgressBar(total=total or 1, completed=done, width=width), f"{done}/{total}")
    return grid


def _phase_table(view: PlanView, phase: Phase) -> Table:
    done, total = view.progress(phase)
    table = Table(
        title=f"{phase.title} — due {phase.due(view.start):%Y-%m-%d}",
        title_justify="left",
        expand=True,
    )
    table.add_column("#", justify="right", width=2)
    table.add_column("item", ratio=2)
    table.add_column("state", ratio=2)
    table.add_column("evidence", ratio=5)
    for s in view.phase_items(phase):
        table.add_row(
            str(s.item.number), f"{s.item.title}\n[dim]{s.item.key}[/dim]", _state(s), _evidence(s)
        )
    table.caption = f"{done}/{total} done"
    return table


def _state(s: ItemState) -> Text:
    text = Text(item_status_text(s), style=STATE_STYLE[s.state])
    return text


def _evidence(s: ItemState) -> Text:
    text = Text(s.evidence.summary)
    if s.note:
        text.append(f"\nnote: {s.note}", style="italic")
    return text


def print_view(view: PlanView, look: Outlook | None) -> None:
    plan = view.plan
    done, total = view.progress()
    head = Table.grid(padding=(0, 2))
    head.add_row("from → to", f"{plan.from_model} → {plan.to_model}")
    head.add_row("workloads", ", ".join(plan.workloads))
    head.add_row("start", f"{view.start:%Y-%m-%d} (now {view.now:%Y-%m-%d %H:%M} UTC)")
    head.add_row("overall", _bar(done, total))
    for phase in view.phases:
        head.add_row(phase.title, _bar(*view.progress(phase)))
    console.print(Panel(head, title=f"migration {plan.name}", title_align="left"))
    for phase in view.phases:
        console.print(_phase_table(view, phase))
    lines = outlook_lines(look)
    if lines:
        console.print(
            Panel(Group(*(Text(line.replace("**", "")) for line in lines)), title="scenario")
        )


def _outlook(service: PlanService, plan: Plan) -> Outlook:
    return outlook(
        service.store,
        service.config,
        from_model=plan.from_model,
        to_model=plan.to_model,
        now=service.clock(),
        workloads=plan.workloads,
    )


# -- commands -----------------------------------------------------------------------------------


@plan_app.command("new")
@handle_errors
def new(
    name: str = typer.Argument(..., help="A name for the migration, e.g. gpt5-swap."),
    from_model: str = typer.Option(
        ..., "--from", help="The old model (config name or upstream id)."
    ),
    to_model: str = typer.Option(..., "--to", help="The new model (config name or upstream id)."),
    workloads: str = typer.Option(..., help="Comma-separated workload names."),
    start: str | None = typer.Option(None, help="Start date YYYY-MM-DD (default: today, UTC)."),
    config: Path = config_option,
) -> None:
    """Create a migration plan: 12 items in 3 phases, due dates from the start date.

    Example:

        swapsafe plan new gpt5-swap --from gpt-4o --to gpt-5 --workloads support,search

        swapsafe plan new q1-swap --from old --to new --workloads support --start 2026-12-01
    """
    day: date | None = None
    if start is not None:
        try:
            day = date.fromisoformat(start)
        except ValueError:
            raise fail(
                f"--start {start!r} is not a date; use YYYY-MM-DD, e.g. 2026-12-01"
            ) from None
    service, store = _open(config)
    try:
        plan = service.create(
            name,
            from_model=from_model,
            to_model=to_model,
            workloads=workloads.split(","),
            start=day,
        )
        unknown = service.unknown_workloads(plan)
    finally:
        store.close()
    console.print(
        f"created migration [bold]{plan.name}[/bold]: {plan.from_model} → {plan.to_model}, "
        f"workloads {', '.join(plan.workloads)}, start {plan.start_date:%Y-%m-%d}",
        soft_wrap=True,
    )
    if unknown:
        console.print(
            f"[yellow]not in the config: {', '.join(unknown)} (gates and triggers cannot tick "
            "from evidence; tick them by hand)[/yellow]",
            soft_wrap=True,
        )
    console.print(f"next: swapsafe plan show {plan.name}")


@plan_app.command("list")
@handle_errors
def list_plans(config: Path = config_option) -> None:
    """List the migrations with their progress.

    Example:

        swapsafe plan list
    """
    service, store = _open(config)
    try:
        views = [service.view(p) for p in service.plans()]
    finally:
        store.close()
    if not views:
        console.print(
            "no migrations yet: swapsafe plan new NAME --from OLD --to NEW --workloads a,b"
        )
        return
    table = Table(title="migrations")
    for col in ("name", "from → to", "workloads", "start", "progress", "overdue"):
        table.add_column(col)
    for v in views:
        overdue = sum(s.state == "overdue" for s in v.items)
        table.add_row(
            v.plan.name,
            f"{v.plan.from_model} → {v.plan.to_model}",
            ", ".join(v.plan.workloads),
            f"{v.start:%Y-%m-%d}",
            _bar(*v.progress(), width=12),
            str(overdue) if overdue else "-",
        )
    console.print(table)


@plan_app.command("show")
@handle_errors
def show(
    name: str | None = typer.Argument(None, help="Migration name (optional with one migration)."),
    plan: str | None = plan_option,
    config: Path = config_option,
) -> None:
    """Show the three phases with progress bars, each item's state, due date and evidence.

    Example:

        swapsafe plan show gpt5-swap
    """
    service, store = _open(config)
    try:
        chosen = service.resolve(name or plan)
        view = service.view(chosen)
        look = _outlook(service, chosen)
    finally:
        store.close()
    print_view(view, look)


def _manual(action: str, item: str, note: str, plan: str | None, config: Path) -> None:
    service, store = _open(config)
    try:
        chosen = service.resolve(plan)
        if action == "tick":
            state = service.tick(chosen, item, note=note, actor=_actor())
        else:
            state = service.untick(chosen, item, note=note, actor=_actor())
        done, total = service.view(chosen, record=False).progress()
    finally:
        store.close()
    console.print(
        f"{chosen.name}: item {state.item.number} ({state.item.key}) {action}ed — "
        f"now {item_status_text(state)}; plan {done}/{total} done",
        soft_wrap=True,
    )


@plan_app.command("tick")
@handle_errors
def tick(
    item: str = typer.Argument(..., help="Item number 1-12 or key (e.g. shadow)."),
    note: str = typer.Option(..., help="Why it is done / where the proof is (required)."),
    plan: str | None = plan_option,
    config: Path = config_option,
) -> None:
    """Tick an item by hand, with a note; it is labelled manual.

    Example:

        swapsafe plan tick redteam --note "external pentest report PT-42, no findings"
    """
    _manual("tick", item, note, plan, config)


@plan_app.command("untick")
@handle_errors
def untick(
    item: str = typer.Argument(..., help="Item number 1-12 or key (e.g. shadow)."),
    note: str = typer.Option(..., help="Why the manual tick is withdrawn (required)."),
    plan: str | None = plan_option,
    config: Path = config_option,
) -> None:
    """Withdraw a manual tick; the history keeps both events.

    Example:

        swapsafe plan untick 8 --note "pentest covered the old prompt only"
    """
    _manual("untick", item, note, plan, config)


@plan_app.command("export")
@handle_errors
def export(
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write to this file (default: stdout)."
    ),
    plan: str | None = plan_option,
    config: Path = config_option,
) -> None:
    """Export the plan as a timestamped markdown checklist (GitHub-flavoured).

    Example:

        swapsafe plan export --out plan.md
    """
    service, store = _open(config)
    try:
        chosen = service.resolve(plan)
        text = render_markdown(service.view(chosen), _outlook(service, chosen))
    finally:
        store.close()
    if emit(text, out):
        console.print(f"wrote {out} ({chosen.name}, {text.count('- [x]')}/12 done)")
