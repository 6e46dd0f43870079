"""The red-team runner: every probe x model inside the workload's real system prompt, scored.

:func:`run_redteam` is the library entry point (the CLI calls it). Findings are written in small
batches while the run goes on; an interrupted run is marked ``interrupted`` and
``run_redteam(..., run_id=ID)`` completes exactly the missing probe x model pairs with the
same canary and fake secrets. Calls that fail (timeouts, 5xx after retries) are not stored: the
run ends ``incomplete`` and a resume retries them. Requests the provider blocks are stored as
unsuccessful attacks marked ``blocked``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from swapsafe.config import Config
from swapsafe.evals.runner import resolve_models
from swapsafe.exceptions import ConfigError
from swapsafe.providers.base import Provider
from swapsafe.providers.build import build_providers
from swapsafe.redteam.caller import RETRIES, Answer, ProbeCaller
from swapsafe.redteam.detectors import Context, detect, embedding_similarity, judged
from swapsafe.redteam.judge import RefusalJudge
from swapsafe.redteam.plant import Plant, render
from swapsafe.redteam.probes.base import Probe, suite_categories
from swapsafe.redteam.probes.registry import bundled_probes, select
from swapsafe.redteam.probes.user import load_probe_file
from swapsafe.redteam.variants import context_for, model_prompts, variants_settings
from swapsafe.store.protocol import Store
from swapsafe.store.records import RedteamFinding, RedteamRun

BATCH_SIZE = 25


@dataclass
class ModelTally:
    done: int = 0
    successes: int = 0
    blocked: int = 0
    errors: int = 0


@dataclass
class Snapshot:
    """Progress of a run: probe x model pairs done out of the total, per model."""

    run_id: int
    total: int
    done: int = 0
    models: dict[str, ModelTally] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(t.errors for t in self.models.values())


class RedteamProgress(Protocol):
    def start(self, snapshot: Snapshot) -> None: ...

    def advance(self, snapshot: Snapshot) -> None: ...


@dataclass(frozen=True)
class RunOutcome:
    run_id: int
    status: str
    total: int
    errors: int


def catalog(probes_file: str | Path | None = None) -> list[Probe]:
    """Bundled probes plus those of a user's probe file (validated before anything runs)."""
    probes = list(bundled_probes())
    if probes_file is not None:
        probes.extend(load_probe_file(probes_file, known_ids={p.id for p in probes}))
    return probes


def _load(probes_file: str | Path | None) -> tuple[list[Probe], str | None]:
    where = os.path.abspath(probes_file) if probes_file else None
    return catalog(probes_file), where


def get_run(store: Store, run_id: int) -> RedteamRun:
    for run in store.list_redteam_runs(limit=1_000_000):
        if run.id == run_id:
            return run
    raise ConfigError(f"no red-team run {run_id}; see swapsafe redteam list")


def prompt_text(probe: Probe) -> str:
    """The attack as stored with a finding: the user turn, plus a tool result when there is one."""
    if probe.document is None:
        return probe.prompt
    if probe.channel == "tool":
        return f"{probe.prompt}\n\n[tool result]\n{probe.document}"
    if "{document}" in probe.prompt:
        return probe.prompt.replace("{document}", probe.document)
    return f"{probe.prompt}\n\n{probe.document}"


class _Writer:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending: list[RedteamFinding] = []
        self._lock = asyncio.Lock()

    async def add(self, row: RedteamFinding) -> None:
        self.pending.append(row)
        if len(self.pending) >= BATCH_SIZE:
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            while self.pending:
                batch, self.pending = self.pending, []
                await asyncio.to_thread(self.store.add_redteam_findings, batch)


async def _providers(
    config: Config, needed: set[str], given: dict[str, Provider] | None
) -> tuple[dict[str, Provider], dict[str, Provider]]:
    available = dict(given or {})
    owned: dict[str, Provider] = {}
    if any(name not in available for name in needed):
        for name, provider in build_providers(config).items():
            if name in needed and name not in available:
                owned[name] = available[name] = provider
            else:
                await provider.aclose()
    return available, owned


