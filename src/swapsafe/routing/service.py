"""The only writer of routing state: CLI, admin API, web buttons and the rollout controller call it.

Every change writes the new state, an audit entry and a change notification in one store
transaction (see ``Store.set_routing_state``), so every gateway replica follows within a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

from swapsafe.exceptions import RoutingError
from swapsafe.routing.transitions import plan_transition, rollback_state
from swapsafe.store.protocol import Store
from swapsafe.store.records import RoutingState


class RoutingService:
    """Reads and changes routing state for the workloads named in the config.

    ``candidates`` maps each configured workload to whether it has a candidate model.
    """

    def __init__(self, store: Store, candidates: Mapping[str, bool]) -> None:
        self.store = store
        self.candidates = dict(candidates)

    def _known(self, workload: str) -> None:
        if workload not in self.candidates:
            known = ", ".join(sorted(self.candidates)) or "(none configured)"
            raise RoutingError(f"unknown workload {workload!r}; known workloads: {known}")

    def states(self) -> dict[str, RoutingState]:
        """State of every configured workload (defaults for ones never changed)."""
        stored = self.store.get_routing_states()
        return {w: stored.get(w) or RoutingState(workload=w) for w in sorted(self.candidates)}

    def get(self, workload: str) -> RoutingState:
        self._known(workload)
        return self.states()[workload]

    def set(
        self,
        workload: str,
        *,
        mode: str,
        weight: float | None = None,
        shadow: bool | None = None,
        actor: str,
        reason: str,
    ) -> RoutingState:
        """Validate and apply a change; nothing is written when it is refused."""
        self._known(workload)
        if not reason.strip():
            raise RoutingError("a reason is required for every routing change (--reason)")
        current = self.get(workload)
        target = plan_transition(
            current,
            mode=mode,
            weight=weight,
            shadow=shadow,
            has_candidate=self.candidates[workload],
        )
        return self.store.set_routing_state(
            target, actor=actor, reason=reason, expected_version=current.version
        )

    def rollback(self, workload: str, *, actor: str, reason: str) -> RoutingState:
        """One action: mode rolled_back, weight 0, shadow off."""
        self._known(workload)
        current = self.get(workload)
        return self.store.set_routing_state(
            rollback_state(current),
            actor=actor,
            reason=reason or "rollback",
            expected_version=current.version,
        )


def describe(state: RoutingState) -> dict[str, object]:
    """A JSON-ready view of a state (for the admin API and CLI)."""
    d = asdict(state)
    d["updated_at"] = state.updated_at.isoformat() if state.updated_at else None
    return d
