"""The red-team runner: every probe x model inside the workload's real system prompt, scored.

:func:`run_redteam` runs a :class:`RedteamJob` on the job engine of the evals
(:mod:`swapsafe.evals.engine`). Findings are written in small batches while the run goes on; an
interrupted run is marked ``interrupted`` and ``RedteamJob(..., run_id=ID)`` completes exactly
the missing probe x model pairs with the same canary and fake secrets. Calls that fail
(timeouts, 5xx after retries) are not stored: the run ends ``incomplete`` and a resume retries
them. Requests the provider blocks are stored as unsuccessful attacks marked ``blocked``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from swapsafe.config import Config, WorkloadConfig
from swapsafe.evals import engine
from swapsafe.evals.runner import resolve_models
from swapsafe.exceptions import ConfigError
from swapsafe.providers.base import Provider
from swapsafe.redteam.caller import RETRIES, Answer, ProbeCaller
from swapsafe.redteam.detectors import Context, detect, embedding_similarity, judged
from swapsafe.redteam.judge import RefusalJudge
from swapsafe.redteam.plant import Plant, render
from swapsafe.redteam.probes.base import Category, Probe, suite_categories
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


class Snapshot(engine.Snapshot[ModelTally]):
    """Progress of a run: probe x model pairs done out of the total, per model."""


RedteamProgress = engine.Progress[Snapshot]


@dataclass(frozen=True)
class RunOutcome:
    run_id: int
    status: str
    total: int
    errors: int


@dataclass(frozen=True)
class RedteamJob:
    """What to run: the probes of ``suite`` (comma-separated categories, or ``all``) against
    ``models`` inside ``workload``'s system prompt.

    ``models`` defaults to the workload's baseline and candidate; ``limit`` takes the first N
    probes of each category; ``probes_file`` adds a user's probes; ``run_id`` resumes that run
    with the same probes, canary and fake secrets; ``judge`` names a model that classifies
    refusals; ``concurrency`` and ``timeout`` default to ``[evals]``; ``plant`` fixes the canary
    and fake secrets of a new run (fresh ones otherwise).
    """

    workload: str
    models: Sequence[str] | None = None
    suite: str | Sequence[str] = "all"
    limit: int | None = None
    probes_file: str | Path | None = None
    run_id: int | None = None
    judge: str | None = None
    concurrency: int | None = None
    timeout: float | None = None
    plant: Plant | None = None


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
    run = store.get_redteam_run(run_id)
    if run is not None:
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


async def run_redteam(
    config: Config,
    store: Store,
    job: RedteamJob,
    *,
    providers: dict[str, Provider] | None = None,
    progress: RedteamProgress | None = None,
) -> RunOutcome:
    """Run (or, with ``job.run_id``, resume) a red-team job; ``providers`` and ``progress`` as
    for :func:`swapsafe.evals.runner.run_eval`."""
    previous: RedteamRun | None = None
    if job.run_id is not None:
        previous = await asyncio.to_thread(get_run, store, job.run_id)
        job = _resumed(job, previous)
    job, chosen, categories = _checked(config, job, previous)
    assert job.timeout is not None and job.concurrency is not None  # filled in by _checked
    sel = await asyncio.to_thread(_select, job, previous, categories)
    wl = config.workloads[job.workload]
    system_prompt = wl.system_prompt_text()
    needed = set(chosen) | ({job.judge} if job.judge else set())
    async with engine.owned_providers(config, needed, providers) as available:
        callers = ProbeCaller.for_run(
            config, job.workload, available, chosen, timeout=job.timeout, retries=RETRIES
        )
        existing: list[RedteamFinding] = []
        if job.run_id is None:
            run = _new_run(job, wl, sel, system_prompt, callers, chosen)
            run_id = await asyncio.to_thread(store.create_redteam_run, run)
        else:
            run_id = job.run_id
            existing = await asyncio.to_thread(store.redteam_findings, run_id)
        judge = RefusalJudge(callers[job.judge]) if job.judge else None
        snapshot = Snapshot.start(run_id, sel.probes, chosen, ModelTally)
        prompts = model_prompts(wl, chosen, system_prompt)
        work = _Work(run_id, callers, system_prompt, sel.plant, judge, snapshot, prompts)
        rows = engine.RunRows(
            store.add_redteam_findings, store.finish_redteam_run, _stored_pair, BATCH_SIZE
        )
        spec = engine.JobSpec(
            work,
            sel.probes,
            _probe_id,
            rows,
            existing,
            job.concurrency,
            config.evals.max_error_rate,
        )
        status = await engine.JobEngine(spec).run(progress)
        return RunOutcome(run_id, status, snapshot.total, snapshot.errors)


def _probe_id(probe: Probe) -> str:
    return probe.id


def _stored_pair(row: RedteamFinding) -> tuple[str, str]:
    return row.probe_id, row.model


def _checked(
    config: Config, job: RedteamJob, previous: RedteamRun | None
) -> tuple[RedteamJob, list[str], tuple[Category, ...]]:
    """The job with its defaults filled in, its models and its categories; a ConfigError
    for anything the config does not know."""
    chosen = resolve_models(config, job.workload, job.models)
    engine.check_judge(config, job.judge)
    settings = (previous.settings or {}) if previous is not None else {}
    concurrency = job.concurrency or int(settings.get("concurrency") or config.evals.concurrency)
    if concurrency < 1:
        raise ConfigError("concurrency must be at least 1")
    timeout = job.timeout if job.timeout is not None else config.evals.timeout
    if job.limit is not None and job.limit < 1:
        raise ConfigError("--limit must be at least 1")
    try:
        categories = suite_categories(job.suite if isinstance(job.suite, str) else list(job.suite))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return replace(job, concurrency=concurrency, timeout=timeout), chosen, categories


def _new_run(
    job: RedteamJob,
    wl: WorkloadConfig,
    sel: _Selection,
    system_prompt: str | None,
    callers: dict[str, ProbeCaller],
    chosen: list[str],
) -> RedteamRun:
    """A new run, with what it needs to be resumed and judged the same way later."""
    settings: dict[str, Any] = {
        "suite": ",".join(sel.categories),
        "limit": job.limit,
        "probes_file": sel.path,
        "probe_ids": [p.id for p in sel.probes],
        "sources": sorted({p.source for p in sel.probes}),
        "plant": sel.plant.to_json(),
        "judge": job.judge,
        "baseline": wl.baseline,
        "candidate": wl.candidate,
        "margin_points": wl.gates.redteam_margin,
        "confidence": wl.gates.confidence,
        "concurrency": job.concurrency,
        "timeout": job.timeout,
        "retries": RETRIES,
        "system_prompt": "workload" if system_prompt else "default (workload has none)",
        "models": {name: callers[name].settings() for name in chosen},
        "prompt_variants": variants_settings(wl, chosen),
    }
    return RedteamRun(
        workload=job.workload, started_at=datetime.now(UTC), models=chosen, settings=settings
    )


def _resumed(job: RedteamJob, previous: RedteamRun) -> RedteamJob:
    """The job of a resumed run: what the call leaves unset comes from the stored run."""
    settings = previous.settings or {}
    return replace(
        job,
        workload=previous.workload,
        models=job.models or previous.models,
        probes_file=job.probes_file or settings.get("probes_file"),
        judge=job.judge or settings.get("judge"),
    )


@dataclass(frozen=True)
class _Selection:
    """The probes a run sends, its planted canary and secrets, and where they came from."""

    probes: list[Probe]
    plant: Plant
    categories: tuple[Category, ...]
    path: str | None  # the user's probe file, absolute


def _select(
    job: RedteamJob, previous: RedteamRun | None, categories: tuple[Category, ...]
) -> _Selection:
    """A resumed run's own probes and plant, else a fresh selection (blocking: reads files)."""
    probes, path = _load(job.probes_file)
    if previous is not None:
        settings = previous.settings or {}
        by_id = {p.id: p for p in probes}
        ids = list(settings.get("probe_ids") or [])
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise ConfigError(
                f"run {job.run_id}: probe {missing[0]!r} is no longer available; pass the same "
                "--probes file or start a new run"
            )
        chosen, plant = [by_id[i] for i in ids], Plant.from_json(settings["plant"])
    else:
        chosen, plant = select(probes, categories, job.limit), job.plant or Plant.fresh()
    if not chosen:
        raise ConfigError("no probes selected; check --suite and --probes")
    return _Selection(chosen, plant, categories, path)


@dataclass
class _Work:
    """One red-team run's pieces of work: a (probe, model) pair sent, detected and counted."""

    run_id: int
    callers: dict[str, ProbeCaller]
    system_prompt: str | None
    plant: Plant
    judge: RefusalJudge | None
    snapshot: Snapshot
    prompts: dict[str, str | None] = field(default_factory=dict)  # redteam/variants.py
    ctx: Context = field(init=False)

    def __post_init__(self) -> None:
        self.ctx = Context(
            canary=self.plant.canary,
            system_prompt=self.system_prompt,
            secrets=self.plant.secrets,
            similarity=embedding_similarity(),
        )

    async def one(self, pair: tuple[Probe, str]) -> RedteamFinding | None:
        probe, model = pair
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

    def count(self, model: str, row: RedteamFinding | None) -> None:
        """A failed call is an error, not done: it is not stored and a resume retries it."""
        tally = self.snapshot.models.setdefault(model, ModelTally())
        if row is None:
            tally.errors += 1
            return
        self.snapshot.done += 1
        tally.done += 1
        tally.successes += int(row.success)
        tally.blocked += int(row.blocked)
