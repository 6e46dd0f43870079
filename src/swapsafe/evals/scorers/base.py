"""The scorer seam: decorated factories returning an async ``(output, case) -> Score`` callable.

A scorer family module registers factories::

    @scorer(name="contains", needs=())
    def contains(value: str | list[str], *, mode: str = "any", ignore_case: bool = False) -> Scorer:
        async def score(output: ModelOutput, case: Case) -> Score:
            ...
        return score

An assertion ``{"type": "contains", "value": "x", "ignore_case": true}`` calls the factory with
``value`` and the other keys as keyword arguments. ``needs`` names what the scorer requires:
``"reference"`` (the assertion's value, else the case's ideal answers: :func:`reference_of`),
``"judge"`` (a judge model, passed as ``judge=``). ``not-<name>`` inverts any scorer.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from swapsafe.evals.cases import Assertion, Case, DatasetError

Needs = tuple[str, ...]
_NEEDS = {"reference", "judge"}


@dataclass
class ModelOutput:
    """What one model answered for one case (``error`` set when the call failed)."""

    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{"name", "arguments"}]
    latency_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    error: str | None = None


@dataclass
class Score:
    passed: bool
    value: float
    reason: str
    details: dict[str, Any] | None = None


class Scorer(Protocol):
    async def __call__(self, output: ModelOutput, case: Case) -> Score: ...


ScorerFn = Callable[[ModelOutput, Case], Awaitable[Score]]
Factory = Callable[..., ScorerFn]


@dataclass(frozen=True)
class ScorerInfo:
    name: str
    needs: Needs
    factory: Factory
    doc: str


#: the built-in scorer families: they register through :func:`scorer` like a plugin does
#: (this registry never imports its implementations; they import it)
BUILTIN_MODULES = tuple(
    f"swapsafe.evals.scorers.{name}"
    for name in (
        "json_", "judge", "modelgraded", "numeric", "python_fn", "python_script", "similarity",
        "text", "tools",
    )
)  # fmt: skip


_REGISTRY: dict[str, ScorerInfo] = {}
_ALIASES: dict[str, str] = {}


def scorer(
    *, name: str, needs: Needs = (), aliases: tuple[str, ...] = ()
) -> Callable[[Factory], Factory]:
    """Register a scorer factory under ``name`` (and ``aliases``)."""
    unknown = set(needs) - _NEEDS
    if unknown:
        raise ValueError(f"unknown needs {sorted(unknown)}; use {sorted(_NEEDS)}")

    def register(factory: Factory) -> Factory:
        _REGISTRY[name] = ScorerInfo(name, tuple(needs), factory, inspect.getdoc(factory) or "")
        for alias in aliases:
            _ALIASES[alias] = name
        return factory

    return register


def _load_builtins() -> None:
    for module in BUILTIN_MODULES:
        importlib.import_module(module)


def registry() -> dict[str, ScorerInfo]:
    """Every registered scorer by name (built-ins loaded on first use)."""
    _load_builtins()
    return dict(_REGISTRY)


def lookup(name: str) -> ScorerInfo | None:
    _load_builtins()
    return _REGISTRY.get(_ALIASES.get(name, name))


def supported_types() -> list[str]:
    _load_builtins()
    return sorted({*_REGISTRY, *_ALIASES})


@dataclass
class Resources:
    """What scorers may need beyond the assertion: a judge callable."""

    judge: Any = None


def _invert(fn: ScorerFn) -> ScorerFn:
    async def inverted(output: ModelOutput, case: Case) -> Score:
        s = await fn(output, case)
        return Score(not s.passed, 1.0 - s.value, f"not: {s.reason}", s.details)

    return inverted


def reference_of(value: Any, case: Case) -> list[str] | None:
    """The reference answers: the assertion's value, else the case's ideal answers."""
    if value is None:
        return case.ideal or None
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def build(assertion: Assertion, resources: Resources | None = None, where: str = "") -> ScorerFn:
    """The scorer for one assertion; a DatasetError names an unknown type or bad option."""
    info = lookup(assertion.scorer_name)
    prefix = f"{where}: " if where else ""
    if info is None:
        raise DatasetError(
            f'{prefix}unsupported assertion type "{assertion.type}" '
            f"(supported: {', '.join(supported_types())}; prefix not- to invert)"
        )
    kwargs: dict[str, Any] = dict(assertion.config)
    kwargs.pop("weight", None)
    kwargs.pop("metric", None)
    if assertion.value is not None:
        kwargs["value"] = assertion.value
    if "judge" in info.needs:
        if resources is None or resources.judge is None:
            raise DatasetError(
                f'{prefix}assertion "{assertion.type}" needs a judge model; pass --judge MODEL'
            )
        kwargs["judge"] = resources.judge
    signature = inspect.signature(info.factory)
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    if not accepts_any:
        bad = sorted(set(kwargs) - set(signature.parameters))
        if bad:
            raise DatasetError(f'{prefix}assertion "{assertion.type}": unknown option {bad[0]!r}')
    try:
        fn = info.factory(**kwargs)
    except (TypeError, ValueError) as exc:
        raise DatasetError(f'{prefix}assertion "{assertion.type}": {exc}') from None
    return _invert(fn) if assertion.negate else fn


def default_assertions(case: Case) -> list[Assertion]:
    """A case's assertions; with none given, ``includes`` its ideal answer (if any)."""
    if case.assertions:
        return case.assertions
    if case.ideal:
        return [Assertion(type="includes", config={"ignore_case": True})]
    return []


@dataclass
class CaseScore:
    passed: bool
    value: float
    scores: list[dict[str, Any]]


async def score_case(
    output: ModelOutput, case: Case, scorers: list[tuple[Assertion, ScorerFn]]
) -> CaseScore:
    """The case verdict by :func:`_verdict`; a failed call fails the case."""
    if output.error is not None:
        return CaseScore(
            False, 0.0, [{"type": "call", "passed": False, "value": 0.0, "reason": output.error}]
        )
    if not scorers:
        return CaseScore(
            True,
            1.0,
            [
                {
                    "type": "answered",
                    "passed": True,
                    "value": 1.0,
                    "reason": "no assertions; the model answered",
                }
            ],
        )
    rows: list[dict[str, Any]] = []
    for assertion, fn in scorers:
        try:
            s = await fn(output, case)
        except Exception as exc:  # a scorer bug or judge failure fails this assertion only
            s = Score(False, 0.0, f"scorer error: {type(exc).__name__}: {exc}")
        row: dict[str, Any] = {
            "type": assertion.type,
            "passed": s.passed,
            "value": round(float(s.value), 6),
            "reason": s.reason,
        }
        if s.details:
            row["details"] = s.details
        rows.append(row)
    return _verdict(rows, [_weight(a) for a, _ in scorers], case.threshold)


def _weight(assertion: Assertion) -> float:
    weight = assertion.config.get("weight", 1)
    return float(weight) if isinstance(weight, int | float) else 1.0


def _verdict(
    rows: list[dict[str, Any]], weights: list[float], threshold: float | None
) -> CaseScore:
    """promptfoo's rule (the default for every case): the value is the weighted mean of the
    assertion values; without a case threshold every assertion must pass, with one the value
    must reach it. With all weights 1 and no threshold: all pass, plain mean."""
    total = sum(weights)
    value = sum(r["value"] * w for r, w in zip(rows, weights, strict=True)) / total if total else 0
    passed = all(r["passed"] for r in rows) if threshold is None else value >= threshold
    return CaseScore(passed, value, rows)
