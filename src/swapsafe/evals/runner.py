"""The eval runner: every case x model, concurrently, scored and stored as results complete.

:func:`run_eval` runs an :class:`EvalJob` (the CLI, the scheduler and the demo call it; red-team
runs share its engine, :mod:`swapsafe.evals.engine`). Results are written in small batches while
the run goes on, so an interruption (Ctrl-C, SIGTERM, task cancellation) keeps everything that
finished; the run is then marked ``interrupted`` and ``EvalJob(..., run_id=ID)`` completes
exactly the missing pairs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from swapsafe.config import Config
from swapsafe.evals import engine
from swapsafe.evals.caller import ModelCaller
from swapsafe.evals.cases import Assertion, Case, DatasetError
from swapsafe.evals.datasets import render_messages
from swapsafe.evals.scorers.base import Resources, ScorerFn, build, default_assertions, score_case
from swapsafe.evals.scorers.judge import Judge
from swapsafe.evals.variants import eval_variants
from swapsafe.exceptions import ConfigError
from swapsafe.providers.base import Provider
from swapsafe.store.protocol import Store
from swapsafe.store.records import EvalResult, EvalRun
from swapsafe.wire.prompt_variant import PromptVariant

BATCH_SIZE = 50
RETRIES = 2


@dataclass
class ModelTally:
    done: int = 0
    passed: int = 0
    errors: int = 0
    cost_usd: float = 0.0

    @property
    def pass_rate(self) -> float:
        """Passed share of the answered cases (errored calls are no outcome)."""
        answered = self.done - self.errors
        return self.passed / answered if answered else 0.0


@dataclass
class Snapshot(engine.Snapshot[ModelTally]):
    """Progress of a run: what is done out of the total, per model."""

    judge_cost_usd: float = 0.0

    @property
    def cost_usd(self) -> float:
        return sum(t.cost_usd for t in self.models.values()) + self.judge_cost_usd


EvalProgress = engine.Progress[Snapshot]


@dataclass(frozen=True)
class EvalJob:
    """What to run: the golden ``cases`` of ``workload`` against ``models``.

    ``models`` defaults to the workload's baseline and candidate; ``run_id`` resumes that run
    (only its missing pairs run); ``judge`` names the model for ``llm-judge`` assertions;
    ``timeout`` is per call (default ``[evals] timeout``); ``golden`` is recorded with the run,
    and ``settings`` are merged into the run's stored settings.
    """

    workload: str
    cases: Sequence[Case]
    concurrency: int
    models: Sequence[str] | None = None
    tag: str | None = None
    run_id: int | None = None
    judge: str | None = None
    timeout: float | None = None
    golden: Path | str | None = None
    settings: dict[str, Any] | None = None
    #: ``eval run --prompt``: model -> variant, over the configured ones (evals/variants.py)
    variants: Mapping[str, PromptVariant] | None = None


def resolve_models(config: Config, workload: str, models: Sequence[str] | None) -> list[str]:
    """The models to evaluate: as given, else the workload's baseline and candidate."""
    if workload not in config.workloads:
        known = ", ".join(sorted(config.workloads)) or "none configured"
        raise ConfigError(f'unknown workload "{workload}" (workloads: {known})')
    if models:
        chosen = list(dict.fromkeys(models))
    else:
        w = config.workloads[workload]
        chosen = [w.baseline] + ([w.candidate] if w.candidate else [])
    for name in chosen:
        if name not in config.models:
            known = ", ".join(sorted(config.models))
            raise ConfigError(f'unknown model "{name}" (models: {known})')
    return chosen


def compile_scorers(
    cases: Sequence[Case], resources: Resources, source: str = "golden set"
) -> dict[str, list[tuple[Assertion, ScorerFn]]]:
    """Build every case's scorers up front, so a bad assertion fails before any call."""
    compiled: dict[str, list[tuple[Assertion, ScorerFn]]] = {}
    cache: dict[str, ScorerFn] = {}
    for number, case in enumerate(cases, start=1):
        pairs = []
        for assertion in default_assertions(case):
            key = repr(assertion.to_json())
            fn = cache.get(key)
            if fn is None:
                fn = build(assertion, resources, where=f"{source}: case {number} ({case.id})")
                cache[key] = fn
            pairs.append((assertion, fn))
        compiled[case.id] = pairs
    return compiled


