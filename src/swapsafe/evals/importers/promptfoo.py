"""Import a promptfoo config (YAML) into swapsafe cases, with promptfoo's meaning.

One case per test x var combination x prompt, its input the prompt rendered as promptfoo
renders it (see :mod:`promptfoo_prompts`; Nunjucks through a sandboxed Jinja2), its
assertions mapped by :mod:`promptfoo_asserts`, ``threshold`` and assertion ``weight`` scored
by the same rule promptfoo uses (see ``scorers.base._verdict``). ``defaultTest`` (vars,
assert, options, threshold, metadata) applies to every test; ``file://`` vars are read as
promptfoo reads them (text trimmed, YAML as JSON text); list-valued vars expand into one test
per combination. ``providers`` are not called: the cases run on the workload's models (the
import says so in a note), and a provider or test option that would change what is sent or
scored (``transform``, ``postprocess``, ``prefix``/``suffix``, per-test providers or prompt
filters, ``scenarios``, ``extensions``, ``nunjucksFilters``) is refused by name.
"""

from __future__ import annotations

import functools
import glob
import itertools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from swapsafe.evals.cases import Case, DatasetError, check_unique_ids
from swapsafe.evals.importers.nunjucks import js_string
from swapsafe.evals.importers.outcome import ImportOutcome, Unsupported
from swapsafe.evals.importers.promptfoo_asserts import convert, precheck
from swapsafe.evals.importers.promptfoo_prompts import Prompt, load_prompts, render_prompt
from swapsafe.evals.importers.promptfoo_tests import load_tests

_IGNORED = {
    "description", "providers", "prompts", "tests", "defaultTest", "assertionTemplates",
    "sharing", "outputPath", "evaluateOptions", "commandLineOptions", "writeLatestResults",
    "tags", "metadata", "env", "tracing", "$schema", "derivedMetrics",
}  # fmt: skip
_JS_HINT = {
    "transform": " (promptfoo runs it as JavaScript; swapsafe does not)",
    "postprocess": " (promptfoo runs it as JavaScript; swapsafe does not)",
}
_TEST_KEYS = {"description", "vars", "assert", "threshold", "metadata", "options"}
_OPTION_KEYS = {"provider"}
_SIMPLE_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def _read_config(path: Path) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, Mapping) or "prompts" not in data:
        raise DatasetError(f'{path}: not a promptfoo config (needs "prompts")')
    for key in data:
        if key not in _IGNORED:
            raise Unsupported(str(path), f'top-level "{key}"')
    return data


_PROVIDER_CONFIG = {"temperature", "max_tokens", "top_p", "cache_control"}
_CUSTOM_PROVIDER = ("file://", "exec:", "python:", "http", "webhook:", "script:")


def _provider_ids(data: Mapping[str, Any], path: Path) -> list[str]:
    """The providers' ids; one that changes what is sent or how it is read is refused."""
    raw = data.get("providers") or []
    providers = [raw] if isinstance(raw, str | Mapping) else list(raw)
    ids = []
    for p in providers:
        entry = p if isinstance(p, Mapping) else {"id": p}
        pid = str(entry.get("id") or entry.get("label") or "?")
        where = f"{path}: providers"
        if pid.startswith(_CUSTOM_PROVIDER):
            raise Unsupported(where, f"custom provider {pid}")
        for key in ("prompts", "transform", "delay"):
            if entry.get(key):
                raise Unsupported(where, f"provider {pid} {key}")
        config = entry.get("config") or {}
        for key in config if isinstance(config, Mapping) else ["(not a mapping)"]:
            if key not in _PROVIDER_CONFIG:
                raise Unsupported(where, f"provider {pid} config.{key}")
        ids.append(pid)
    return ids


