"""The rollout controller: every ``[rollout] interval`` it analyses each active rollout and
rolls back, advances, pauses or waits; daily it health-checks a retained old model.

Run it inside ``swapsafe serve`` (``asyncio.create_task(Controller(config, store).run_forever())``)
or alone as ``swapsafe controller``. Exactly one controller is active across replicas (see
``rollout.lock``); the others wait on standby and take over when the active one goes away.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from swapsafe.config import Config
from swapsafe.exceptions import StoreError, SwapsafeError
from swapsafe.gates.checks import evaluate_gates
from swapsafe.rollout import state as sm
from swapsafe.rollout.clock import Clock
from swapsafe.rollout.heartbeat import record_beat
from swapsafe.rollout.lock import ControllerLock, controller_lock
from swapsafe.rollout.notify import Notifier
from swapsafe.rollout.operations import GateCheck, Rollouts
from swapsafe.rollout.retention import health_check
from swapsafe.store.protocol import Store
from swapsafe.store.records_rollout import RolloutRecord

log = logging.getLogger("swapsafe.rollout")
ACTOR = "controller"
#: the rehearsal flips routing on purpose; the controller leaves such a workload alone
REHEARSAL_ACTOR = "rehearsal"


class Controller:
    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        clock: Clock | None = None,
        notifier: Notifier | None = None,
        lock: ControllerLock | None = None,
        standby_poll: float = 5.0,
        providers: Any = None,
        gates: GateCheck = evaluate_gates,
    ) -> None:
        self.config = config
        self.rollouts = Rollouts(config, store, clock=clock, notifier=notifier, gates=gates)
        self.clock: Clock = self.rollouts.clock  # the system clock unless given
        self.lock = lock if lock is not None else controller_lock(config.store.url)
        self.standby_poll = standby_poll
        self.providers = providers
        self.active = False
        self._stop = asyncio.Event()

    # -- one pass ----------------------------------------------------------------------------

    async def tick(self) -> list[dict[str, Any]]:
        """Analyse every rollout once; returns the events (also sent as notifications)."""
        events: list[dict[str, Any]] = []
        for name in sorted(self.config.workloads):
            try:
                event = await asyncio.to_thread(self._tick_workload, name)
            except SwapsafeError as exc:
                log.warning("rollout of %s: %s", name, exc)
                event = {"event": "rollout.error", "workload": name, "reason": str(exc)}
            if event is not None:
                events.append(event)
            await self._retention(name)
        try:
            interval = self.config.rollout.interval
            await asyncio.to_thread(record_beat, self.rollouts.store, self.clock.now(), interval)
        except StoreError as exc:
            log.warning("rollout controller cannot record its heartbeat: %s", exc)
        for event in events:
            if event["event"] in (
                "rollout.rollback",
                "rollout.pause",
                "rollout.advance",
                "rollout.complete",
            ):
                await self.rollouts.notifier.send(event)
        return events

    def _tick_workload(self, name: str) -> dict[str, Any] | None:
        ro = self.rollouts
        try:
            record = ro.db.get_rollout(name)
        except StoreError as exc:
            log.warning("rollout of %s: cannot read its state: %s", name, exc)
            return None
        if record is None or record.status not in ("running", "paused", "done"):
            return None
        now = self.clock.now()
        if record.status == "done":
            until = sm.retain_until(record, self.config.rollout.retain_old_for)
            if record.retired_at is not None or until is None or now >= until:
                return None
        routing = ro.routing.get(name)
        if routing.updated_by == REHEARSAL_ACTOR:
            return None
        if routing.mode == "rolled_back":
            why = f"rolled back outside the controller by {routing.updated_by or 'someone'}"
            saved = ro.db.save_rollout(
                sm.rolled_back(record, now, why), expected_version=record.version
            )
            return ro.event("rollback", saved, why)
        expected = sm.routing_for(record.weight)
        if (routing.mode, routing.weight) != expected:
            if record.status != "running":
                return None
            why = (
                f"routing was changed outside the controller to {routing.mode} "
                f"{routing.weight:g}% by {routing.updated_by or 'someone'}; expected "
                f"{expected[0]} {expected[1]:g}%. Fix routing, then resume, or abort"
            )
            saved = ro.db.save_rollout(sm.pause(record, now, why), expected_version=record.version)
            ro.store.add_audit(
                actor=ACTOR,
                action="rollout.pause",
                workload=name,
                before=None,
                after={"weight": record.weight},
                reason=why,
            )
            return ro.event("pause", saved, why)
        try:
            hold, recent = ro.analyse(record, now)
        except StoreError as exc:
            decision = sm.on_analysis(record, now, error=str(exc))
        else:
            decision = sm.on_analysis(record, now, hold=hold, recent=recent)
        event = ro.apply(record, decision, ACTOR)
        if decision.action == "none":
            return None
        return event

    async def _retention(self, name: str) -> None:
        ro = self.rollouts
        try:
            record = await asyncio.to_thread(ro.db.get_rollout, name)
        except StoreError:
            return
        if record is None:
            return
        last = record.retention or {}
        last_at = datetime.fromisoformat(last["at"]) if last.get("at") else None
        now = self.clock.now()
        if sm.health_check_due(record, now, self.config.rollout.retain_old_for, last_at):
            try:
                await health_check(
                    self.config, ro.store, name, clock=self.clock, providers=self.providers
                )
            except SwapsafeError as exc:
                log.warning("retention health check of %s: %s", name, exc)

    # -- lifetime ----------------------------------------------------------------------------

    def try_activate(self) -> bool:
        """Take the single-controller lock if free; True while this controller is active."""
        if self.active and self.lock.held():
            return True
        self.active = self.lock.try_acquire()
        return self.active

    async def run_forever(self) -> None:
        """Tick every ``[rollout] interval`` while active; wait on standby otherwise."""
        interval = self.config.rollout.interval
        try:
            while not self._stop.is_set():
                try:
                    active = await asyncio.to_thread(self.try_activate)
                except Exception as exc:  # the store is down: stay on standby, try again
                    log.warning("rollout controller cannot take its lock: %s", exc)
                    active = False
                if self._stop.is_set():
                    break
                if not active:
                    await self._wait(self.standby_poll)
                    continue
                try:
                    await self.tick()
                except Exception:  # never let one bad pass stop the controller
                    log.exception("rollout controller: tick failed")
                await self._wait(interval)
        finally:
            self.stop_now()

    async def _wait(self, seconds: float) -> None:
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        stopper = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        for task in (sleeper, stopper):
            task.cancel()

    def stop(self) -> None:
        """Ask ``run_forever`` to return after the current pass."""
        self._stop.set()

    def stop_now(self) -> None:
        self.lock.release()
        self.active = False


__all__ = ["Controller", "RolloutRecord"]
