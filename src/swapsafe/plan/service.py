"""The planner's I/O: create plans, gather evidence from the store and config, tick and untick.

Pure parts live next door (``evidence.py`` rules, ``status.py`` states). Showing a plan records
evidence changes as ``plan_events`` (actor ``evidence``), so each item keeps the date its
evidence completed and the history of every tick and untick.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time

from swapsafe.config import Config, GateConfig
from swapsafe.exceptions import ConfigError
from swapsafe.plan.evidence import evaluate
from swapsafe.plan.facts import (
    AuditFacts,
    BaselineFacts,
    EvalRunFacts,
    GateFacts,
    MigrationFacts,
    RedteamRunFacts,
    Requirements,
    WorkloadFacts,
)
from swapsafe.plan.items import item_by_ref
from swapsafe.plan.scenarios import config_names
from swapsafe.plan.status import EVIDENCE_ACTOR, ItemState, PlanView, build_view, evidence_events
from swapsafe.redteam.regression import RedteamVerdict, redteam_verdict, tally
from swapsafe.review.progress import review_progress
from swapsafe.store.protocol import Store
from swapsafe.store.records import Plan, PlanEvent, TraceQuery

Clock = Callable[[], datetime]
AUDIT_ACTIONS = frozenset(
    {
        "criteria.export",
        "rollout.step",
        "routing.set",
        "rollback.rehearsal",
        "retention.health_check",
    }
)
_AUDIT_LIMIT = 10_000
_REDTEAM_RUNS_READ = 3


def utcnow() -> datetime:
    return datetime.now(UTC)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


class PlanService:
    """Plans of one store. ``config`` may be None (standalone: ticks by hand only)."""

    def __init__(
        self,
        store: Store,
        config: Config | None = None,
        *,
        clock: Clock = utcnow,
        requirements: Requirements | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.requirements = requirements or Requirements()

    # -- plans ----------------------------------------------------------------------------------

    def create(
        self,
        name: str,
        *,
        from_model: str,
        to_model: str,
        workloads: Sequence[str],
        start: date | None = None,
    ) -> Plan:
        name, from_model, to_model = name.strip(), from_model.strip(), to_model.strip()
        names = list(dict.fromkeys(w.strip() for w in workloads if w.strip()))
        if not name:
            raise ConfigError("a migration needs a name, e.g. `swapsafe plan new gpt5-swap ...`")
        if not from_model or not to_model:
            raise ConfigError("give both models: --from OLD --to NEW")
        if from_model == to_model:
            raise ConfigError(f"--from and --to are both {from_model!r}; name two different models")
        if not names:
            raise ConfigError("give at least one workload: --workloads support,search")
        if self.store.get_plan(name) is not None:
            raise ConfigError(f"a migration named {name!r} exists; pick another name")
        now = self.clock()
        plan = Plan(
            name=name,
            from_model=from_model,
            to_model=to_model,
            created_at=now,
            workloads=names,
            start_date=midnight(start or now.date()),
        )
        self.store.save_plan(plan)
        return plan

    def plans(self) -> list[Plan]:
        return self.store.list_plans()

    def resolve(self, name: str | None) -> Plan:
        """The named plan; with no name, the only plan (ConfigError when none or several)."""
        if name:
            plan = self.store.get_plan(name)
            if plan is None:
                known = ", ".join(p.name for p in self.plans()) or "none yet"
                raise ConfigError(f"no migration named {name!r} (known: {known})")
            return plan
        plans = self.plans()
        if not plans:
            raise ConfigError(
                "no migration yet; create one: swapsafe plan new NAME --from OLD --to NEW "
                "--workloads a,b"
            )
        if len(plans) > 1:
            names = ", ".join(p.name for p in plans)
            raise ConfigError(f"{len(plans)} migrations ({names}); choose one with --plan NAME")
        return plans[0]

    def unknown_workloads(self, plan: Plan) -> list[str]:
        """Workloads of the plan that the config does not declare (none without a config)."""
        if self.config is None:
            return []
        return [w for w in plan.workloads if w not in self.config.workloads]

    # -- evidence -------------------------------------------------------------------------------

    def facts(self, plan: Plan) -> MigrationFacts:
        """Everything the evidence rules read, gathered from the store and the config."""
        from_models = config_names(plan.from_model, self.config)
        to_models = config_names(plan.to_model, self.config)
        workloads = {w: self._workload(w, to_models, from_models) for w in plan.workloads}
        self._add_reviews(workloads)
        wanted = set(plan.workloads)
        audit = [
            AuditFacts(e.id, e.ts, e.action, e.workload, dict(e.after or {}))
            for e in self.store.list_audit(limit=_AUDIT_LIMIT)
            if e.action in AUDIT_ACTIONS and (e.workload is None or e.workload in wanted)
        ]
        return MigrationFacts(
            from_models=from_models,
            to_models=to_models,
            since=plan.start_date or plan.created_at,
            workloads=workloads,
            audit=audit,
            retain_old_for_s=self.config.rollout.retain_old_for if self.config else None,
            requirements=self.requirements,
        )

    def _workload(
        self, name: str, to_models: frozenset[str], from_models: frozenset[str]
    ) -> WorkloadFacts:
        store = self.store
        wl = self.config.workloads.get(name) if self.config else None
        facts = WorkloadFacts(name=name)
        if wl is not None:
            facts.config = GateFacts(
                gates=wl.gates.model_dump(),
                triggers=wl.triggers.model_dump(),
                gates_explicit="gates" in wl.model_fields_set,
                triggers_explicit="triggers" in wl.model_fields_set,
            )
        served = TraceQuery(workload=name, role="served", limit=200, real_only=True)
        cap = self.requirements.count_cap
        facts.requests = store.count_traces(served, cap=cap)
        facts.requests_capped = facts.requests >= cap
        if facts.requests:
            sample = store.query_traces(served) + store.query_traces(
                TraceQuery(
                    workload=name, role="served", limit=200, extra={"order": "desc"}, real_only=True
                )
            )
            facts.sources = tuple(sorted({t.source for t in sample}))
        shadow_q = TraceQuery(workload=name, role="shadow", real_only=True)
        facts.shadow_total = store.count_traces(shadow_q, cap=cap)
        facts.shadow_total_capped = facts.shadow_total >= cap
        if facts.shadow_total:
            for trace in store.iter_traces(shadow_q, batch=500):
                if trace.status == "ok" and trace.model in to_models:
                    facts.shadow_ok += 1
                    if facts.shadow_ok >= self.requirements.shadow_pairs:
                        facts.shadow_ok_capped = (
                            facts.shadow_total_capped or facts.shadow_total > facts.shadow_ok
                        )
                        break
        facts.baselines = [
            BaselineFacts(b.id or 0, b.model, b.ts) for b in store.list_baselines(name, limit=50)
        ]
        facts.eval_runs = [
            EvalRunFacts(r.id or 0, r.started_at, r.status, r.tag, tuple(r.models or ()))
            for r in store.list_eval_runs(name, limit=500)
        ]
        gates = wl.gates if wl else GateConfig()
        facts.redteam_runs = self._redteam(
            name, to_models, from_models, gates.redteam_margin, gates.confidence
        )
        return facts

    def _redteam(
        self,
        name: str,
        to_models: frozenset[str],
        from_models: frozenset[str],
        margin: float,
        conf: float = 0.95,
    ) -> list[RedteamRunFacts]:
        out, read = [], 0
        for run in self.store.list_redteam_runs(name, limit=100):
            models = tuple(run.models or ())
            relevant = run.status == "done" and bool(set(models) & to_models)
            if relevant and read >= _REDTEAM_RUNS_READ:
                continue  # older finished runs cannot be the newest one
            verdict = RedteamVerdict()
            if relevant:
                read += 1
                findings = self.store.redteam_findings(run.id or 0)
                rates = tally(((f.category, f.model, f.success) for f in findings),
                              from_models, to_models)  # fmt: skip
                verdict = redteam_verdict(rates, margin, conf)
            out.append(
                RedteamRunFacts(
                    run.id or 0,
                    run.started_at,
                    run.finished_at,
                    run.status,
                    models,
                    verdict,
                )
            )
        return out

    def _add_reviews(self, workloads: dict[str, WorkloadFacts]) -> None:
        """Item 7's facts by the one review-progress rule (the review page shows the same)."""
        pairs = [
            pair
            for name in workloads
            for pair in self.store.list_review_pairs(workload=name, limit=1_000_000)
        ]
        if not pairs:
            return
        rows = self.store.list_review_verdicts(limit=10_000_000)
        for name, done in review_progress(pairs, rows, workloads).workloads.items():
            facts = workloads[name]
            facts.reviewed_pairs, facts.verdicts = done.reviewed_pairs, done.verdicts
            facts.last_verdict_at = done.last_verdict_at

    def view(self, plan: Plan, *, record: bool = True) -> PlanView:
        """Every item's state now; records evidence changes as events when ``record``."""
        now = self.clock()
        evidence = evaluate(self.facts(plan))
        events = self.store.list_plan_events(plan.name)
        if record:
            new = evidence_events(plan.name, evidence, events, now)
            for event in new:
                event.id = self.store.add_plan_event(event)
            events = [*events, *new]
        return build_view(plan, evidence, events, now)

    # -- ticks by hand --------------------------------------------------------------------------

    def tick(self, plan: Plan, ref: str | int, *, note: str, actor: str) -> ItemState:
        """Mark an item done by hand. The note (why, or where the proof is) is required."""
        return self._manual(plan, ref, "tick", note, actor)

    def untick(self, plan: Plan, ref: str | int, *, note: str, actor: str) -> ItemState:
        """Withdraw a manual tick; the history keeps both events."""
        return self._manual(plan, ref, "untick", note, actor)

    def _manual(self, plan: Plan, ref: str | int, action: str, note: str, actor: str) -> ItemState:
        item = item_by_ref(ref)
        note = note.strip()
        if not note:
            raise ConfigError(f'a manual {action} needs a note: --note "why"')
        if actor == EVIDENCE_ACTOR:
            raise ConfigError(f"the actor name {EVIDENCE_ACTOR!r} is reserved for evidence ticks")
        current = self.view(plan).item(item.number)
        if action == "untick" and not current.has_manual_tick:
            how = "by evidence" if current.done_by == "evidence" else "not ticked"
            raise ConfigError(
                f"item {item.number} ({item.key}) has no manual tick to withdraw ({how})"
            )
        self.store.add_plan_event(
            PlanEvent(
                plan=plan.name,
                item=item.number,
                action="tick" if action == "tick" else "untick",
                actor=actor,
                ts=self.clock(),
                note=note,
                evidence={"status": current.evidence.status, "summary": current.evidence.summary},
            )
        )
        return self.view(plan).item(item.number)
