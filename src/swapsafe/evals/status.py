"""What an eval run is worth as evidence: the one rule (pure).

:func:`run_standing` decides, from a stored run and its results:

- ``complete``: finished, every (case, model) pair answered or errored, errored pairs at most
  ``[evals] max_error_rate`` of them, and the run covers the workload's full golden set
  (scheduled, or run without ``--limit`` / ``--golden`` / ``--ad-hoc``). Only a complete run
  is gate evidence.
- ``incomplete``: finished with more errored or missing pairs than ``max_error_rate``. A
  failed call (after retries) is *errored*, never *failed*: it is no outcome.
- ``ad hoc``: finished and clean, but over a subset, another golden file, or marked ad hoc;
  fine to look at, never gate evidence.
- ``running``, ``interrupted``, ``failed``, ``missed``: as stored.

``eval run`` / ``eval show`` / ``eval list``, the nightly scheduler, the gates and the report
all take a run's status from here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from swapsafe.store.records import EvalResult, EvalRun

Standing = Literal["complete", "incomplete", "ad hoc", "running", "interrupted", "failed", "missed"]
#: ``settings["evidence"]`` of a run started as ad hoc (``--limit``, ``--golden``, ``--ad-hoc``)
AD_HOC = "ad hoc"
GATE = "gate"


@dataclass(frozen=True)
class RunStanding:
    status: Standing
    reason: str  # one line: why, for ``eval show`` and the report
    expected: int  # (case, model) pairs the run was to score
    answered: int  # pairs with an outcome
    errored: int  # pairs whose call failed after retries, plus pairs never scored

    @property
    def error_rate(self) -> float:
        return self.errored / self.expected if self.expected else 0.0

    @property
    def gate_evidence(self) -> bool:
        return self.status == "complete"


def _ad_hoc_reason(run: EvalRun, golden_ids: Collection[str] | None) -> str | None:
    settings = run.settings or {}
    if settings.get("evidence") == AD_HOC:
        why = settings.get("ad_hoc_reason") or "marked ad hoc"
        return f"ad hoc run ({why}): not gate evidence"
    ids = settings.get("case_ids")
    if golden_ids is not None and ids is not None and not set(golden_ids) <= set(ids):
        missing = len(set(golden_ids) - set(ids))
        return f"covers {len(ids)} cases, {missing} of the workload's golden set are missing"
    return None


def too_many_errors(errored: int, expected: int, max_error_rate: float) -> bool:
    """The incomplete rule: errored (or missing) pairs above ``max_error_rate`` of the run."""
    return expected > 0 and errored / expected > max_error_rate


def ad_hoc_reason(
    *,
    limit: int | None,
    golden: Path | None,
    workload_golden: Path | None,
    models: Sequence[str] | None,
    gate_models: Sequence[str],
    flag: bool,
) -> str | None:
    """Why a new run is ad hoc (never gate evidence), or None for a full golden-set run of the
    workload's baseline and candidate. Recorded as ``settings["evidence"]`` by ``eval run``."""
    if flag:
        return "--ad-hoc"
    if limit:
        return f"--limit {limit}"
    if golden is not None and golden != workload_golden:
        return f"--golden {golden.name}"
    if models is not None and not set(gate_models) <= set(models):
        return "--models without the baseline and candidate"
    return None


def run_standing(
    run: EvalRun,
    results: Sequence[EvalResult],
    *,
    max_error_rate: float,
    models: Collection[str] | None = None,
    golden_ids: Collection[str] | None = None,
) -> RunStanding:
    """The standing of ``run``; ``models`` restricts the count to those models (default: the
    run's), ``golden_ids`` are the workload's current golden case ids when known."""
    chosen = set(models) if models is not None else set(run.models or {r.model for r in results})
    rows = [r for r in results if r.model in chosen]
    ids = (run.settings or {}).get("case_ids")
    expected = len(ids) * len(chosen) if ids else len(rows)
    answered = sum(1 for r in rows if r.error is None and r.passed is not None)
    errored = max(expected - answered, 0)
    numbers = (expected, answered, errored)
    if run.status in ("running", "interrupted", "failed", "missed"):
        return RunStanding(run.status, f"run {run.status}", *numbers)  # type: ignore[arg-type]
    if too_many_errors(errored, expected, max_error_rate):
        return RunStanding(
            "incomplete",
            f"{errored} of {expected} calls errored or missing ({100 * errored / expected:.1f}%"
            f", max {100 * max_error_rate:g}%): no verdict, fix the endpoint and rerun",
            *numbers,
        )
    reason = _ad_hoc_reason(run, golden_ids)
    if reason is not None:
        return RunStanding("ad hoc", reason, *numbers)
    return RunStanding("complete", f"{answered} of {expected} calls answered", *numbers)
