"""Golden sets: cases read from JSONL, YAML or CSV files, rendered into chat requests.

A case (one JSONL line, one YAML list item, one CSV row)::

    {"id": "support-001",
     "input": "I was charged twice"            # or chat messages [{"role": ..., "content": ...}]
     "tools": [...],                             # optional OpenAI tool definitions
     "ideal": "[billing]",                       # optional; a string or a list ("expected" too)
     "vars": {"name": "Ada"},                    # optional; fills {{name}} in the input
     "metadata": {...},                          # optional, kept as is
     "assert": [{"type": "contains", "value": "[billing]"}],   # optional per-case assertions
     "threshold": 0.7}                           # optional; see below

A case passes when every assertion passes; with a ``threshold`` it passes when the weighted
mean of its assertion values (each assertion's ``weight``, default 1) reaches it instead.

A case without assertions but with an ideal answer is scored with ``includes`` (the ideal text
appears in the output, case-insensitive). A golden set belongs to a workload: the workload's
system prompt is put in front of the case's messages unless the case brings its own.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
import yaml

from swapsafe.evals.cases import Assertion, Case, DatasetError, check_unique_ids, render_template
from swapsafe.evals.importers.promptfoo import import_promptfoo

_KNOWN = {"id", "input", "tools", "ideal", "expected", "vars", "metadata", "assert", "threshold"}


# --- parsing ----------------------------------------------------------------------------------


def _ideal(value: Any, where: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise DatasetError(f'{where}: "ideal" must be a string or a list of strings')


def _messages(value: Any, where: str) -> str | list[dict[str, Any]]:
    if isinstance(value, str):
        if not value.strip():
            raise DatasetError(f'{where}: "input" is empty')
        return value
    if isinstance(value, list) and value:
        for i, m in enumerate(value):
            if not isinstance(m, Mapping) or not isinstance(m.get("role"), str):
                raise DatasetError(
                    f'{where}: input message {i + 1} needs a "role" and "content", '
                    'e.g. {"role": "user", "content": "Hi"}'
                )
        return [dict(m) for m in value]
    raise DatasetError(f'{where}: "input" must be a string or a non-empty list of chat messages')


def case_from_json(data: Any, number: int, where: str) -> Case:
    """Build a case from a decoded record; ``where`` is e.g. ``"golden.jsonl: case 3"``."""
    if not isinstance(data, Mapping):
        raise DatasetError(f'{where}: a case must be an object with an "input" field')
    if "input" not in data:
        raise DatasetError(f'{where}: "input" is missing')
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise DatasetError(
            f"{where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(_KNOWN))})"
        )
    ideal = _ideal(data.get("ideal", data.get("expected")), where)
    tools = data.get("tools")
    if tools is not None and not (
        isinstance(tools, list) and all(isinstance(t, dict) for t in tools)
    ):
        raise DatasetError(f'{where}: "tools" must be a list of tool definitions')
    for key in ("vars", "metadata"):
        if data.get(key) is not None and not isinstance(data[key], Mapping):
            raise DatasetError(f'{where}: "{key}" must be an object')
    raw_asserts = data.get("assert") or []
    if not isinstance(raw_asserts, list):
        raise DatasetError(f'{where}: "assert" must be a list')
    threshold = data.get("threshold")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, int | float)
    ):
        raise DatasetError(f'{where}: "threshold" must be a number')
    case_id = data.get("id")
    return Case(
        id=str(case_id) if case_id not in (None, "") else f"case-{number}",
        input=_messages(data["input"], where),
        ideal=ideal,
        tools=tools,
        vars=dict(data.get("vars") or {}),
        metadata=dict(data.get("metadata") or {}),
        assertions=[Assertion.from_json(a, where) for a in raw_asserts],
        threshold=threshold,
    )


def _iter_jsonl(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    number = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        number += 1
        try:
            yield number, orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise DatasetError(f"{path}: case {number}: not valid JSON ({exc})") from None


def _iter_csv(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "input" not in reader.fieldnames:
        raise DatasetError(f'{path}: the CSV header needs an "input" column')
    for number, row in enumerate(reader, start=1):
        record: dict[str, Any] = {"vars": {}, "metadata": {}}
        for key, value in row.items():
            if key is None or value in (None, ""):
                continue
            if key.startswith("vars."):
                record["vars"][key[5:]] = value
            elif key.startswith("metadata."):
                record["metadata"][key[9:]] = value
            elif key == "assert":
                try:
                    record["assert"] = orjson.loads(value)
                except orjson.JSONDecodeError:
                    raise DatasetError(
                        f"{path}: case {number}: the assert column must hold a JSON list"
                    ) from None
            else:
                record[key] = value
        yield number, record


def load_cases(path: str | Path) -> list[Case]:
    """Read a golden set (``.jsonl``, ``.yaml``/``.yml``, ``.csv``, or a promptfoo config)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a leading BOM is not part of case 1
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the golden set ({exc.strerror})") from None
    suffix = path.suffix.lower()
    records: Iterable[tuple[int, Any]]
    if suffix in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DatasetError(f"{path}: not valid YAML ({exc})") from None
        if isinstance(data, Mapping) and ("tests" in data or "prompts" in data):
            return import_promptfoo(path)
        if isinstance(data, Mapping) and "cases" in data:
            data = data["cases"]
        if not isinstance(data, list):
            raise DatasetError(f"{path}: expected a list of cases (or a mapping with 'cases')")
        records = enumerate(data, start=1)
    elif suffix == ".csv":
        records = _iter_csv(path, text)
    else:
        records = _iter_jsonl(path, text)
    cases = [case_from_json(rec, n, f"{path}: case {n}") for n, rec in records]
    check_unique_ids(cases, path)
    return cases


