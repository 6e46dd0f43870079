"""Import an OpenAI evals registry samples file (JSONL) into swapsafe cases.

Each line is ``{"input": [chat messages] | "text", "ideal": "answer" | ["a", "b"]}``; a text
input is sent as one system message, as the registry sends it to chat models. The eval
class decides the scoring (an eval's YAML spec is read by :mod:`openai_registry`), with the
semantics of the OpenAI evals basic evals:

- ``match`` (``Match``): the output, unstripped, starts with one of the ideal answers;
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
from swapsafe.evals.importers.outcome import Unsupported

EVAL_CLASSES = ("match", "includes", "fuzzy-match")
_ALLOWED = {"input", "ideal", "id", "metadata"}


def _messages(value: Any, where: str) -> list[dict[str, Any]]:
    """The chat messages a sample's ``input`` is sent as to a chat model.

    A text input becomes one *system* message, as the registry sends it: its chat completion
    functions wrap a text prompt in ``ChatCompletionPrompt``, whose ``to_formatted_prompt`` returns
    ``text_prompt_to_chat_prompt(prompt)`` with ``role="system"`` (openai/evals
    ``evals/prompt/base.py`` lines 59-63 and 112-122, ``evals/completion_fns/openai.py`` line 162,
    in evals 3.0.1.post1). With a system message in the case, the workload's system prompt is not
    added, so the model sees exactly that one message.
    """
    if isinstance(value, str) and value.strip():
        return [{"role": "system", "content": value}]
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


def read_samples(path: Path) -> list[tuple[int, Any]]:
    """The numbered JSON lines of a samples file (a UTF-8 BOM is tolerated)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: not a UTF-8 text file") from None
    if text.startswith("version https://git-lfs"):
        raise DatasetError(f"{path}: a Git LFS pointer; run git lfs pull to fetch the samples")
    records: list[tuple[int, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        where = f"{path}: case {len(records) + 1}"
        try:
            records.append((len(records) + 1, orjson.loads(line)))
        except orjson.JSONDecodeError as exc:
            raise DatasetError(f"{where}: not valid JSON ({exc})") from None
    if not records:
        raise DatasetError(f"{path}: no samples (expected one JSON object per line)")
    return records


def sample_case(
    record: Any,
    number: int,
    where: str,
    assertion: Assertion,
    shots: list[dict[str, Any]] | None = None,
    *,
    prefix: str,
) -> Case:
    """One registry sample as a case; few-shot messages go before the last input message,
    as the registry's Match puts them."""
    if not isinstance(record, Mapping):
        raise DatasetError(f'{where}: expected an object with "input" and "ideal"')
    if "input" not in record:
        if "sample" in record:
            raise DatasetError(
                f'{where}: a few-shot line ("sample"), not a sample; import the eval by its '
                "spec (--spec or --registry) to use it as few-shot context"
            )
        raise DatasetError(f'{where}: "input" is missing')
    messages = _messages(record["input"], where)
    if shots:
        if isinstance(record["input"], str):
            raise Unsupported(where, "few-shot with a text input (the registry needs chat)")
        messages = [*messages[:-1], *shots, *messages[-1:]]
    extra = sorted(set(record) - _ALLOWED)
    metadata: dict[str, Any] = {"source": f"openai-evals:{assertion.type}"}
    if extra:
        metadata["extra"] = {k: record[k] for k in extra}
    return Case(
        id=str(record.get("id") or f"{prefix}-{number}"),
        input=messages,
        ideal=None
        if assertion.type == "modelgraded" and "ideal" not in record
        else _ideal(record.get("ideal"), where),
        metadata=metadata,
        assertions=[assertion],
    )


def import_openai_evals(path: str | Path, eval_class: str = "match") -> list[Case]:
    """Read an OpenAI evals samples JSONL file; every case gets the ``eval_class`` assertion."""
    path = Path(path)
    if eval_class not in EVAL_CLASSES:
        raise DatasetError(
            f'unknown eval class "{eval_class}"; use one of {", ".join(EVAL_CLASSES)}'
        )
    return [
        sample_case(record, number, f"{path}: case {number}", Assertion(type=eval_class),
                    prefix=path.stem)
        for number, record in read_samples(path)
    ]  # fmt: skip
