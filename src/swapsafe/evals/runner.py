"""The eval runner: every case x model, concurrently, scored and stored as results complete.

:func:`run_eval` is the library entry point (the CLI, the demo and the red-team code call it).
Results are written in small batches while the run goes on, so an interruption (Ctrl-C,
SIGTERM, task cancellation) keeps everything that finished; the run is then marked
``interrupted`` and ``run_eval(..., run_id=ID)`` completes exactly the missing pairs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from swapsafe.config import Config
from swapsafe.evals.caller import ModelCaller
from swapsafe.evals.cases import Assertion, Case, DatasetError
from swapsafe.evals.datasets import render_messages
from swapsafe.evals.scorers.base import Resources, ScorerFn, build, default_assertions, score_case
from swapsafe.evals.scorers.judge import Judge
from swapsafe.evals.status import too_many_errors
from swapsafe.evals.variants import eval_variants
from swapsafe.exceptions import ConfigError
from swapsafe.providers.base import Provider
from swapsafe.providers.build import build_providers
from swapsafe.store.protocol import Store
from swapsafe.store.records import EvalResult, EvalRun
from swapsafe.wire.prompt_variant import PromptVariant

BATCH_SIZE = 50
FLUSH_SECONDS = 0.5
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
class Snapshot:
    """Progress of a run: what is done out of the total, per model."""

    run_id: int
    total: int
    done: int = 0
    models: dict[str, ModelTally] = field(default_factory=dict)
    judge_cost_usd: float = 0.0

    @property
    def cost_usd(self) -> float:
        return sum(t.cost_usd for t in self.models.values()) + self.judge_cost_usd


class EvalProgress(Protocol):
    """Receives progress: ``start`` once (with the run id), then ``advance`` per finished pair."""

    def start(self, snapshot: Snapshot) -> None: ...

    def advance(self, snapshot: Snapshot) -> None: ...


class _Writer:
    """Collects results and writes them to the store in small batches, off the event loop."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending: list[EvalResult] = []
        self.written = 0
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._stopping = False

    def add(self, row: EvalResult) -> None:
        self.pending.append(row)
        if len(self.pending) >= BATCH_SIZE:
            self._wake.set()

    async def flush(self) -> None:
        async with self._lock:
            while self.pending:
                batch, self.pending = self.pending, []
                await asyncio.to_thread(self.store.add_eval_results, batch)
                self.written += len(batch)

    async def loop(self) -> None:
        """Flush every FLUSH_SECONDS or BATCH_SIZE rows until :meth:`stop` (no cancellation:
        ``wait_for`` may swallow a cancel that races with the wake-up)."""
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), FLUSH_SECONDS)
            self._wake.clear()
            await self.flush()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()


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
    workload: str,
    *,
    models: Sequence[str] | None,
    cases: Sequence[Case],
    concurrency: int,
    tag: str | None,
    providers: dict[str, Provider] | None = None,
    progress: EvalProgress | None = None,
    run_id: int | None = None,
    judge: str | None = None,
    timeout: float | None = None,  # noqa: ASYNC109 - a per-call timeout, not for the run
    golden: Path | str | None = None,
    settings: dict[str, Any] | None = None,
    variants: Mapping[str, PromptVariant] | None = None,
) -> int:
    """Run (or, with ``run_id``, resume) an eval of ``cases`` against ``models``; returns its id.

    ``providers`` (name -> Provider) overrides the ones built from the config; providers built
    here are closed at the end. ``judge`` names the model for ``llm-judge`` assertions.
    """
    chosen = resolve_models(config, workload, models)
    variants = eval_variants(config, workload, chosen, variants)
    if concurrency < 1:
        raise ConfigError("concurrency must be at least 1")
    if not cases:
        raise DatasetError(f'the golden set of workload "{workload}" has no cases')
    if judge is not None and judge not in config.models:
        raise ConfigError(
            f'unknown judge model "{judge}" (models: {", ".join(sorted(config.models))})'
        )
    timeout = timeout if timeout is not None else config.evals.timeout
    owned: dict[str, Provider] = {}
    needed = set(chosen) | ({judge} if judge else set())
    available = dict(providers or {})
    if any(name not in available for name in needed):
        for name, provider in build_providers(config).items():
            if name in needed and name not in available:
                owned[name] = available[name] = provider
            else:
                await provider.aclose()
    params = config.workloads[workload].params  # what the application sends with every call
    try:
        callers = {
            name: ModelCaller(
                name,
                available[name],
                config.models.get(name),
                timeout=timeout,
                retries=RETRIES,
                params=params if name in chosen else None,  # the judge gets none
                variant=variants.get(name),
            )
            for name in needed
        }
        resources = Resources()
        judge_obj: Judge | None = None
        if judge is not None:
            judge_obj = Judge(model=judge, call=callers[judge].plain().chat)
            resources.judge = judge_obj
        scorers = compile_scorers(cases, resources, str(golden or "golden set"))
        run_settings: dict[str, Any] = {
            "temperature": 0.0,
            "concurrency": concurrency,
            "timeout": timeout,
            "retries": RETRIES,
            "golden": str(golden) if golden else None,
            "case_ids": [c.id for c in cases],
            "judge": judge,
            "models": {name: callers[name].settings() for name in chosen},
            **(settings or {}),
        }
        existing: list[EvalResult] = []
        if run_id is None:
            run_id = await asyncio.to_thread(
                store.create_eval_run,
                EvalRun(
                    workload=workload,
                    started_at=datetime.now(UTC),
                    tag=tag,
                    settings=run_settings,
                    models=chosen,
                ),
            )
        else:
            existing = await asyncio.to_thread(store.eval_results, run_id)
        done_pairs = {(r.case_id, r.model) for r in existing}
        todo = [(c, m) for c in cases for m in chosen if (c.id, m) not in done_pairs]
        system_prompt = config.workloads[workload].system_prompt_text()
        return await _execute(
            store,
            run_id,
            config.evals.max_error_rate,
            todo,
            len(cases) * len(chosen),
            existing,
            chosen,
            callers,
            scorers,
            system_prompt,
            concurrency,
            progress,
            judge_obj,
        )
    finally:
        for provider in owned.values():
            await provider.aclose()


