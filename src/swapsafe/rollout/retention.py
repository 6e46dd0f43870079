"""Retention of the old model after promotion: a daily 1-token health check, and ``retire``
refused until ``[rollout] retain_old_for`` has passed since the promotion to 100%."""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from typing import Any

from swapsafe.config import Config, ModelConfig
from swapsafe.exceptions import ProviderError, SwapsafeError
from swapsafe.providers.base import Provider
from swapsafe.providers.build import build_providers
from swapsafe.providers.outbound import Target, prepare
from swapsafe.rollout import state as sm
from swapsafe.rollout.clock import Clock, SystemClock
from swapsafe.store.protocol import Store
from swapsafe.store.records_rollout import RolloutRecord

PING = "Reply with OK."


async def health_check(
    config: Config,
    store: Store,
    workload: str,
    *,
    clock: Clock | None = None,
    providers: dict[str, Provider] | None = None,
    actor: str = "controller",
    upstream_timeout: float = 30.0,
) -> dict[str, Any]:
    """Call the workload's baseline (old) model with a 1-token request and record the result
    (audit ``retention.health_check``). Returns ``{"ok", "latency_ms", "retain_until", ...}``."""
    clock = clock or SystemClock()
    wl = config.workloads.get(workload)
    if wl is None:
        raise sm.RolloutError(f"unknown workload {workload!r}")
    model = config.models[wl.baseline]
    owned = providers is None
    if providers is None:
        providers = build_providers(config.model_copy(update={"models": {model.name: model}}))
    provider = providers[model.name]
    try:
        latency_ms, error = await _ping(provider, model, upstream_timeout)
    finally:
        if owned:
            await provider.aclose()
    db = store
    record = db.get_rollout(workload)
    until = None if record is None else sm.retain_until(record, config.rollout.retain_old_for)
    now = clock.now()
    result: dict[str, Any] = {
        "ok": error is None,
        "latency_ms": latency_ms,
        "retain_until": None if until is None else until.isoformat(),
        "model": model.name,
        "at": now.isoformat(),
    }
    if error is not None:
        result["error"] = error
    store.add_audit(
        actor=actor,
        action="retention.health_check",
        workload=workload,
        before=None,
        after=result,
        reason="old model health check" + ("" if error is None else f": {error}"),
    )
    if record is not None:
        _save_check(db, record, result)
    return result


async def _ping(
    provider: Provider, model: ModelConfig, upstream_timeout: float
) -> tuple[float, str | None]:
    """A 1-token request: its latency (ms) and, when it failed, the error's class and status.
    Built like every other request to the model, so its request rules (model adapter) apply."""
    body: dict[str, Any] = {
        "messages": [{"role": "user", "content": PING}],
        "max_tokens": 16 if provider.wire == "responses" else 1,  # Responses: 16 at least
    }
    body = prepare(body, "openai", Target.of(provider, model), stream=False).body
    started = time.perf_counter()
    error: str | None = None
    try:
        await provider.complete(body, deadline=time.monotonic() + upstream_timeout, retries=1)
    except ProviderError as exc:
        error = f"{type(exc).__name__}: HTTP {exc.status}" if exc.status else type(exc).__name__
    return round((time.perf_counter() - started) * 1000, 1), error


def _save_check(db: Any, record: RolloutRecord, result: dict[str, Any]) -> None:
    # someone else may have changed the rollout meanwhile; the audit entry holds the result
    with contextlib.suppress(SwapsafeError):
        db.save_rollout(replace(record, retention=result), expected_version=record.version)


def retire(
    config: Config,
    store: Store,
    workload: str,
    *,
    actor: str,
    clock: Clock | None = None,
    reason: str = "",
) -> RolloutRecord:
    """Record that the old model is retired; RolloutError (with the date) before the window ends."""
    clock = clock or SystemClock()
    if workload not in config.workloads:
        raise sm.RolloutError(f"unknown workload {workload!r}")
    db = store
    record = db.get_rollout(workload)
    now = clock.now()
    new = sm.retire(record, now, config.rollout.retain_old_for, workload)
    assert record is not None
    saved = db.save_rollout(new, expected_version=record.version)
    wl = config.workloads[workload]
    store.add_audit(
        actor=actor,
        action="rollout.retired",
        workload=workload,
        before=None,
        after={
            "model": wl.baseline,
            "promoted_at": record.promoted_at,
            "retired_at": now.isoformat(),
        },
        reason=reason or f"retention window of {wl.baseline} ended",
    )
    return saved
