"""Allowed routing transitions and the routing service (state + audit in one write)."""

from __future__ import annotations

import pytest

from swapsafe.exceptions import RoutingError
from swapsafe.routing.service import RoutingService
from swapsafe.routing.transitions import plan_transition
from swapsafe.store import open_store
from swapsafe.store.records import RoutingState

S0 = RoutingState(workload="w")


@pytest.mark.parametrize(
    ("mode", "weight", "shadow", "expected"),
    [
        ("shadow", None, None, ("shadow", 0.0, True)),
        ("canary", 1, True, ("canary", 1.0, True)),
        ("canary", None, None, ("canary", 1.0, False)),
        ("canary", 12.345, None, ("canary", 12.35, False)),
        ("promoted", None, True, ("promoted", 100.0, True)),
        ("baseline", 0, True, ("baseline", 0.0, True)),
        ("baseline", None, None, ("baseline", 0.0, False)),
        ("rolled_back", None, None, ("rolled_back", 0.0, False)),
    ],
)
def test_allowed(mode: str, weight: float | None, shadow: bool | None, expected: tuple) -> None:  # type: ignore[type-arg]
    s = plan_transition(S0, mode=mode, weight=weight, shadow=shadow, has_candidate=True)
    assert (s.mode, s.weight, s.shadow) == expected


def test_omitted_shadow_takes_the_modes_default() -> None:
    shadowing = RoutingState(workload="w", mode="shadow", shadow=True)
    cases = {"baseline": False, "canary": True, "promoted": True, "rolled_back": False}
    for mode, expected in cases.items():
        s = plan_transition(shadowing, mode=mode, has_candidate=True)
        assert s.shadow is expected, mode


@pytest.mark.parametrize(
    ("mode", "weight", "shadow", "has_candidate", "message"),
    [
        ("canary", 150, None, True, "weight 150 is outside 0-100"),
        ("canary", -1, None, True, "weight -1 is outside 0-100"),
        ("canary", 100, None, True, "between 0 and 100 exclusive"),
        ("canary", 5, None, False, "has no candidate model"),
        ("shadow", None, None, False, "has no candidate model"),
        ("baseline", 10, None, True, "weight must be 0"),
        ("promoted", 50, None, True, "weight must be 100"),
        ("shadow", None, False, True, "drop --no-shadow"),
        ("rolled_back", None, True, True, "drop --shadow"),
        ("sideways", None, None, True, "unknown mode 'sideways'"),
    ],
)
def test_refused(
    mode: str, weight: float | None, shadow: bool | None, has_candidate: bool, message: str
) -> None:
    with pytest.raises(RoutingError, match=message):
        plan_transition(S0, mode=mode, weight=weight, shadow=shadow, has_candidate=has_candidate)


def test_service_writes_state_and_audit(store_url: str) -> None:
    store = open_store(store_url)
    try:
        svc = RoutingService(store, {"support": True, "faq": False})
        s = svc.set("support", mode="canary", weight=5, shadow=True, actor="cli:me", reason="go")
        assert (s.mode, s.weight, s.shadow, s.version) == ("canary", 5.0, True, 1)
        s = svc.rollback("support", actor="cli:me", reason="errors")
        assert (s.mode, s.weight, s.shadow, s.version) == ("rolled_back", 0.0, False, 2)
        audit = store.list_audit(workload="support")
        assert [a.reason for a in audit] == ["errors", "go"]
        assert audit[0].before is not None and audit[0].before["mode"] == "canary"
        assert audit[0].after is not None and audit[0].after["mode"] == "rolled_back"
        version = store.routing_version()
        with pytest.raises(RoutingError, match="known workloads: faq, support"):
            svc.rollback("nope", actor="x", reason="y")
        with pytest.raises(RoutingError, match="no candidate"):
            svc.set("faq", mode="canary", weight=1, actor="x", reason="y")
        with pytest.raises(RoutingError, match="reason is required"):
            svc.set("support", mode="shadow", actor="x", reason=" ")
        assert store.routing_version() == version  # nothing written when refused
        assert svc.states()["faq"].mode == "baseline"
    finally:
        store.close()
