"""``swapsafe init`` and ``swapsafe config check|show``."""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from swapsafe.cli.common import config_option, fail, handle_errors, load_or_exit
from swapsafe.config import DEFAULT_FILE, Config, Secret, WorkloadConfig
from swapsafe.config.advice import profile_advice
from swapsafe.config.prompts import PromptVariantConfig
from swapsafe.config.request import RequestConfig
from swapsafe.config.values import toml_scalar
from swapsafe.store.engine import mask_url

app = typer.Typer(
    help="Validate and inspect swapsafe.toml.",
    epilog="Example: swapsafe config check --config swapsafe.toml",
    no_args_is_help=True,
)

_TEMPLATES = "templates"


def _template_root() -> Traversable:
    return resources.files("swapsafe").joinpath(_TEMPLATES)


def _example_files(node: Traversable, prefix: Path) -> list[tuple[Path, Traversable]]:
    files: list[tuple[Path, Traversable]] = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.is_dir():
            files.extend(_example_files(child, prefix / child.name))
        elif not child.name.startswith("."):
            files.append((prefix / child.name, child))
    return files


@handle_errors
def init(
    directory: Path = typer.Argument(
        Path("."), metavar="DIR", help="Directory to create the config in (default: here)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing swapsafe.toml."),
) -> None:
    """Write a commented example swapsafe.toml (two local models, two workloads) and its files.

    The example needs no API key: two local OpenAI-compatible servers play old and new model.

    Missing files it references (prompts/, golden/) are created too.

    Example: swapsafe init my-service && swapsafe config check -c my-service
    """
    target = directory / DEFAULT_FILE
    if target.is_dir():
        raise fail(f"{target} is a directory; pick another DIR")
    if target.exists() and not force:
        raise fail(f"{target} already exists; pass --force to overwrite it")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        root = _template_root()
        target.write_text(root.joinpath("swapsafe.example.toml").read_text("utf-8"), "utf-8")
        written = [target]
        for relative, source in _example_files(root.joinpath("example"), Path()):
            dest = directory / relative
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(source.read_text("utf-8"), "utf-8")
                written.append(dest)
    except OSError as exc:
        raise fail(f"cannot write to {directory}: {exc.strerror or exc}; check the path") from None
    for path in written:
        typer.echo(f"wrote {path}")
    where = "" if directory == Path(".") else f" -c {directory}"
    typer.echo(
        "\nNext steps:\n"
        "  1. start the local OpenAI-compatible servers named in [models.old] and [models.new]\n"
        "     (ports 8081 and 8082), or point their base_url at your own models\n"
        f"  2. swapsafe config check{where}\n"
        f"  3. swapsafe gateway{where}   then send your app's requests to"
        ' http://127.0.0.1:8787/v1 with model="support"'
    )


@app.command()
@handle_errors
def check(config: Path = config_option) -> None:
    """Validate the config and print a summary of its workloads and models.

    Every problem is printed as one line (file:line: key: what to do); exit code 2 if any.
    Advice that is no error (a model a built-in request profile applies to that sets none)
    is printed as a warning line.

    Example: swapsafe config check --config swapsafe.toml
    """
    cfg = load_or_exit(config, strict=True)
    console = Console(highlight=False)
    console.print(_workloads_table(cfg))
    console.print(_models_table(cfg))
    display = str(config / DEFAULT_FILE if config.is_dir() else config)
    for advice in profile_advice(cfg, cfg.path.read_text(encoding="utf-8"), display):
        console.print(f"[yellow]warning[/yellow]: {escape(str(advice))}", soft_wrap=True)
    console.print(
        f"[green]config OK[/green]: {len(cfg.models)} models, {len(cfg.workloads)} workloads "
        f"({escape(str(cfg.path))})",
        soft_wrap=True,
    )


@app.command()
@handle_errors
def show(
    config: Path = config_option,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of TOML."),
) -> None:
    """Print the resolved config with secrets masked.

    Defaults are filled in, durations shown in seconds and paths made absolute.

    Example: swapsafe config show --json | jq .workloads
    """
    cfg = load_or_exit(config)
    if as_json:
        typer.echo(json.dumps(_masked(cfg.model_dump(mode="json")), indent=2))
    else:
        typer.echo(render_toml(cfg))


# --- rendering ---------------------------------------------------------------------------