# --- writing ----------------------------------------------------------------------------------


def dump_jsonl(cases: Iterable[Case]) -> bytes:
    return b"".join(orjson.dumps(c.to_json()) + b"\n" for c in cases)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temp file next to ``path`` and rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_cases(path: Path, cases: Iterable[Case]) -> None:
    """Write cases as swapsafe golden JSONL, atomically (never half a file)."""
    write_atomic(path, dump_jsonl(cases))


def append_cases(path: Path, cases: list[Case]) -> None:
    """Append cases to a golden file (rewritten atomically with the old content first)."""
    old = path.read_bytes() if path.exists() else b""
    if old and not old.endswith(b"\n"):
        old += b"\n"
    write_atomic(path, old + dump_jsonl(cases))


# --- rendering --------------------------------------------------------------------------------


def _render_content(content: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(content, str):
        return render_template(content, variables)
    if isinstance(content, list):
        return [
            {**p, "text": render_template(p["text"], variables)}
            if isinstance(p, dict) and isinstance(p.get("text"), str)
            else p
            for p in content
        ]
    return content


def render_messages(case: Case, system_prompt: str | None = None) -> list[dict[str, Any]]:
    """The case as OpenAI chat messages, with the workload's system prompt in front."""
    if isinstance(case.input, str):
        messages: list[dict[str, Any]] = [{"role": "user", "content": case.input}]
    else:
        messages = [dict(m) for m in case.input]
    has_system = any(m.get("role") in ("system", "developer") for m in messages)
    if system_prompt and not has_system:
        messages.insert(0, {"role": "system", "content": system_prompt})
    if case.vars or any("{{" in str(m.get("content")) for m in messages):
        for m in messages:
            if "content" in m:
                m["content"] = _render_content(m["content"], case.vars)
    return messages


def build_request(
    case: Case, *, model: str, system_prompt: str | None = None, temperature: float = 0.0
) -> dict[str, Any]:
    """An OpenAI chat-completions request for ``case`` (deterministic: temperature 0)."""
    body: dict[str, Any] = {
        "model": model,
        "messages": render_messages(case, system_prompt),
        "temperature": temperature,
    }
    if case.tools:
        body["tools"] = case.tools
    return body
