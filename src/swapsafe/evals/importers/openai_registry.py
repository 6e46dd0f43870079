"""Import an OpenAI evals registry eval by its YAML spec, with the registry's meaning.

``evals/registry/evals/x.yaml`` names an eval (``x: {id: x.dev.v0}``) and its class and args
(``x.dev.v0: {class: evals.elsuite.basic.match:Match, args: {samples_jsonl: x/samples.jsonl}}``);
sample paths are relative to ``evals/registry/data``. Classes, as the registry runs them:

- ``Match`` (args ``num_few_shot``, ``few_shot_jsonl``): the few-shot ``sample`` messages go
  between the sample's messages and its last message; ``match`` scores it;
- ``Includes`` (``ignore_case``) and ``FuzzyMatch``: ``includes`` / ``fuzzy-match``;
- ``ModelBasedClassify`` (``modelgraded_spec``, ``eval_type``, ``match_fn``): the
  ``modelgraded`` scorer with the spec's grading prompt and ``choice_scores``; a spec without
  choice scores has no pass/fail and is refused, as are multi-completion and meta evals.

Any other class or arg is refused by name (:class:`Unsupported`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from swapsafe.evals.cases import Assertion, DatasetError
from swapsafe.evals.importers.openai_evals import read_samples, sample_case
from swapsafe.evals.importers.outcome import ImportOutcome, Unsupported

CLASSES = {
    "evals.elsuite.basic.match:Match": "match",
    "evals.elsuite.basic.includes:Includes": "includes",
    "evals.elsuite.basic.fuzzy_match:FuzzyMatch": "fuzzy-match",
    "evals.elsuite.modelgraded.classify:ModelBasedClassify": "modelgraded",
}
_ARGS = {
    "match": {"samples_jsonl", "max_tokens", "num_few_shot", "few_shot_jsonl"},
    "includes": {"samples_jsonl", "ignore_case"},
    "fuzzy-match": {"samples_jsonl", "max_tokens"},
    "modelgraded": {
        "samples_jsonl",
        "modelgraded_spec",
        "modelgraded_spec_args",
        "eval_type",
        "match_fn",
        "max_tokens",
    },
}


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path}: not valid YAML ({exc})") from None


def find_spec(name: str, registry: Path) -> Path:
    """The YAML file under ``registry/evals`` that defines eval ``name``."""
    folder = registry / "evals"
    if not folder.is_dir():
        raise DatasetError(f"{registry}: no evals/ folder (pass the registry directory)")
    for path in sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]):
        data = _load_yaml(path)
        if isinstance(data, Mapping) and name in data:
            return path
    raise DatasetError(f'{registry}: no eval named "{name}" in {folder}')


def _resolve(
    spec: Mapping[str, Any], name: str | None, path: Path
) -> tuple[str, Mapping[str, Any]]:
    if name is None:
        roots = [k for k, v in spec.items() if isinstance(v, Mapping) and "id" in v]
        if len(roots) != 1:
            raise DatasetError(f"{path}: {len(roots)} evals defined here; name one with --eval")
        name = roots[0]
    if name not in spec:
        raise DatasetError(f'{path}: no eval named "{name}"')
    entry, seen = spec[name], {name}
    while isinstance(entry, Mapping) and "class" not in entry and "id" in entry:
        target = str(entry["id"])
        if target in seen or target not in spec:
            raise DatasetError(f'{path}: eval "{name}" points to "{target}", which is not here')
        seen.add(target)
        name, entry = target, spec[target]
    if not isinstance(entry, Mapping) or "class" not in entry:
        raise DatasetError(f'{path}: eval "{name}" has no class')
    return name, entry


def _grading_spec(name: str, registry: Path, where: str) -> Mapping[str, Any]:
    """The model-graded spec ``name``: ``modelgraded/<name>.yaml``, or a file keyed by it."""
    folder = registry / "modelgraded"
    for path in [folder / f"{name}.yaml", *sorted(folder.glob("*.yaml"))]:
        if not path.is_file():
            continue
        data = _load_yaml(path)
        if isinstance(data, Mapping) and path.stem == name and "prompt" in data:
            return data
        if isinstance(data, Mapping) and isinstance(data.get(name), Mapping):
            return data[name]  # type: ignore[no-any-return]
    raise Unsupported(where, f"model-graded spec {name} (not found in {folder})")


def _spec_args(spec: Mapping[str, Any], override: Any, where: str) -> dict[str, Any]:
    """The grading prompt's extra fields: one value per key (several would be several metrics)."""
    raw = override if override is not None else spec.get("args") or {}
    fields: dict[str, Any] = {}
    for key, value in dict(raw).items():
        if isinstance(value, Mapping):
            if len(value) != 1:
                raise Unsupported(where, f"model-graded {key} with {len(value)} variants")
            value = next(iter(value.values()))
        fields[str(key)] = value
    return fields


