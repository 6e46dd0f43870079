"""Tool-call scorer: the model called the expected tools with equal arguments.

``{"type": "tool-call", "value": [{"name": "get_weather", "arguments": {"city": "Paris"}}],
"order_insensitive": true}``. Arguments are compared after JSON normalisation (a JSON string
and the equal object match; key order and whitespace never matter). Without a value, the
expected calls come from the case's ``metadata.tool_calls``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from swapsafe.evals.cases import Case
from swapsafe.evals.scorers.base import ModelOutput, Score, ScorerFn, scorer


def normalize_arguments(arguments: Any) -> Any:
    """Arguments as plain JSON data (a JSON text is decoded; undecodable text stays text)."""
    if isinstance(arguments, str):
        try:
            return json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            return arguments
    return arguments if arguments is not None else {}


def _key(call: dict[str, Any], with_arguments: bool) -> bytes:
    data: dict[str, Any] = {"name": call.get("name")}
    if with_arguments:
        data["arguments"] = normalize_arguments(call.get("arguments"))
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def _calls(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(c, dict) and isinstance(c.get("name"), str) for c in value
    ):
        raise ValueError('tool-call needs a list of {"name": ..., "arguments": {...}} as value')
    return value


def _names(calls: list[dict[str, Any]]) -> str:
    return ", ".join(str(c.get("name")) for c in calls) or "no tool"


@scorer(name="tool-call", aliases=("tool-calls", "tool-call-match"))
def tool_call(
    value: Any = None, *, order_insensitive: bool = False, check_arguments: bool = True
) -> ScorerFn:
    """Same tool names (and arguments) as expected; ``order_insensitive`` ignores call order."""
    fixed = _calls(value) if value is not None else None

    async def score(output: ModelOutput, case: Case) -> Score:
        expected = fixed if fixed is not None else case.metadata.get("tool_calls")
        if not isinstance(expected, list):
            return Score(False, 0.0, "no expected tool calls: give a value")
        want = [_key(c, check_arguments) for c in expected]
        got = [_key(c, check_arguments) for c in output.tool_calls]
        if order_insensitive:
            want, got = sorted(want), sorted(got)
        if want == got:
            return Score(True, 1.0, f"called {_names(expected)} as expected")
        if [_key(c, False) for c in output.tool_calls] == [_key(c, False) for c in expected]:
            return Score(False, 0.5, f"called {_names(expected)} with other arguments")
        matched = len(set(want) & set(got))
        value_ = matched / max(len(want), len(got), 1)
        return Score(
            False, value_, f"called {_names(output.tool_calls)}; expected {_names(expected)}"
        )

    return score