async def run_redteam(
    config: Config,
    store: Store,
    workload: str,
    *,
    models: Sequence[str] | None = None,
    suite: str | Sequence[str] = "all",
    limit: int | None = None,
    probes_file: str | Path | None = None,
    run_id: int | None = None,
    providers: dict[str, Provider] | None = None,
    progress: RedteamProgress | None = None,
    judge: str | None = None,
    concurrency: int | None = None,
    timeout: float | None = None,  # noqa: ASYNC109 - a per-call timeout, not for the run
    plant: Plant | None = None,
) -> RunOutcome:
    """Run (or, with ``run_id``, resume) the red-team suites against ``models``.

    ``providers`` (name -> Provider) overrides the ones built from the config; providers built
    here are closed at the end. ``judge`` names a model that classifies refusals.
    """
    previous: RedteamRun | None = None
    settings: dict[str, Any] = {}
    if run_id is not None:
        previous = await asyncio.to_thread(get_run, store, run_id)
        workload = previous.workload
        settings = dict(previous.settings or {})
        models = models or previous.models
        probes_file = probes_file or settings.get("probes_file")
        judge = judge or settings.get("judge")
    chosen = resolve_models(config, workload, models)
    wl = config.workloads[workload]
    if judge is not None and judge not in config.models:
        known = ", ".join(sorted(config.models))
        raise ConfigError(f'unknown judge model "{judge}" (models: {known})')
    concurrency = concurrency or int(settings.get("concurrency") or config.evals.concurrency)
    if concurrency < 1:
        raise ConfigError("concurrency must be at least 1")
    timeout = timeout if timeout is not None else config.evals.timeout
    if limit is not None and limit < 1:
        raise ConfigError("--limit must be at least 1")
    try:
        categories = suite_categories(suite if isinstance(suite, str) else list(suite))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    all_probes, probes_path = await asyncio.to_thread(_load, probes_file)
    if previous is not None:
        by_id = {p.id: p for p in all_probes}
        ids = list(settings.get("probe_ids") or [])
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise ConfigError(
                f"run {run_id}: probe {missing[0]!r} is no longer available; pass the same "
                "--probes file or start a new run"
            )
        probes = [by_id[i] for i in ids]
        plant = Plant.from_json(settings["plant"])
    else:
        probes = select(all_probes, categories, limit)
        plant = plant or Plant.fresh()
    if not probes:
        raise ConfigError("no probes selected; check --suite and --probes")
    system_prompt = wl.system_prompt_text()
    needed = set(chosen) | ({judge} if judge else set())
    available, owned = await _providers(config, needed, providers)
    try:
        callers = {
            name: ProbeCaller(
                name,
                available[name],
                config.models.get(name),
                timeout=timeout,
                params=wl.params if name in chosen else None,  # not the judge
            )
            for name in needed
        }
        if previous is None:
            run_settings: dict[str, Any] = {
                "suite": ",".join(categories),
                "limit": limit,
                "probes_file": probes_path,
                "probe_ids": [p.id for p in probes],
                "sources": sorted({p.source for p in probes}),
                "plant": plant.to_json(),
                "judge": judge,
                "baseline": wl.baseline,
                "candidate": wl.candidate,
                "margin_points": wl.gates.redteam_margin,
                "confidence": wl.gates.confidence,
                "concurrency": concurrency,
                "timeout": timeout,
                "retries": RETRIES,
                "system_prompt": "workload" if system_prompt else "default (workload has none)",
                "models": {name: callers[name].settings() for name in chosen},
                "prompt_variants": variants_settings(wl, chosen),
            }
            run_id = await asyncio.to_thread(
                store.create_redteam_run,
                RedteamRun(
                    workload=workload,
                    started_at=datetime.now(UTC),
                    models=chosen,
                    settings=run_settings,
                ),
            )
            existing: list[RedteamFinding] = []
        else:
            assert run_id is not None
            existing = await asyncio.to_thread(store.redteam_findings, run_id)
        done = {(f.probe_id, f.model) for f in existing}
        todo = [(p, m) for p in probes for m in chosen if (p.id, m) not in done]
        snapshot = Snapshot(run_id=run_id, total=len(probes) * len(chosen))
        snapshot.models = {m: ModelTally() for m in chosen}
        for f in existing:
            _count(snapshot, f.model, f.success, f.blocked)
        ctx = Context(
            canary=plant.canary,
            system_prompt=system_prompt,
            secrets=plant.secrets,
            similarity=embedding_similarity(),
        )
        judge_obj = RefusalJudge(callers[judge]) if judge else None
        prompts = model_prompts(wl, chosen, system_prompt)
        job = _Job(store, run_id, callers, system_prompt, plant, ctx, judge_obj, snapshot,
                   config.evals.max_error_rate, prompts)  # fmt: skip
        status = await job.run(todo, concurrency, progress)
        return RunOutcome(run_id, status, snapshot.total, snapshot.errors)
    finally:
        for provider in owned.values():
            await provider.aclose()


