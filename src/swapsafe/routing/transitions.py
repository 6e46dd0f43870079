"""Allowed routing transitions (pure).

A workload's routing state is ``(mode, weight, shadow)``; ``weight`` is the candidate's share of
traffic in percent (granularity 0.01 %). Each mode pins what the other two may be:

=============  ==========================  ==========================================
mode           weight                      shadow
=============  ==========================  ==========================================
baseline       0                           off unless asked for (``shadow=True``)
shadow         0                           always on: candidate sees 100 % in shadow
canary         0 < weight < 100            optional (the non-serving side shadowed)
promoted       100                         optional (the old model shadowed)
rolled_back    0                           off
=============  ==========================  ==========================================

``shadow=None`` (no ``--shadow``/``--no-shadow``) means the mode's default: off for
``baseline`` ("serve the baseline only"), on for ``shadow``, off for ``rolled_back``, and the
current setting for ``canary`` and ``promoted`` (a step of a rollout keeps its shadowing).
:func:`shadow_rule` says it in words for the CLI.

Every mode but ``baseline`` and ``rolled_back`` needs a candidate model in the config.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import get_args

from swapsafe.exceptions import RoutingError
from swapsafe.store.records import Mode, RoutingState

MODES: tuple[str, ...] = get_args(Mode)


def check_weight(weight: float) -> float:
    """Validate a candidate weight in percent and round it to 0.01 %."""
    if not isinstance(weight, int | float) or math.isnan(weight) or not 0 <= weight <= 100:
        raise RoutingError(f"weight {weight} is outside 0-100; give the candidate share in percent")
    return round(float(weight), 2)


def plan_transition(
    current: RoutingState,
    *,
    mode: str,
    weight: float | None = None,
    shadow: bool | None = None,
    has_candidate: bool,
) -> RoutingState:
    """Return the state after the change, or raise RoutingError saying why it is refused."""
    if mode not in MODES:
        raise RoutingError(f"unknown mode {mode!r}; use one of: {', '.join(MODES)}")
    if mode not in ("baseline", "rolled_back") and not has_candidate:
        raise RoutingError(
            f"workload {current.workload} has no candidate model; set "
            f'[workloads.{current.workload}] candidate = "..." before mode {mode}'
        )
    w = None if weight is None else check_weight(weight)
    if mode in ("baseline", "shadow", "rolled_back"):
        if w not in (None, 0.0):
            raise RoutingError(f"mode {mode} serves only the baseline; weight must be 0, not {w}")
        w = 0.0
    elif mode == "promoted":
        if w not in (None, 100.0):
            raise RoutingError(
                f"mode promoted serves only the candidate; weight must be 100, not {w}"
            )
        w = 100.0
    else:  # canary
        if w is None:
            w = current.weight if 0 < current.weight < 100 else 1.0
        if not 0 < w < 100:
            raise RoutingError(
                f"mode canary needs a weight between 0 and 100 exclusive, not {w}; "
                "use mode baseline for 0 or promoted for 100"
            )
    if mode == "shadow":
        if shadow is False:
            raise RoutingError("mode shadow always shadows the candidate; drop --no-shadow")
        s = True
    elif mode == "rolled_back":
        if shadow:
            raise RoutingError(
                "a rolled-back workload sends nothing to the candidate; drop --shadow"
            )
        s = False
    else:
        kept = current.shadow if mode in ("canary", "promoted") else False
        s = kept if shadow is None else shadow
        if s and not has_candidate:
            raise RoutingError(f"workload {current.workload} has no candidate model to shadow")
    return replace(current, mode=mode, weight=w, shadow=s)  # type: ignore[arg-type]


_SHADOW_RULES = {
    "baseline": "mode baseline shadows only with --shadow",
    "shadow": "mode shadow always shadows the candidate",
    "canary": "mode canary keeps the current shadow setting unless --shadow/--no-shadow",
    "promoted": "mode promoted keeps the current shadow setting unless --shadow/--no-shadow",
    "rolled_back": "a rolled-back workload never shadows",
}


def shadow_rule(mode: str) -> str:
    """How ``mode`` sets shadowing when no ``--shadow``/``--no-shadow`` is given."""
    return _SHADOW_RULES.get(mode, "")


def rollback_state(current: RoutingState) -> RoutingState:
    """The state a rollback writes: mode rolled_back, weight 0, shadow off."""
    return replace(current, mode="rolled_back", weight=0.0, shadow=False)
