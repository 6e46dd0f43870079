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
from pathlib import Path
from typing import Any

import yaml

from swapsafe.evals.datasets import Assertion, DatasetError
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
    "modelgraded": {"samples_jsonl", "modelgraded_spec", "eval_type", "match_fn", "max_tokens"},
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


def _few_shot(args: Mapping[str, Any], data: Path, where: str) -> list[dict[str, Any]]:
    count = int(args.get("num_few_shot") or 0)
    if count <= 0:
        return []
    if not args.get("few_shot_jsonl"):
        raise Unsupported(where, "num_few_shot without few_shot_jsonl")
    shots: list[dict[str, Any]] = []
    for _, record in read_samples(data / str(args["few_shot_jsonl"]))[:count]:
        if not isinstance(record, Mapping) or not isinstance(record.get("sample"), list):
            raise Unsupported(where, 'a few-shot line without a "sample" message list')
        shots += [dict(m) for m in record["sample"]]
    return shots


def _modelgraded(args: Mapping[str, Any], registry: Path, where: str) -> dict[str, Any]:
    spec_name = str(args.get("modelgraded_spec"))
    spec_path = registry / "modelgraded" / f"{spec_name}.yaml"
    spec = _load_yaml(spec_path)
    if not isinstance(spec, Mapping) or "prompt" not in spec:
        raise Unsupported(where, f"model-graded spec {spec_name} without a prompt")
    extra = sorted(set(spec) - {"prompt", "choice_strings", "choice_scores", "input_outputs",
                                "eval_type", "output_template"})  # fmt: skip
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
        "match_fn": args.get("match_fn", "starts_or_endswith"),
    }


def import_registry_eval(
    spec_path: str | Path, *, name: str | None = None, skip_unsupported: bool = False
) -> ImportOutcome:
    """Read the eval ``name`` (or the only one) of a registry spec file into cases."""
    spec_path = Path(spec_path)
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
    data = registry / "data"
    config: dict[str, Any] = {}
    if kind == "includes" and args.get("ignore_case"):
        config["ignore_case"] = True
    if kind == "modelgraded":
        config = _modelgraded(args, registry, where)
    shots = _few_shot(args, data, where)
    outcome = ImportOutcome()
    if kind == "modelgraded":
        outcome.notes.append(f"{name}: graded by the --judge model (the registry: gpt-3.5-turbo)")
    samples_path = data / str(args["samples_jsonl"])
    for number, record in read_samples(samples_path):
        here = f"{samples_path}: case {number}"
        assertion = Assertion(type=kind, config=dict(config))
        build = functools.partial(sample_case, record, number, here, assertion, shots, prefix=name)
        case = outcome.attempt(skip_unsupported, build)
        if case is not None:
            outcome.cases.append(case)
    return outcome