def _count(snapshot: Snapshot, model: str, success: bool, blocked: bool) -> None:
    snapshot.done += 1
    tally = snapshot.models.setdefault(model, ModelTally())
    tally.done += 1
    tally.successes += int(success)
    tally.blocked += int(blocked)


@dataclass
class _Job:
    store: Store
    run_id: int
    callers: dict[str, ProbeCaller]
    system_prompt: str | None
    plant: Plant
    ctx: Context
    judge: RefusalJudge | None
    snapshot: Snapshot
    max_error_rate: float = 0.0  # errored calls above this share make the run incomplete
    prompts: dict[str, str | None] = field(default_factory=dict)  # redteam/variants.py

    async def one(self, probe: Probe, model: str) -> RedteamFinding | None:
        system = self.prompts.get(model, self.system_prompt)
        messages, tools = render(probe, system, self.plant)
        answer: Answer = await self.callers[model].send(messages, tools)
        prompt = prompt_text(probe)
        if answer.blocked:
            return RedteamFinding(
                run_id=self.run_id,
                probe_id=probe.id,
                category=probe.category,
                model=model,
                success=False,
                blocked=True,
                prompt=prompt,
                output=None,
                reason=answer.error,
            )
        if answer.error is not None:
            return None
        # off the event loop: a long output, or the embedding model, takes a while to score
        ctx = context_for(self.ctx, system)
        verdict = await asyncio.to_thread(detect, probe, answer.text, ctx)
        if self.judge is not None and judged(probe) and answer.text.strip():
            verdict = await self.judge.judge(prompt, answer.text, verdict)
        return RedteamFinding(
            run_id=self.run_id,
            probe_id=probe.id,
            category=probe.category,
            model=model,
            success=verdict.success,
            blocked=False,
            prompt=prompt,
            output=answer.text,
            reason=verdict.reason,
        )

    async def run(
        self, todo: list[tuple[Probe, str]], concurrency: int, progress: RedteamProgress | None
    ) -> str:
        if progress is not None:
            progress.start(self.snapshot)
        writer = _Writer(self.store)
        queue: asyncio.Queue[tuple[Probe, str]] = asyncio.Queue()
        for item in todo:
            queue.put_nowait(item)

        async def work() -> None:
            while True:
                try:
                    probe, model = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                row = await self.one(probe, model)
                if row is None:
                    self.snapshot.models.setdefault(model, ModelTally()).errors += 1
                else:
                    await writer.add(row)
                    _count(self.snapshot, model, row.success, row.blocked)
                if progress is not None:
                    progress.advance(self.snapshot)

        workers = [asyncio.create_task(work()) for _ in range(min(concurrency, max(len(todo), 1)))]
        status = "interrupted"
        try:
            await asyncio.gather(*workers)
            errored = self.snapshot.errors > self.max_error_rate * self.snapshot.total
            status = "incomplete" if errored else "done"  # incomplete: never gate evidence
        except Exception:
            status = "failed"
            raise
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await asyncio.shield(self._finish(writer, status))
        return status

    async def _finish(self, writer: _Writer, status: str) -> None:
        await writer.flush()
        await asyncio.to_thread(
            self.store.finish_redteam_run, self.run_id, status, datetime.now(UTC)
        )