def _var_file(ref: str, base: Path, where: str) -> Any:
    target = base / ref[7:]
    suffix = target.suffix.lower()
    if suffix in (".py", ".js", ".ts", ".mjs"):
        raise Unsupported(where, f"var computed by code ({ref})")
    if suffix in (".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".mp4", ".bmp"):
        raise Unsupported(where, f"binary var file ({ref})")
    try:
        text = target.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise Unsupported(where, f"cannot read {ref} ({exc.strerror})") from None
    if suffix in (".yaml", ".yml"):
        return json.dumps(yaml.safe_load(text), separators=(",", ":"), ensure_ascii=False)
    return text.strip()


def _vars(raw: Any, base: Path, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, str) and raw.startswith("file://"):
        loaded = yaml.safe_load(_var_file(raw, base, where))
        raw = json.loads(loaded) if isinstance(loaded, str) else loaded
    if not isinstance(raw, Mapping):
        raise Unsupported(where, "vars that are not a mapping")
    return {str(k): _var_glob(v, base) for k, v in raw.items()}


def _var_glob(value: Any, base: Path) -> Any:
    """``file://articles/*``: one ``file://`` value per matching file (one test each)."""
    if not (isinstance(value, str) and value.startswith("file://")):
        return value
    if not any(c in value for c in "*?["):
        return value
    paths = sorted(glob.glob(str(base / value[7:])))
    return [f"file://{Path(p).relative_to(base)}" for p in paths] or value


def _expand(variables: dict[str, Any]) -> list[dict[str, Any]]:
    """promptfoo turns a var holding a list of strings into one test per combination (a list
    of objects or numbers stays one value)."""
    keys = [k for k, v in variables.items() if isinstance(v, list) and v and isinstance(v[0], str)]
    if not keys:
        return [variables]
    combos = itertools.product(*(variables[k] for k in keys))
    return [{**variables, **dict(zip(keys, combo, strict=True))} for combo in combos]


def _finish_vars(combo: dict[str, Any], base: Path, where: str) -> dict[str, Any]:
    """File vars read, one trailing newline dropped, ``{{other}}`` references resolved."""
    out = {
        k: _var_file(v, base, f"{where}: var {k}")
        if isinstance(v, str) and v.startswith("file://")
        else v
        for k, v in combo.items()
    }
    out = {k: v[:-1] if isinstance(v, str) and v.endswith("\n") else v for k, v in out.items()}
    for _ in range(5):
        changed = False
        for key, value in out.items():
            if not isinstance(value, str):
                continue
            match = _SIMPLE_VAR.search(value)
            if match and match.group(1) in out:
                out[key] = value.replace(match.group(0), js_string(out[match.group(1)]), 1)
                changed = True
        if not changed:
            break
    return out


def _check_test(test: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(test, Mapping):
        raise Unsupported(where, "a test that is not a mapping")
    for key in test:
        if key not in _TEST_KEYS:
            raise Unsupported(where, f'test field "{key}"')
    options = test.get("options") or {}
    if not isinstance(options, Mapping):
        raise Unsupported(where, "options that are not a mapping")
    for key, value in options.items():
        if key not in _OPTION_KEYS and value not in (None, ""):
            raise Unsupported(where, f"options.{key}" + _JS_HINT.get(key, ""))
    if not isinstance(test.get("assert") or [], list):
        raise Unsupported(where, "assert that is not a list")
    return test


def _merge(default: Mapping[str, Any], test: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(test)
    merged["assert"] = [*(default.get("assert") or []), *(test.get("assert") or [])]
    merged["metadata"] = {**(default.get("metadata") or {}), **(test.get("metadata") or {})}
    merged["options"] = {**(default.get("options") or {}), **(test.get("options") or {})}
    if merged.get("threshold") is None and default.get("threshold") is not None:
        merged["threshold"] = default["threshold"]
    return merged


class _Context:
    def __init__(self, path: Path, root: Mapping[str, Any], prompts: list[Prompt]) -> None:
        self.path, self.base, self.root, self.prompts = path, path.parent, root, prompts


def _test_cases(ctx: _Context, test: Mapping[str, Any], number: int, defaults: Any) -> list[Case]:
    where = f"{ctx.path}: case {number}"
    test = _merge(defaults, _check_test(test, where))
    for raw in test["assert"]:
        precheck(raw, ctx.root, where)
    variables = {**_vars(defaults.get("vars"), ctx.base, where)}
    variables.update(_vars(test.get("vars"), ctx.base, where))
    combos = _expand(variables)
    cases: list[Case] = []
    for k, combo in enumerate(combos, start=1):
        final = _finish_vars(combo, ctx.base, where)
        asserts = [convert(a, final, ctx.base, ctx.root, where) for a in test["assert"]]
        for prompt in ctx.prompts:
            case_id = f"test-{number}" + (f"-{k}" if len(combos) > 1 else "")
            if len(ctx.prompts) > 1:
                case_id = f"{prompt.label}-{case_id}"
            rendered = render_prompt(prompt, final, f"{where} (prompt {prompt.label})")
            metadata: dict[str, Any] = {**test["metadata"], "source": "promptfoo"}
            metadata.update(prompt=prompt.label, vars=final)
            if test.get("description"):
                metadata["description"] = str(test["description"])
            if any(a.type.endswith("python-script") for a in asserts):
                metadata["prompt_text"] = (
                    rendered if isinstance(rendered, str) else json.dumps(rendered)
                )
            cases.append(Case(id=case_id, input=rendered, metadata=metadata, assertions=asserts))
            cases[-1].threshold = test.get("threshold")
    return cases


def _notes(tests: list[Any], defaults: Any, data: Any) -> list[str]:
    notes: list[str] = []
    graders = {
        str(t.get("options", {}).get("provider"))
        for t in [defaults, *tests]
        if isinstance(t, Mapping) and isinstance(t.get("options"), Mapping)
        if t["options"].get("provider")
    }
    graders |= {
        str(a["provider"])
        for t in [defaults, *tests]
        if isinstance(t, Mapping) and isinstance(t.get("assert"), list)
        for a in t["assert"]
        if isinstance(a, Mapping) and a.get("provider")
    }
    if graders:
        notes.append(f"grading provider {', '.join(sorted(graders))}: swapsafe grades with --judge")
    if data.get("derivedMetrics"):
        notes.append("derivedMetrics are not computed")
    return notes


def import_promptfoo_outcome(path: str | Path, *, skip_unsupported: bool = False) -> ImportOutcome:
    """Read a promptfoo config: its cases, what was skipped (with ``skip_unsupported``), notes."""
    path = Path(path)
    data = _read_config(path)
    providers = _provider_ids(data, path)
    ctx = _Context(path, data, load_prompts(data["prompts"], path.parent, path))
    defaults = data.get("defaultTest") or {}
    if isinstance(defaults, str) and defaults.startswith("file://"):
        defaults = yaml.safe_load(_var_file(defaults, path.parent, f"{path}: defaultTest"))
    defaults = _check_test(defaults, f"{path}: defaultTest")
    tests = load_tests(data.get("tests"), path.parent, f"{path}: tests")
    outcome = ImportOutcome(notes=_notes(tests, defaults, data), providers=providers)
    for number, test in enumerate(tests, start=1):
        built = outcome.attempt(
            skip_unsupported, functools.partial(_test_cases, ctx, test, number, defaults)
        )
        outcome.cases += built or []
    if not outcome.cases and not outcome.skipped:
        raise DatasetError(f"{path}: no tests")
    check_unique_ids(outcome.cases, path)
    kinds = {a.scorer_name for c in outcome.cases for a in c.assertions}
    if "llm-judge" in kinds:
        outcome.notes.append("llm-rubric is graded by swapsafe's judge prompt (--judge MODEL)")
    if any("metric" in a.config for c in outcome.cases for a in c.assertions):
        outcome.notes.append("metric names are kept on the assertions; no per-metric totals")
    return outcome


def import_promptfoo(path: str | Path) -> list[Case]:
    """Read a promptfoo config and return its cases; anything unsupported stops the import."""
    return import_promptfoo_outcome(path).cases
