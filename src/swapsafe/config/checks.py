"""Checks that span several tables (model references, alias claims), over plain data.

They run on the raw TOML data, so they are reported together with every field error,
and tolerate values of the wrong type (those are reported by field validation).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

Loc = tuple[str | int, ...]


def cross_check(raw: Mapping[str, Any]) -> list[tuple[Loc, str]]:
    """Problems as ``(key path, message)`` pairs, in file order."""
    problems: list[tuple[Loc, str]] = []
    models = raw.get("models")
    workloads = raw.get("workloads")
    model_names = list(models) if isinstance(models, Mapping) else None
    for section in ("models", "workloads"):
        tables = raw.get(section)
        if isinstance(tables, Mapping):
            problems.extend(_name_keys(section, tables))
    if not isinstance(workloads, Mapping):
        return problems
    for name, table in workloads.items():
        if isinstance(table, Mapping) and model_names is not None:
            problems.extend(_model_refs(name, table, model_names))
    problems.extend(_alias_claims(workloads))
    evals = raw.get("evals")
    judge = evals.get("judge") if isinstance(evals, Mapping) else None
    if isinstance(judge, str) and model_names is not None and judge not in model_names:
        known = ", ".join(sorted(model_names))
        problems.append((("evals", "judge"), f'unknown model "{judge}"; known models: {known}'))
    return problems


def _name_keys(section: str, tables: Mapping[str, Any]) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    for name, table in tables.items():
        if isinstance(table, Mapping) and "name" in table and table["name"] != name:
            out.append(
                (
                    (section, name, "name"),
                    f"the name comes from the table header [{section}.{name}]; remove this key",
                )
            )
    return out


def _model_refs(
    name: str, table: Mapping[str, Any], model_names: list[str]
) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    known = ", ".join(sorted(model_names))
    for field in ("baseline", "candidate"):
        ref = table.get(field)
        if not isinstance(ref, str) or ref in model_names:
            continue
        if known:
            out.append(
                (("workloads", name, field), f'unknown model "{ref}"; known models: {known}')
            )
        else:
            out.append(
                (
                    ("workloads", name, field),
                    f'unknown model "{ref}"; no models are defined, add a [models.{ref}] table',
                )
            )
    prompts = table.get("prompts")
    for model in prompts if isinstance(prompts, Mapping) else ():
        if model not in model_names:
            close = difflib.get_close_matches(str(model), model_names, n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else f"known models: {known}"
            out.append((("workloads", name, "prompts", model), f'unknown model "{model}"; {hint}'))
    baseline, candidate = table.get("baseline"), table.get("candidate")
    if isinstance(baseline, str) and baseline == candidate:
        out.append(
            (
                ("workloads", name, "candidate"),
                f'candidate is the same model as baseline ("{baseline}"); '
                "choose a different model or remove candidate",
            )
        )
    return out


def _alias_claims(workloads: Mapping[str, Any]) -> list[tuple[Loc, str]]:
    out: list[tuple[Loc, str]] = []
    claims: dict[str, str] = {name: name for name in workloads}
    for name, table in workloads.items():
        aliases = table.get("aliases") if isinstance(table, Mapping) else None
        if not isinstance(aliases, list):
            continue
        for alias in aliases:
            if not isinstance(alias, str):
                continue
            owner = claims.setdefault(alias, name)
            if owner != name:
                out.append(
                    (
                        ("workloads", name, "aliases"),
                        f'alias "{alias}" is already claimed by workload "{owner}"; '
                        "aliases must be unique",
                    )
                )
    return out