def _workloads_table(cfg: Config) -> Table:
    table = Table(title="workloads")
    for column in ("workload", "aliases", "baseline", "candidate", "sticky key", "golden cases"):
        table.add_column(column)
    for name, wl in cfg.workloads.items():
        table.add_row(
            escape(name),
            escape(", ".join(wl.aliases)),
            escape(wl.baseline),
            escape(wl.candidate or "-"),
            escape(wl.sticky_key),
            _golden_count(wl),
        )
    return table


def _models_table(cfg: Config) -> Table:
    table = Table(title="models")
    for column in ("model", "provider", "upstream model", "base_url", "api key"):
        table.add_column(column)
    for name, model in cfg.models.items():
        key = f"{model.api_key.ref} (set)" if model.api_key else "-"
        table.add_row(
            escape(name),
            model.provider,
            escape(model.model),
            escape(shown(model.base_url) if model.base_url else "(provider default)"),
            escape(key),
        )
    return table


def _golden_count(wl: WorkloadConfig) -> str:
    if wl.golden is None:
        return "-"
    try:
        lines = wl.golden.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return "unreadable"
    rows = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if wl.golden.suffix.lower() == ".csv":
        return str(max(len(rows) - 1, 0))
    if wl.golden.suffix.lower() == ".jsonl":
        return str(len(rows))
    return "file"


def render_toml(cfg: Config) -> str:
    """The resolved config as TOML; secrets as their env:: reference, never their value."""
    lines = [
        f"# resolved from {cfg.path}",
        "# defaults filled in; durations in seconds; paths absolute; secrets masked",
    ]
    for section in ("store", "models", "workloads", "rollout", "shadow", "gateway", "evals"):
        value = getattr(cfg, section)
        if isinstance(value, dict):
            for name, table in value.items():
                _render_table(lines, f"{section}.{_key(name)}", table)
        else:
            _render_table(lines, section, value)
    return "\n".join(lines)


def _render_table(lines: list[str], header: str, model: BaseModel) -> None:
    lines.extend(["", f"[{header}]", *_explained(model)])
    tables: list[tuple[str, BaseModel]] = []
    for field in type(model).model_fields:
        value = getattr(model, field)
        if field == "name":
            continue
        if isinstance(value, BaseModel):
            tables.append((field, value))
        elif isinstance(value, dict) and any(isinstance(v, BaseModel) for v in value.values()):
            tables.extend((f"{field}.{_key(k)}", v) for k, v in value.items())
        elif value is None:
            lines.append(f"# {field} = (not set)")
        else:
            lines.append(f"{field} = {_value(value)}{_secret_note(value)}")
    for field, table in tables:
        _render_table(lines, f"{header}.{field}", table)


def _explained(model: BaseModel) -> list[str]:
    """Comment lines saying what a table amounts to: every request rule a model's adapter runs
    (its profile's included), or a prompt variant's label and digest."""
    if isinstance(model, RequestConfig):
        rules = model.rules().describe()
        return ["# rules, in the order they run:", *(f"#   {r}" for r in rules)] if rules else []
    if isinstance(model, PromptVariantConfig):
        return [f"# {model.variant.describe()}"]
    return []


def _secret_note(value: object) -> str:
    secrets = value if isinstance(value, list) else [value]
    if secrets and all(isinstance(s, Secret) for s in secrets):
        return "  # " + ", ".join(str(s).removeprefix("env::").split(" ", 1)[1] for s in secrets)
    return ""


def _value(value: Any) -> str:
    if isinstance(value, Secret):
        return json.dumps(f"env::{value.ref}")
    scalar = toml_scalar(value)
    if scalar is not None:
        return scalar
    if isinstance(value, BaseModel):
        inner = ", ".join(f"{k} = {_value(v)}" for k, v in value if v is not None)
        return "{ " + inner + " }"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, str):
        return json.dumps(shown(value))
    if isinstance(value, list):
        if value and isinstance(value[0], BaseModel):
            return "[\n" + "".join(f"  {_value(v)},\n" for v in value) + "]"
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(shown(str(value)))


def shown(text: str) -> str:
    """A config value as printed: any URL in it with its credentials masked."""
    return mask_url(text) if "://" in text else text


def _masked(value: object) -> object:
    """The JSON form of the config with every URL-valued string masked (see :func:`shown`)."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _key(name: str) -> str:
    return name if name.replace("-", "").replace("_", "").isalnum() else json.dumps(name)