async def _execute(
    store: Store,
    run_id: int,
    max_error_rate: float,
    todo: list[tuple[Case, str]],
    total: int,
    existing: list[EvalResult],
    models: list[str],
    callers: dict[str, ModelCaller],
    scorers: dict[str, list[tuple[Assertion, ScorerFn]]],
    system_prompt: str | None,
    concurrency: int,
    progress: EvalProgress | None,
    judge: Judge | None,
) -> int:
    snapshot = Snapshot(run_id=run_id, total=total, models={m: ModelTally() for m in models})
    for row in existing:
        _count(snapshot, row)
    if progress is not None:
        progress.start(snapshot)
    writer = _Writer(store)
    queue: asyncio.Queue[tuple[Case, str]] = asyncio.Queue()
    for item in todo:
        queue.put_nowait(item)
    messages_cache: dict[str, list[dict[str, Any]]] = {}

    async def work() -> None:
        while True:
            try:
                case, model = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            messages = messages_cache.get(case.id)
            if messages is None:
                messages = messages_cache[case.id] = render_messages(case, system_prompt)
            output = await callers[model].chat(messages, case.tools)
            passed: bool | None = None
            value: float | None = None
            details: dict[str, Any] = {"errored": True}
            if output.error is None:  # a failed call is errored, never a failed case
                scored = await score_case(output, case, scorers[case.id])
                passed, value = scored.passed, scored.value
                details = {"value": scored.value, "assertions": scored.scores}
            if output.tool_calls:
                details["tool_calls"] = output.tool_calls
            row = EvalResult(
                run_id=run_id,
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
            writer.add(row)
            _count(snapshot, row)
            snapshot.judge_cost_usd = judge.cost_usd if judge else 0.0
            if progress is not None:
                progress.advance(snapshot)

    flusher = asyncio.create_task(writer.loop())
    workers = [asyncio.create_task(work()) for _ in range(min(concurrency, max(len(todo), 1)))]
    status = "interrupted"
    try:
        await asyncio.gather(*workers)
        errored = sum(t.errors for t in snapshot.models.values())
        # stored "incomplete" keeps the plan and the lists honest; run_standing decides it too
        status = "incomplete" if too_many_errors(errored, total, max_error_rate) else "done"
    except Exception:
        status = "failed"
        raise
    finally:
        for task in workers:
            task.cancel()
        writer.stop()
        await asyncio.shield(_finish(store, writer, run_id, status, [*workers, flusher]))
    return run_id


def _count(snapshot: Snapshot, row: EvalResult) -> None:
    snapshot.done += 1
    tally = snapshot.models.get(row.model)
    if tally is None:
        return
    tally.done += 1
    tally.passed += row.error is None and bool(row.passed)
    tally.errors += row.error is not None
    tally.cost_usd += row.cost_usd or 0.0


async def _finish(
    store: Store, writer: _Writer, run_id: int, status: str, tasks: list[asyncio.Task[None]]
) -> None:
    await asyncio.gather(*tasks, return_exceptions=True)
    await writer.flush()
    await asyncio.to_thread(store.finish_eval_run, run_id, status, datetime.now(UTC))


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