async def run_eval(
    config: Config,
    store: Store,
    job: EvalJob,
    *,
    providers: dict[str, Provider] | None = None,
    progress: EvalProgress | None = None,
) -> int:
    """Run (or, with ``job.run_id``, resume) an eval job; returns the run's id.

    ``providers`` (name -> Provider) overrides the ones built from the config; providers built
    here are closed at the end.
    """
    chosen = resolve_models(config, job.workload, job.models)
    if job.concurrency < 1:
        raise ConfigError("concurrency must be at least 1")
    if not job.cases:
        raise DatasetError(f'the golden set of workload "{job.workload}" has no cases')
    engine.check_judge(config, job.judge)
    timeout = job.timeout if job.timeout is not None else config.evals.timeout
    needed = set(chosen) | ({job.judge} if job.judge else set())
    async with engine.owned_providers(config, needed, providers) as available:
        variants = eval_variants(config, job.workload, chosen, job.variants)
        callers = ModelCaller.for_run(
            config,
            job.workload,
            available,
            chosen,
            timeout=timeout,
            retries=RETRIES,
            variants=variants,
        )
        resources = Resources()
        if job.judge is not None:
            resources.judge = Judge(model=job.judge, call=callers[job.judge].plain().chat)
        scorers = compile_scorers(job.cases, resources, str(job.golden or "golden set"))
        run_id, existing = await _open_run(store, job, chosen, callers, timeout)
        work = _EvalWork(
            run_id=run_id,
            callers=callers,
            scorers=scorers,
            system_prompt=config.workloads[job.workload].system_prompt_text(),
            judge=resources.judge,
            snapshot=Snapshot.start(run_id, job.cases, chosen, ModelTally),
        )
        rows = engine.RunRows(
            store.add_eval_results, store.finish_eval_run, _stored_pair, BATCH_SIZE
        )
        spec = engine.JobSpec(
            work, job.cases, _case_id, rows, existing, job.concurrency, config.evals.max_error_rate
        )
        await engine.JobEngine(spec).run(progress)
        return run_id


async def _open_run(
    store: Store,
    job: EvalJob,
    chosen: list[str],
    callers: dict[str, ModelCaller],
    call_timeout: float,
) -> tuple[int, list[EvalResult]]:
    """The run's id and its stored results: a new run, or the one ``job.run_id`` resumes."""
    if job.run_id is not None:
        return job.run_id, await asyncio.to_thread(store.eval_results, job.run_id)
    settings: dict[str, Any] = {
        "temperature": 0.0,
        "concurrency": job.concurrency,
        "timeout": call_timeout,
        "retries": RETRIES,
        "golden": str(job.golden) if job.golden else None,
        "case_ids": [c.id for c in job.cases],
        "judge": job.judge,
        "models": {name: callers[name].settings() for name in chosen},
        **(job.settings or {}),
    }
    run = EvalRun(
        workload=job.workload,
        started_at=datetime.now(UTC),
        tag=job.tag,
        settings=settings,
        models=chosen,
    )
    return await asyncio.to_thread(store.create_eval_run, run), []


@dataclass
class _EvalWork:
    """One eval run's pieces of work: a (case, model) pair called, scored and counted."""

    run_id: int
    callers: dict[str, ModelCaller]
    scorers: dict[str, list[tuple[Assertion, ScorerFn]]]
    system_prompt: str | None
    judge: Judge | None
    snapshot: Snapshot
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    async def one(self, pair: tuple[Case, str]) -> EvalResult:
        case, model = pair
        messages = self.messages.get(case.id)
        if messages is None:
            messages = self.messages[case.id] = render_messages(case, self.system_prompt)
        output = await self.callers[model].chat(messages, case.tools)
        passed: bool | None = None
        value: float | None = None
        details: dict[str, Any] = {"errored": True}
        if output.error is None:  # a failed call is errored, never a failed case
            scored = await score_case(output, case, self.scorers[case.id])
            passed, value = scored.passed, scored.value
            details = {"value": scored.value, "assertions": scored.scores}
        if output.tool_calls:
            details["tool_calls"] = output.tool_calls
        return EvalResult(
            run_id=self.run_id,
            case_id=case.id,
            model=model,
            output=output.text,
            passed=passed,
            score=value,
            scores=details,
            latency_ms=output.latency_ms,
            input_tokens=output.input_tokens,
            output_tokens=output.output_tokens,
            cost_usd=output.cost_usd,
            error=output.error,
        )

    def count(self, model: str, row: EvalResult | None) -> None:
        assert row is not None  # an eval stores errored calls too
        snapshot = self.snapshot
        snapshot.done += 1
        snapshot.judge_cost_usd = self.judge.cost_usd if self.judge else 0.0
        tally = snapshot.models.get(row.model)
        if tally is None:
            return
        tally.done += 1
        tally.passed += row.error is None and bool(row.passed)
        tally.errors += row.error is not None
        tally.cost_usd += row.cost_usd or 0.0


def _case_id(case: Case) -> str:
    return case.id


def _stored_pair(row: EvalResult) -> tuple[str, str]:
    return row.case_id, row.model


def load_run_cases(run: EvalRun, cases: Sequence[Case]) -> list[Case]:
    """The cases of a stored run, in its order; a DatasetError when some are gone."""
    ids = (run.settings or {}).get("case_ids") or []
    by_id = {c.id: c for c in cases}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise DatasetError(
            f"run {run.id}: case {missing[0]!r} is no longer in the golden set; "
            "restore the file or start a new run"
        )
    return [by_id[i] for i in ids] if ids else list(cases)
