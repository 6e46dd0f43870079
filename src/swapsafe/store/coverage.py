"""Shadow coverage: the share of served requests in shadow mode that got a shadow call.

Every served request the gateway handles while its workload is in shadow mode ends with one
*shadow outcome*: ``shadowed`` (the shadow call was started) or the reason it was skipped. The
outcome is stored on the served trace row (``traces.shadow_outcome``; NULL when no shadow was
due) and counted in ``/metrics``. :class:`ShadowCoverage` is the one definition of coverage:
the store builds it from trace rows (the report), the gateway from its counters (``/metrics``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: the outcome of a served request whose shadow call was started
SHADOWED = "shadowed"

#: why a due shadow call was not made, in the order the gateway checks them
SKIP_REASONS = (
    "sampled_out",  # [shadow] sample_rate
    "busy_lag",  # the event loop is late by more than [shadow] max_loop_lag
    "busy_in_flight",  # more than [shadow] max_served_in_flight served requests in flight
    "concurrency_cap",  # [shadow] max_concurrency shadow calls already running
    "budget",  # [shadow] daily_budget_usd spent for the UTC day
    "untranslatable",  # the request cannot be translated to the candidate's wire format
)


@dataclass(frozen=True)
class ShadowCoverage:
    """Served requests of one workload in shadow mode, by shadow outcome."""

    workload: str
    outcomes: Mapping[str, int] = field(default_factory=dict)  # outcome -> served requests

    @property
    def shadowed(self) -> int:
        return self.outcomes.get(SHADOWED, 0)

    @property
    def served(self) -> int:
        """Served requests that were due a shadow call (shadowed or skipped)."""
        return sum(self.outcomes.values())

    @property
    def skipped(self) -> dict[str, int]:
        """Skipped shadow calls by reason (reasons with none left out), largest first."""
        out = {k: v for k, v in self.outcomes.items() if k != SHADOWED and v}
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def ratio(self) -> float | None:
        """Shadowed / served in shadow mode; None when no served request was due a shadow."""
        return self.shadowed / self.served if self.served else None

    def summary(self) -> str:
        """E.g. ``shadow coverage 41% (5,812 of 14,170 served requests; 8,358 skipped:
        busy_lag 8,100, budget 258)``."""
        if self.ratio is None:
            return "shadow coverage: no served request in shadow mode recorded"
        text = (
            f"shadow coverage {_percent(self.ratio)} "
            f"({self.shadowed:,} of {self.served:,} served requests"
        )
        skipped = self.skipped
        if skipped:
            reasons = ", ".join(f"{k} {v:,}" for k, v in skipped.items())
            text += f"; {sum(skipped.values()):,} skipped: {reasons}"
        return text + ")"


def _percent(ratio: float) -> str:
    """Whole percent, but never rounded up to 100% or down to 0% when it is not exactly that."""
    pct = 100 * ratio
    if 99 < pct < 100:
        return f"{pct:.1f}%" if pct < 99.95 else ">99.9%"
    if 0 < pct < 1:
        return f"{pct:.1f}%" if pct >= 0.05 else "<0.1%"
    return f"{pct:.0f}%"
