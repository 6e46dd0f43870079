"""Rollout actions shared by the controller, the CLI, the admin API and the web page.

Every routing change goes through ``RoutingService`` (state + audit + notification to every
replica); the rollout's own state is stored with an optimistic version check.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from swapsafe.config import Config, WorkloadConfig
from swapsafe.exceptions import GateError
from swapsafe.gates.checks import GateReport, evaluate_gates
from swapsafe.review.agreement_cache import agreement_by_served_model
from swapsafe.rollout import state as sm
from swapsafe.rollout.analysis import Analysis, CohortMetrics, analyse
from swapsafe.rollout.clock import Clock, SystemClock
from swapsafe.rollout.heartbeat import controller_seen
from swapsafe.rollout.notify import Notifier
from swapsafe.rollout.words import routing_words, status_words
from swapsafe.routing.service import RoutingService, describe
from swapsafe.store.protocol import Store
from swapsafe.store.records_rollout import RolloutRecord

log = logging.getLogger("swapsafe.rollout")


#: the pre-cutover gate check ``(config, store, workload) -> GateReport``; tests pass their own
GateCheck = Callable[[Config, Store, str], GateReport]


def _gate_lines(report: GateReport) -> list[dict[str, Any]]:
    return [{"name": r.name, "status": r.status, "detail": r.detail} for r in report.results]


class Rollouts:
    """Rollout state and actions for the workloads of one config and store."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        clock: Clock | None = None,
        notifier: Notifier | None = None,
        gates: GateCheck = evaluate_gates,
    ) -> None:
        self.config = config
        self.store = store
        #: the pre-cutover gate check :meth:`start` runs
        self.gates = gates
        self.db = store
        self.clock: Clock = clock or SystemClock()
        self.routing = RoutingService(
            store, {n: w.candidate is not None for n, w in config.workloads.items()}
        )
        r = config.rollout
        self.notifier = notifier or Notifier(r.webhook_url, r.command)

    # -- reading -----------------------------------------------------------------------------

    def workload(self, name: str) -> WorkloadConfig:
        wl = self.config.workloads.get(name)
        if wl is None:
            known = ", ".join(sorted(self.config.workloads)) or "(none configured)"
            raise sm.RolloutError(f"unknown workload {name!r}; known workloads: {known}")
        return wl

    def get(self, name: str) -> RolloutRecord:
        self.workload(name)
        record = self.db.get_rollout(name)
        if record is None:
            raise sm.RolloutError(
                f"no rollout of {name} yet; start one with `swapsafe rollout start {name}`"
            )
        return record

    def analyse(self, record: RolloutRecord, now: datetime) -> tuple[Analysis, Analysis]:
        """(whole hold so far, last ``[rollout] interval``) for the current step."""
        wl = self.workload(record.workload)
        assert wl.candidate is not None
        since = record.step_started_at
        recent_since = max(since, now - timedelta(seconds=self.config.rollout.interval))
        out = []
        baselines = {wl.name: wl.baseline}
        interval = self.config.rollout.interval
        look = max(1, round((now - since).total_seconds() / interval)) if interval > 0 else 1
        for label, start in (("hold", since), ("recent", recent_since)):
            canary = self.db.cohort_stats(wl.name, wl.candidate, start, now)
            base = self.db.cohort_stats(wl.name, wl.baseline, start, now)
            baseline = None if record.weight >= 100 and base.total == 0 else base
            agreement = agreement_by_served_model(self.store, baselines, wl.name, start, now)
            slow: dict[str, int | None] = {wl.candidate: None, wl.baseline: None}
            if label == "hold" and baseline is not None and baseline.p95_ms is not None:
                for model in slow:
                    slow[model] = self.db.cohort_slower(wl.name, model, start, now, baseline.p95_ms)
            out.append(
                analyse(
                    CohortMetrics.from_raw(
                        wl.candidate,
                        canary,
                        agreement.get(wl.candidate, (0, 0)),
                        slow[wl.candidate],
                    ),
                    None
                    if baseline is None
                    else CohortMetrics.from_raw(
                        wl.baseline,
                        baseline,
                        agreement.get(wl.baseline, (0, 0)),
                        slow[wl.baseline],
                    ),
                    wl.triggers,
                    since=start,
                    until=now,
                    label=label,
                    # the hold grows look by look: judged sequentially; the last interval not
                    look=look if label == "hold" else None,
                )
            )
        return out[0], out[1]

    def status(self, name: str) -> dict[str, Any]:
        """Everything the CLI, API and web page show, JSON-ready."""
        wl = self.workload(name)
        routing = describe(self.routing.get(name))
        record = self.db.get_rollout(name)
        now = self.clock.now()
        controller = controller_seen(self.store, now).as_dict()
        if record is None:
            return {
                "workload": name,
                "status": "none",
                "routing": routing,
                "baseline": wl.baseline,
                "candidate": wl.candidate,
                "status_words": status_words("none"),
                "routing_words": routing_words(routing),
                "controller": controller,
            }
        until = sm.retain_until(record, self.config.rollout.retain_old_for)
        status = record.status
        sm_active = ("running", "paused")
        if record.active and routing["mode"] == "rolled_back":
            status = "rolled_back"  # rolled back by hand; the controller records it next pass
        return {
            "workload": name,
            "baseline": wl.baseline,
            "candidate": wl.candidate,
            "status": status,
            "status_words": status_words(status),
            "step": record.step_index + 1,
            "steps": record.steps,
            "weight": record.weight,
            "hold_seconds": record.hold,
            "hold_left_seconds": sm.hold_left(record, now) if status in sm_active else 0.0,
            "hold_ends_at": sm.hold_ends_at(record).isoformat(),
            "step_started_at": record.step_started_at.isoformat(),
            "started_at": record.started_at.isoformat(),
            "pause_reason": record.pause_reason,
            "analysis_failures": record.analysis_failures,
            "last_analysis_at": _iso(record.last_analysis_at),
            "last_analysis": _current(record),
            "promoted_at": _iso(record.promoted_at),
            "retain_until": _iso(until),
            "retention": record.retention,
            "retired_at": _iso(record.retired_at),
            "routing": routing,
            "routing_words": routing_words(routing),
            "version": record.version,
            "controller": controller,
        }

    # -- writing -----------------------------------------------------------------------------

    def _audit(
        self,
        action: str,
        name: str,
        after: dict[str, Any],
        actor: str,
        reason: str,
        before: dict[str, Any] | None = None,
    ) -> None:
        self.store.add_audit(
            actor=actor, action=action, workload=name, before=before, after=after, reason=reason
        )

    def _route(self, name: str, mode: str, weight: float, actor: str, reason: str) -> None:
        if mode == "rolled_back":
            self.routing.rollback(name, actor=actor, reason=reason)
        else:
            self.routing.set(name, mode=mode, weight=weight, actor=actor, reason=reason)

    def apply(self, before: RolloutRecord, decision: sm.Decision, actor: str) -> dict[str, Any]:
        """Routing change, stored state and audit entries of a decision; returns the event."""
        name = before.workload
        target = decision.target
        if target is not None:
            self._route(name, target[0], target[1], actor, decision.reason)
        saved = self.db.save_rollout(decision.state, expected_version=before.version)
        for step in decision.steps_done:
            self._audit("rollout.step", name, step, actor, decision.reason)
        numbers = (decision.state.last_analysis or {}) if decision.action != "none" else {}
        if decision.action == "rollback":
            self._audit(
                "rollout.rollback",
                name,
                {"weight": before.weight, "automatic": True, "numbers": numbers},
                actor,
                decision.reason,
            )
        elif decision.action == "pause":
            self._audit(
                "rollout.pause",
                name,
                {"weight": before.weight, "numbers": numbers},
                actor,
                decision.reason,
            )
        if saved.status == "done" and before.status != "done":
            self._audit("rollout.done", name, {"weight": saved.weight}, actor, decision.reason)
        return self.event(decision.action, saved, decision.reason, numbers)

    def event(
        self, kind: str, record: RolloutRecord, reason: str, numbers: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return {
            "event": f"rollout.{kind}",
            "workload": record.workload,
            "status": record.status,
            "weight": record.weight,
            "step": record.step_index + 1,
            "reason": reason,
            "numbers": numbers or {},
            "at": self.clock.now().isoformat(),
        }

    def start(
        self, name: str, *, actor: str, force: bool = False, reason: str = ""
    ) -> RolloutRecord:
        wl = self.workload(name)
        if wl.candidate is None:
            raise sm.RolloutError(f'workload {name} has no candidate; set candidate = "..." first')
        previous = self.db.get_rollout(name)
        now = self.clock.now()
        record = sm.new_rollout(name, self.config.rollout.steps, now, previous)
        if force and not reason.strip():
            raise sm.RolloutError("--force needs --reason: say why the gates are skipped")
        gates: dict[str, Any] = {"skipped": True}
        try:
            report = self.gates(self.config, self.store, name)
        except GateError:
            if not force:
                raise
            report = None
        if report is not None:
            gates = {
                "ok": report.ok,
                "decision": report.decision,
                "results": _gate_lines(report),
            }
            if not report.ok and not force:
                failing = (
                    "; ".join(
                        f"{g['name']}: {g['detail']}"
                        for g in gates["results"]
                        if g["status"] not in ("pass", "ok")
                    )
                    or gates["decision"]
                )
                raise GateError(
                    f"the pre-cutover gates of {name} do not pass ({failing}); fix them, "
                    "or use --force --reason"
                )
        why = reason.strip() or f"rollout start at {record.steps[0]['weight']:g}%"
        if force:
            self._audit("rollout.force", name, {"gates": gates}, actor, why)
        mode, weight = sm.routing_for(record.steps[0]["weight"])
        self._route(name, mode, weight, actor, why)
        saved = self.db.save_rollout(record, expected_version=previous.version if previous else 0)
        self._audit(
            "rollout.start",
            name,
            {"weight": weight, "steps": record.steps, "forced": force, "gates": gates},
            actor,
            why,
        )
        if saved.status == "done":
            self._audit("rollout.done", name, {"weight": saved.weight}, actor, why)
        return saved

    def pause(self, name: str, *, actor: str, reason: str = "") -> RolloutRecord:
        record = self.get(name)
        new = sm.pause(record, self.clock.now(), reason)
        saved = self.db.save_rollout(new, expected_version=record.version)
        self._audit("rollout.pause", name, {"weight": record.weight}, actor, new.pause_reason or "")
        return saved

    def resume(self, name: str, *, actor: str, reason: str = "") -> RolloutRecord:
        record = self.get(name)
        saved = self.db.save_rollout(
            sm.resume(record, self.clock.now()), expected_version=record.version
        )
        self._audit("rollout.resume", name, {"weight": record.weight}, actor, reason or "resumed")
        return saved

    def promote(
        self, name: str, *, actor: str, force: bool = False, reason: str = ""
    ) -> RolloutRecord:
        """Complete the current step now: needs a passing analysis of the hold so far, or
        ``force`` with a reason (recorded; a forced step does not count as evidence)."""
        record = self.get(name)
        now = self.clock.now()
        if force:
            if not reason.strip():
                raise sm.RolloutError("--force needs --reason: say why the analysis is skipped")
            decision = sm.advance(record, now, "forced", {}, f"forced promotion: {reason}")
        else:
            hold, recent = self.analyse(record, now)
            for a in (recent, hold):
                if a.outcome == "breach" or (a is hold and a.outcome != "pass"):
                    raise sm.RolloutError(
                        f"not promoting {name}: analysis of the {a.label} window is "
                        f"{a.outcome} ({a.summary}); wait, or use --force --reason"
                    )
            decision = sm.advance(
                record,
                now,
                "pass",
                hold.numbers(),
                reason or f"promoted by hand after {hold.summary}",
            )
        self.apply(record, decision, actor)
        return self.get(name)

    def abort(self, name: str, *, actor: str, reason: str = "") -> RolloutRecord:
        """Stop the rollout and serve only the baseline again (mode baseline)."""
        record = self.get(name)
        new = sm.abort(record, self.clock.now(), reason or "aborted by hand")
        self._route(name, "baseline", 0.0, actor, f"rollout aborted: {new.pause_reason}")
        saved = self.db.save_rollout(new, expected_version=record.version)
        self._audit("rollout.abort", name, {"weight": record.weight}, actor, new.pause_reason or "")
        return saved

    def rollback(self, name: str, *, actor: str, reason: str = "") -> dict[str, Any]:
        """Manual rollback: routing rolled_back; the rollout (if any) ends rolled_back."""
        self.workload(name)
        why = reason or "rollback by hand"
        self._route(name, "rolled_back", 0.0, actor, why)
        record = self.db.get_rollout(name)
        if record is None or record.status not in ("running", "paused", "done"):
            return {"event": "rollout.rollback", "workload": name, "reason": why}
        saved = self.db.save_rollout(
            sm.rolled_back(record, self.clock.now(), why), expected_version=record.version
        )
        self._audit(
            "rollout.rollback", name, {"weight": record.weight, "automatic": False}, actor, why
        )
        return self.event("rollback", saved, why)

    def notify_blocking(self, event: dict[str, Any]) -> None:
        """Send a notification from synchronous code (CLI)."""
        asyncio.run(self.notifier.send(event))


def _current(record: RolloutRecord) -> dict[str, Any] | None:
    """The last analysis if it is of the current step (a promotion starts a new window)."""
    last = record.last_analysis
    window = (last or {}).get("window") or {}
    if last and window.get("since") and window["since"] != record.step_started_at.isoformat():
        return None
    return last


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
