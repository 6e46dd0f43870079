"""``swapsafe golden import``: a promptfoo config or an OpenAI evals eval into a golden set.

All or nothing: an unsupported construct stops the import with the file, the case and the
construct, and nothing is written; ``--skip-unsupported`` imports the rest and lists what was
skipped. A workload whose ``golden`` file does not exist yet gets it written (the config is
checked again afterwards, so ``config check`` passes).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from swapsafe.cli.common import config_option, fail, handle_errors, load_or_exit
from swapsafe.config import DEFAULT_FILE, Config
from swapsafe.evals.datasets import write_cases
from swapsafe.evals.importers import EVAL_CLASSES, import_openai_evals
from swapsafe.evals.importers.openai_registry import find_spec, import_registry_eval
from swapsafe.evals.importers.outcome import ImportOutcome
from swapsafe.evals.importers.promptfoo import import_promptfoo_outcome

console = Console(soft_wrap=True)  # paths and skipped lines stay one line each


def _declared_golden(config: Path, workload: str) -> Path | None:
    """The workload's ``golden`` path as written in the config, resolved (even if missing)."""
    path = config / DEFAULT_FILE if config.is_dir() else config
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    table: Any = raw.get("workloads", {}).get(workload, {})
    golden = table.get("golden") if isinstance(table, dict) else None
    if not isinstance(golden, str):
        return None
    target = Path(golden).expanduser()
    return (target if target.is_absolute() else path.parent / target).resolve()


def _read(
    file: Path | None,
    fmt: str,
    spec: Path | None,
    registry: Path | None,
    eval_name: str | None,
    eval_class: str,
    skip: bool,
) -> ImportOutcome:
    if fmt == "promptfoo":
        if file is None:
            raise fail("give the promptfoo config file")
        return import_promptfoo_outcome(file, skip_unsupported=skip)
    if fmt != "openai-evals":
        raise fail(f'unknown format "{fmt}"; use promptfoo or openai-evals')
    if registry is not None:
        if not eval_name:
            raise fail("--registry needs --eval NAME")
        spec = find_spec(eval_name, registry)
    if spec is not None:
        return import_registry_eval(spec, name=eval_name, skip_unsupported=skip)
    if file is None:
        raise fail("give a samples file, --spec evals/registry/evals/x.yaml or --registry DIR")
    note = (
        f"scored as {eval_class} (--eval-class); the eval's own class, args and few-shot live "
        "in its YAML spec: import with --spec or --registry to use them"
    )
    return ImportOutcome(cases=import_openai_evals(file, eval_class), notes=[note])


def provider_lines(cfg: Config, workload: str, providers: list[str]) -> list[str]:
    """Where each promptfoo provider goes: the configured model serving the same upstream
    model, if the workload uses one, and in any case the workload's own models."""
    w = cfg.workloads[workload]
    ours = [m for m in (w.baseline, w.candidate) if m]
    lines = []
    for pid in providers:
        upstream = pid.rsplit(":", 1)[-1]
        same = [m for m in ours if cfg.models[m].model == upstream]
        where = f"= model {same[0]}" if same else "is not called"
        lines.append(f"provider {pid} {where}")
    if lines:
        lines.append(f"the cases run on {' and '.join(ours)} (temperature 0)")
    return lines


def _report(
    outcome: ImportOutcome, source: str, target: Path, created: str | None, mapped: list[str]
) -> None:
    where = escape(str(target))
    line = f"wrote {len(outcome.cases)} cases from {escape(source)} to {where}"
    console.print(line + (f" ({created})" if created else ""))
    for mapping in mapped:
        console.print(f"note: {escape(mapping)}")
    for note in outcome.notes:
        console.print(f"note: {escape(note)}")
    if outcome.skipped:
        console.print(f"skipped {len(outcome.skipped)} unsupported case(s):")
        for skipped in outcome.skipped:
            console.print(f"  {escape(skipped)}")


def _target(cfg: Config | None, workload: str, out: Path | None, declared: Path | None) -> Path:
    """--out, else the workload's golden file (declared in the config, existing or not)."""
    if out is not None:
        return out
    if cfg is None:
        assert declared is not None
        return declared
    return cfg.workloads[workload].golden or cfg.root / "golden" / f"{workload}.jsonl"


def import_cmd(
    file: Path | None = typer.Argument(
        None, help="promptfoo config (YAML) or OpenAI evals samples (JSONL)."
    ),
    format: str = typer.Option(..., "--format", help="promptfoo or openai-evals."),
    workload: str = typer.Option(
        ..., "--workload", "-w", help="Workload the golden set belongs to."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Golden file to write (default: the workload's golden file)."
    ),
    spec: Path | None = typer.Option(
        None, "--spec", help="OpenAI evals: the eval's YAML spec (evals/registry/evals/x.yaml)."
    ),
    registry: Path | None = typer.Option(
        None, "--registry", help="OpenAI evals: the registry directory (find --eval in it)."
    ),
    eval_name: str | None = typer.Option(
        None, "--eval", help="OpenAI evals: the eval's name in the spec or registry."
    ),
    eval_class: str = typer.Option(
        "match", "--eval-class", help=f"Samples file only: {', '.join(EVAL_CLASSES)}."
    ),
    skip_unsupported: bool = typer.Option(
        False, "--skip-unsupported", help="Import the supported cases; list the others."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing golden file."),
    config: Path = config_option,
) -> None:
    """Convert a promptfoo config or an OpenAI evals eval into swapsafe's golden JSONL.

    Examples:

        swapsafe golden import promptfooconfig.yaml --format promptfoo --workload support

        swapsafe golden import --format openai-evals --registry evals/registry \
            --eval arithmetic --workload math
    """
    declared = _declared_golden(config, workload)
    missing = declared is not None and not declared.exists()  # the config cannot load yet
    creating = out is None and missing
    cfg = None if missing else load_or_exit(config)
    if cfg is not None and workload not in cfg.workloads:
        raise fail(f'unknown workload "{workload}" (workloads: {", ".join(sorted(cfg.workloads))})')
    with handle_errors:
        outcome = _read(file, format, spec, registry, eval_name, eval_class, skip_unsupported)
    if not outcome.cases:
        raise fail(f"no case could be imported ({len(outcome.skipped)} skipped)")
    target = _target(cfg, workload, out, declared)
    if target.exists() and target.stat().st_size and not force:
        raise fail(f"{target} exists; pass --force to replace it or --out another file")
    created = f"created the golden file of workload {workload}" if creating else None
    created = created or (None if target.exists() else "new file")
    write_cases(target, outcome.cases)
    if creating:
        cfg = load_or_exit(config)  # the config now loads with its golden file in place
    mapped = provider_lines(cfg, workload, outcome.providers) if cfg is not None else []
    _report(outcome, str(file or spec or eval_name), target, created, mapped)
