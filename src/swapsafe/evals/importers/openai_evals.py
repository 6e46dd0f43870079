"""Import an OpenAI evals registry samples file (JSONL) into swapsafe cases.

Each line is ``{"input": [chat messages] | "text", "ideal": "answer" | ["a", "b"]}``. The eval
class decides the scoring, with the semantics of the OpenAI evals basic evals:

- ``match`` (``Match``): the output starts with one of the ideal answers;
- ``includes`` (``Includes``): an ideal answer appears in the output;
- ``fuzzy-match`` (``FuzzyMatch``): after normalising (lower case, no punctuation or articles),
  the output and an ideal answer contain one another.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from swapsafe.evals.cases import Assertion, Case, DatasetError

EVAL_CLASSES = ("match", "includes", "fuzzy-match")
_ALLOWED = {"input", "ideal", "id", "metadata"}


def _messages(value: Any, where: str) -> str | list[dict[str, Any]]:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list) and value:
        for i, m in enumerate(value, start=1):
            if (
                not isinstance(m, Mapping)
                or not isinstance(m.get("role"), str)
                or "content" not in m
            ):
                raise DatasetError(f'{where}: input message {i} needs "role" and "content"')
        return [dict(m) for m in value]
    raise DatasetError(f'{where}: "input" must be a list of chat messages or a string')


def _ideal(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    if value is None:
        raise DatasetError(f'{where}: "ideal" is missing')
    raise DatasetError(f'{where}: "ideal" must be a string or a list of strings')


def import_openai_evals(path: str | Path, eval_class: str = "match") -> list[Case]:
    """Read an OpenAI evals samples JSONL file; every case gets the ``eval_class`` assertion."""
    path = Path(path)
    if eval_class not in EVAL_CLASSES:
        raise DatasetError(
            f'unknown eval class "{eval_class}"; use one of {", ".join(EVAL_CLASSES)}'
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: not a UTF-8 text file") from None
    cases: list[Case] = []
    number = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        number += 1
        where = f"{path}: case {number}"
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise DatasetError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(record, Mapping):
            raise DatasetError(f'{where}: expected an object with "input" and "ideal"')
        if "input" not in record:
            raise DatasetError(f'{where}: "input" is missing')
        extra = sorted(set(record) - _ALLOWED)
        metadata: dict[str, Any] = {"source": f"openai-evals:{eval_class}"}
        if extra:
            metadata["extra"] = {k: record[k] for k in extra}
        cases.append(
            Case(
                id=str(record.get("id") or f"{path.stem}-{number}"),
                input=_messages(record["input"], where),
                ideal=_ideal(record.get("ideal"), where),
                metadata=metadata,
                assertions=[Assertion(type=eval_class)],
            )
        )
    if not cases:
        raise DatasetError(f"{path}: no samples (expected one JSON object per line)")
    return cases