def _modelgraded(args: Mapping[str, Any], registry: Path, where: str) -> dict[str, Any]:
    spec_name = str(args.get("modelgraded_spec"))
    spec = _grading_spec(spec_name, registry, where)
    known = {"prompt", "choice_strings", "choice_scores", "input_outputs", "eval_type", "args"}
    extra = sorted(set(spec) - known)
    if extra:
        raise Unsupported(where, f'model-graded spec {spec_name} field "{extra[0]}"')
    if not spec.get("choice_scores"):
        raise Unsupported(where, f"model-graded spec {spec_name} without choice_scores")
    if dict(spec.get("input_outputs") or {"input": "completion"}) != {"input": "completion"}:
        raise Unsupported(where, f"model-graded spec {spec_name} input_outputs")
    return {
        "prompt": spec["prompt"],
        "choice_strings": spec.get("choice_strings"),
        "choice_scores": spec["choice_scores"],
        "eval_type": args.get("eval_type") or spec.get("eval_type"),
        "append_answer_prompt": bool(args.get("eval_type")),
        "match_fn": args.get("match_fn", "starts_or_endswith"),
        "fields": _spec_args(spec, args.get("modelgraded_spec_args"), where),
    }


@dataclass
class RegistryEval:
    """What a registry eval means once its spec is read: the scorer and the sample files."""

    name: str
    kind: str
    config: dict[str, Any]
    samples: Path
    few_shot: Path | None
    num_few_shot: int


def plan_registry_eval(spec_path: Path, name: str | None = None) -> RegistryEval:
    """Read eval ``name`` (or the only one) of a spec file; Unsupported names what is not run."""
    spec = _load_yaml(spec_path)
    if not isinstance(spec, Mapping):
        raise DatasetError(f"{spec_path}: not an OpenAI evals spec (a mapping of eval names)")
    name, entry = _resolve(spec, name, spec_path)
    registry = spec_path.resolve().parent.parent
    where = f"{spec_path}: eval {name}"
    kind = CLASSES.get(str(entry["class"]))
    if kind is None:
        raise Unsupported(where, f"eval class {entry['class']}")
    args = dict(entry.get("args") or {})
    for key in sorted(args):
        if key not in _ARGS[kind]:
            raise Unsupported(where, f"{entry['class'].rsplit(':', 1)[1]} arg {key}")
    if "samples_jsonl" not in args:
        raise DatasetError(f"{where}: args.samples_jsonl is missing")
    config: dict[str, Any] = {}
    if kind == "includes" and args.get("ignore_case"):
        config["ignore_case"] = True
    if kind == "modelgraded":
        config = _modelgraded(args, registry, where)
    count = int(args.get("num_few_shot") or 0)
    if count > 0 and not args.get("few_shot_jsonl"):
        raise Unsupported(where, "num_few_shot without few_shot_jsonl")
    data = registry / "data"
    shots = data / str(args["few_shot_jsonl"]) if count > 0 else None
    return RegistryEval(name, kind, config, data / str(args["samples_jsonl"]), shots, count)


def _few_shot(plan: RegistryEval, where: str) -> list[dict[str, Any]]:
    if plan.few_shot is None:
        return []
    shots: list[dict[str, Any]] = []
    for _, record in read_samples(plan.few_shot)[: plan.num_few_shot]:
        if not isinstance(record, Mapping) or not isinstance(record.get("sample"), list):
            raise Unsupported(where, 'a few-shot line without a "sample" message list')
        shots += [dict(m) for m in record["sample"]]
    return shots


def import_registry_eval(
    spec_path: str | Path, *, name: str | None = None, skip_unsupported: bool = False
) -> ImportOutcome:
    """Read the eval ``name`` (or the only one) of a registry spec file into cases."""
    plan = plan_registry_eval(Path(spec_path), name)
    shots = _few_shot(plan, f"{spec_path}: eval {plan.name}")
    outcome = ImportOutcome()
    if plan.kind == "modelgraded":
        outcome.notes.append(
            f"{plan.name}: graded by the --judge model (the registry: gpt-3.5-turbo)"
        )
    for number, record in read_samples(plan.samples):
        here = f"{plan.samples}: case {number}"
        assertion = Assertion(type=plan.kind, config=dict(plan.config))
        build = functools.partial(
            sample_case, record, number, here, assertion, shots, prefix=plan.name
        )
        case = outcome.attempt(skip_unsupported, build)
        if case is not None:
            outcome.cases.append(case)
    return outcome
