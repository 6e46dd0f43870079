"""One gate's result, and how every display labels and colours it (CLI, report, web)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from swapsafe.stats import Lean

Status = Literal["pass", "fail", "inconclusive"]
Number = float | int | str | None


@dataclass(frozen=True)
class GateResult:
    name: str  # one of GATE_NAMES
    status: Status
    detail: str  # the numbers behind it, or what to run when evidence is missing
    numbers: dict[str, Number]
    lean: Lean | None = None  # an inconclusive verdict: which way the data lean

    @property
    def label(self) -> str:
        """The status as every display shows it (an inconclusive one with its lean)."""
        if self.status == "inconclusive" and self.lean is not None:
            return f"inconclusive: {self.lean.text}"
        return self.status

    @property
    def tone(self) -> str:
        """CSS / colour class: pass, fail, inconclusive, or likely-worse (red-orange)."""
        if self.status == "inconclusive" and self.lean is not None and self.lean.tone == "warn":
            return "likely-worse"
        return self.status
