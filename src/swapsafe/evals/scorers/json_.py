"""JSON scorers: ``is-json`` (the whole output), ``contains-json`` (JSON somewhere in the output,
e.g. in a code fence) and ``json-schema``; each validates against a JSON schema when given one.
Schemas are checked with the ``jsonschema`` package.
"""

from __future__ import annotations

import json
from typing import Any

from swapsafe.evals.cases import Case
from swapsafe.evals.scorers.base import ModelOutput, Score, ScorerFn, scorer

_MAX_STARTS = 200


def _validator(schema: Any) -> Any:
    if schema is None:
        return None
    if not isinstance(schema, dict):
        raise ValueError("the JSON schema must be an object")
    try:
        # optional dependency: JSON Schema validation only when a case asks for it
        import jsonschema  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - jsonschema is a dependency
        raise ValueError(
            "JSON schema checks need the jsonschema package: pip install jsonschema"
        ) from None
    try:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ValueError(f"invalid JSON schema: {exc.message}") from None
    return cls(schema)


def _check(validator: Any, data: Any) -> str | None:
    """None when valid, else the first error as one line."""
    if validator is None:
        return None
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    err = errors[0]
    where = "/".join(str(p) for p in err.absolute_path) or "(root)"
    return f"schema: {where}: {err.message}"


def find_json(text: str) -> list[Any]:
    """Every JSON object or array embedded in ``text``, outermost first."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    i, starts = 0, 0
    while i < len(text) and starts < _MAX_STARTS:
        j = min((k for k in (text.find("{", i), text.find("[", i)) if k >= 0), default=-1)
        if j < 0:
            break
        starts += 1
        try:
            value, end = decoder.raw_decode(text, j)
        except json.JSONDecodeError:
            i = j + 1
            continue
        found.append(value)
        i = end
    return found


@scorer(name="is-json")
def is_json(value: Any = None) -> ScorerFn:
    """The whole output is JSON (valid against the schema in ``value``, if given)."""
    validator = _validator(value)

    async def score(output: ModelOutput, case: Case) -> Score:
        try:
            data = json.loads(output.text)
        except ValueError as exc:
            return Score(False, 0.0, f"not JSON: {exc}")
        problem = _check(validator, data)
        if problem:
            return Score(False, 0.0, problem)
        return Score(True, 1.0, "valid JSON" + (" matching the schema" if validator else ""))

    return score


@scorer(name="contains-json")
def contains_json(value: Any = None) -> ScorerFn:
    """The output contains JSON (one value valid against the schema in ``value``, if given)."""
    validator = _validator(value)

    async def score(output: ModelOutput, case: Case) -> Score:
        found = find_json(output.text)
        if not found:
            return Score(False, 0.0, "no JSON object or array in the output")
        problems = [_check(validator, data) for data in found]
        if any(p is None for p in problems):
            return Score(True, 1.0, "contains JSON" + (" matching the schema" if validator else ""))
        return Score(False, 0.0, str(problems[0]))

    return score


@scorer(name="json-schema")
def json_schema(value: Any) -> ScorerFn:
    """The output (or, failing that, JSON inside it) is valid against the schema in ``value``."""
    if value is None:
        raise ValueError("json-schema needs the schema as value")
    validator = _validator(value)

    async def score(output: ModelOutput, case: Case) -> Score:
        try:
            candidates = [json.loads(output.text)]
        except ValueError:
            candidates = find_json(output.text)
        if not candidates:
            return Score(False, 0.0, "not JSON")
        problems = [_check(validator, c) for c in candidates]
        if any(p is None for p in problems):
            return Score(True, 1.0, "matches the schema")
        return Score(False, 0.0, str(problems[0]))

    return score
