"""Numeric scorers: a number in the output within a tolerance, and cost / latency thresholds."""

from __future__ import annotations

import math
import re
from typing import Any

from swapsafe.evals.cases import Case
from swapsafe.evals.scorers.base import ModelOutput, Score, ScorerFn, reference_of, scorer

_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?")


def parse_number(text: str) -> float | None:
    """The whole text as a number, else the first number in it (``1,234.5`` works)."""
    stripped = text.strip().rstrip(".")
    try:
        return float(stripped.replace(",", ""))
    except ValueError:
        pass
    for m in _NUMBER.finditer(text):
        token = m.group(0)
        if any(ch.isdigit() for ch in token):
            try:
                return float(token.replace(",", ""))
            except ValueError:
                continue
    return None


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{what} must be a number")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if math.isnan(number):
        raise ValueError(f"{what} must be a number")
    return number


@scorer(name="numeric", needs=("reference",), aliases=("number",))
def numeric(value: Any = None, *, tolerance: float = 0.0, relative: bool = False) -> ScorerFn:
    """The number in the output is within ``tolerance`` of the value (``relative``: a fraction)."""
    if _number(tolerance, "tolerance") < 0:
        raise ValueError("tolerance must be >= 0")
    fixed = _number(value, "value") if value is not None else None

    async def score(output: ModelOutput, case: Case) -> Score:
        if fixed is not None:
            target = fixed
        else:
            refs = reference_of(None, case)
            if not refs:
                return Score(False, 0.0, "no reference number: give a value or an ideal answer")
            parsed = parse_number(refs[0])
            if parsed is None:
                return Score(False, 0.0, f"the ideal answer {refs[0]!r} is not a number")
            target = parsed
        got = parse_number(output.text)
        if got is None:
            return Score(False, 0.0, "no number in the output")
        allowed = tolerance * abs(target) if relative else tolerance
        error = abs(got - target)
        if error <= allowed + 1e-12:
            return Score(True, 1.0, f"{got:g} is within {allowed:g} of {target:g}")
        return Score(False, 0.0, f"{got:g} is {error:g} away from {target:g} (allowed {allowed:g})")

    return score


@scorer(name="cost")
def cost(threshold: float, value: Any = None) -> ScorerFn:
    """The call cost at most ``threshold`` USD."""
    limit = _number(threshold, "threshold")

    async def score(output: ModelOutput, case: Case) -> Score:
        if output.cost_usd is None:
            return Score(False, 0.0, "cost unknown (no price for this model)")
        ok = output.cost_usd <= limit
        return Score(ok, 1.0 if ok else 0.0, f"cost ${output.cost_usd:.6f} vs limit ${limit:g}")

    return score


@scorer(name="latency")
def latency(threshold: float, value: Any = None) -> ScorerFn:
    """The call took at most ``threshold`` milliseconds."""
    limit = _number(threshold, "threshold")

    async def score(output: ModelOutput, case: Case) -> Score:
        if output.latency_ms is None:
            return Score(False, 0.0, "latency unknown")
        ok = output.latency_ms <= limit
        return Score(
            ok, 1.0 if ok else 0.0, f"latency {output.latency_ms:.0f} ms vs limit {limit:g} ms"
        )

    return score
