"""Import a promptfoo config (YAML) into swapsafe cases.

Supported: ``prompts`` (strings with ``{{var}}`` templates, ``file://`` prompt files, JSON chat
arrays, ``{raw, label}`` objects), ``tests`` (a list or ``file://tests.yaml``) with ``vars``
(values may be ``file://path``; list values expand into one case per combination) and
``assert``; ``defaultTest`` (its vars and assertions apply to every test). Assertion types:
equals, contains, icontains, contains-any, contains-all, icontains-any, icontains-all, regex,
starts-with, is-json, contains-json, llm-rubric, similar, cost, latency, and their ``not-``
forms. Anything else stops the import with the file, the case number and the problem.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from swapsafe.evals.cases import Assertion, Case, DatasetError, check_unique_ids, render_template

SUPPORTED = {
    "equals": "equals",
    "contains": "contains",
    "icontains": "icontains",
    "contains-any": "contains-any",
    "contains-all": "contains-all",
    "icontains-any": "icontains-any",
    "icontains-all": "icontains-all",
    "regex": "regex",
    "starts-with": "starts-with",
    "is-json": "is-json",
    "contains-json": "contains-json",
    "llm-rubric": "llm-judge",
    "similar": "similar",
    "cost": "cost",
    "latency": "latency",
}
_THRESHOLD = {"similar", "cost", "latency", "llm-judge"}
_ASSERT_KEYS = {"type", "value", "threshold", "weight", "metric"}


def _read(base: Path, ref: str, where: str, *, parse: bool) -> Any:
    target = base / ref.removeprefix("file://")
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"{where}: cannot read {ref} ({exc.strerror})") from None
    if not parse:
        return text
    suffix = target.suffix.lower()
    try:
        if suffix == ".json":
            return json.loads(text)
        if suffix in (".yaml", ".yml"):
            return yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise DatasetError(f"{where}: {ref} is not valid {suffix[1:].upper()} ({exc})") from None
    if suffix in (".py", ".js", ".mjs", ".ts"):
        raise DatasetError(
            f"{where}: {ref}: code files are not supported; use a text, JSON or YAML file"
        )
    return text


def _prompts(data: Any, base: Path, path: Path) -> list[tuple[str, str | list[dict[str, Any]]]]:
    raw = data if isinstance(data, list) else [data]
    prompts: list[tuple[str, str | list[dict[str, Any]]]] = []
    for i, item in enumerate(raw, start=1):
        where = f"{path}: prompt {i}"
        label = f"prompt-{i}"
        if isinstance(item, Mapping):
            label = str(item.get("label") or item.get("id") or label)
            item = item.get("raw", item.get("id"))
        if not isinstance(item, str) or not item.strip():
            raise DatasetError(f"{where}: a prompt must be a template string or file://path")
        text = _read(base, item, where, parse=False) if item.startswith("file://") else item
        template: str | list[dict[str, Any]] = text
        if text.lstrip().startswith("["):
            try:
                messages = json.loads(text)
            except ValueError:
                messages = None
            if isinstance(messages, list) and all(
                isinstance(m, dict) and "role" in m for m in messages
            ):
                template = messages
        prompts.append((label, template))
    if not prompts:
        raise DatasetError(f"{path}: prompts: at least one prompt is needed")
    return prompts


def _vars(raw: Any, base: Path, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, str) and raw.startswith("file://"):
        raw = _read(base, raw, where, parse=True)
    if not isinstance(raw, Mapping):
        raise DatasetError(f"{where}: vars must be a mapping of names to values")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and value.startswith("file://"):
            value = _read(base, value, f"{where}: var {key}", parse=True)
        out[str(key)] = value
    return out


def _assertion(raw: Any, variables: Mapping[str, Any], base: Path, where: str) -> Assertion:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("type"), str):
        raise DatasetError(f'{where}: each assert entry needs a "type"')
    kind = str(raw["type"])
    negate = kind.startswith("not-")
    plain = kind[4:] if negate else kind
    if plain not in SUPPORTED:
        raise DatasetError(
            f'{where}: unsupported assertion type "{kind}" '
            f"(supported: {', '.join(sorted(SUPPORTED))} and their not- forms)"
        )
    extra = sorted(set(raw) - _ASSERT_KEYS)
    if extra:
        raise DatasetError(f'{where}: assertion "{kind}": unsupported option "{extra[0]}"')
    ours = SUPPORTED[plain]
    value = raw.get("value")
    if isinstance(value, str) and value.startswith("file://"):
        value = _read(base, value, where, parse=True)
    if isinstance(value, str):
        value = render_template(value, variables)
    elif isinstance(value, list):
        value = [render_template(v, variables) if isinstance(v, str) else v for v in value]
    if ours in ("cost", "latency"):
        if raw.get("threshold") is None:
            raise DatasetError(f'{where}: assertion "{kind}" needs a threshold')
        value = None
    elif value is None and plain not in ("is-json", "contains-json"):
        raise DatasetError(f'{where}: assertion "{kind}" needs a value')
    config: dict[str, Any] = {}
    if raw.get("threshold") is not None and ours in _THRESHOLD:
        config["threshold"] = raw["threshold"]
    return Assertion(type=("not-" if negate else "") + ours, value=value, config=config)


def _expand(variables: dict[str, Any]) -> list[dict[str, Any]]:
    """promptfoo turns list-valued vars into one test per combination."""
    keys = [k for k, v in variables.items() if isinstance(v, list)]
    if not keys:
        return [variables]
    combos = itertools.product(*(variables[k] for k in keys))
    return [{**variables, **dict(zip(keys, combo, strict=True))} for combo in combos]


def import_promptfoo(path: str | Path) -> list[Case]:
    """Read a promptfoo config and return its cases (one per prompt x test x var combination)."""
    path = Path(path)
    base = path.parent
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, Mapping) or "prompts" not in data or "tests" not in data:
        raise DatasetError(f'{path}: not a promptfoo config (needs "prompts" and "tests")')
    prompts = _prompts(data["prompts"], base, path)
    tests = data["tests"]
    if isinstance(tests, str) and tests.startswith("file://"):
        tests = _read(base, tests, f"{path}: tests", parse=True)
    if not isinstance(tests, list):
        raise DatasetError(f"{path}: tests must be a list (or file://tests.yaml)")
    default = data.get("defaultTest") or {}
    if isinstance(default, str) and default.startswith("file://"):
        default = _read(base, default, f"{path}: defaultTest", parse=True)
    if not isinstance(default, Mapping):
        raise DatasetError(f"{path}: defaultTest must be a mapping")
    default_vars = _vars(default.get("vars"), base, f"{path}: defaultTest")
    default_asserts = default.get("assert") or []

    cases: list[Case] = []
    for number, test in enumerate(tests, start=1):
        where = f"{path}: case {number}"
        if not isinstance(test, Mapping):
            raise DatasetError(f"{where}: a test must be a mapping with vars and assert")
        raw_asserts = [*default_asserts, *(test.get("assert") or [])]
        if not isinstance(test.get("assert") or [], list):
            raise DatasetError(f"{where}: assert must be a list")
        variables = {**default_vars, **_vars(test.get("vars"), base, where)}
        combos = _expand(variables)
        for label, template in prompts:
            for k, combo in enumerate(combos, start=1):
                case_id = f"test-{number}"
                if len(prompts) > 1:
                    case_id = f"{label}-{case_id}"
                if len(combos) > 1:
                    case_id += f"-{k}"
                metadata: dict[str, Any] = {"source": "promptfoo", "prompt": label}
                if test.get("description"):
                    metadata["description"] = str(test["description"])
                cases.append(
                    Case(
                        id=case_id,
                        input=template,
                        vars=combo,
                        metadata=metadata,
                        assertions=[_assertion(a, combo, base, where) for a in raw_asserts],
                    )
                )
    check_unique_ids(cases, path)
    return cases
