"""Python-function scorer: ``{"type": "python", "value": "mypkg.checks:is_polite"}``.

The function is called as ``fn(output, case)`` with a :class:`ModelOutput` and the
:class:`Case` (plain or ``async``) and returns one of: a bool; a number in [0, 1] (passes at
``threshold``, default 0.5); a :class:`Score`; a dict ``{"pass": bool, "score": float,
"reason": str}``; or a ``(bool, reason)`` tuple.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from swapsafe.evals.cases import Case
from swapsafe.evals.scorers.base import ModelOutput, Score, ScorerFn, scorer


def load_function(ref: str) -> Any:
    """Import ``module:function`` (dots allowed after the colon for attributes)."""
    module_name, sep, attr = ref.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f'"{ref}" is not module:function, e.g. "mypkg.checks:is_polite"')
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f'cannot import module "{module_name}": {exc}') from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f'module "{module_name}" has no function "{attr}"')
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f'"{ref}" is not callable')
    return obj


def to_score(result: Any, threshold: float) -> Score:
    """Turn what a user function returned into a :class:`Score`."""
    if isinstance(result, Score):
        return result
    if isinstance(result, bool):
        return Score(result, 1.0 if result else 0.0, "function returned " + str(result))
    if isinstance(result, int | float):
        value = float(result)
        return Score(
            value >= threshold, value, f"function scored {value:g} (pass at {threshold:g})"
        )
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], bool):
        return Score(result[0], 1.0 if result[0] else 0.0, str(result[1]))
    if isinstance(result, dict) and isinstance(result.get("pass"), bool):
        passed = bool(result["pass"])
        value = float(result.get("score", 1.0 if passed else 0.0))
        return Score(passed, value, str(result.get("reason", "")))
    raise TypeError(
        f"the function returned {type(result).__name__}; return a bool, a number, a Score, "
        'a {"pass", "score", "reason"} dict or a (bool, reason) tuple'
    )


@scorer(name="python", aliases=("python-function",))
def python(value: str, *, threshold: float = 0.5) -> ScorerFn:
    """Calls the user function ``module:function`` with (output, case)."""
    if not isinstance(value, str):
        raise ValueError('python needs "module:function" as value')
    fn = load_function(value)

    async def score(output: ModelOutput, case: Case) -> Score:
        result = fn(output, case)
        if inspect.isawaitable(result):
            result = await result
        return to_score(result, threshold)

    return score
