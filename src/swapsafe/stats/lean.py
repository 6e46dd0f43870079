"""Which way an inconclusive result leans: the one wording and tone every display uses.

An inconclusive verdict's interval straddles the margin. :func:`lean` says which way the
point estimate points: ``likely worse`` when the point estimate is already worse than the
margin allows (only the sample is too small to be sure), ``leans worse`` when it is worse
but within the margin, ``leans better`` / ``no lean`` otherwise. The CLI, the markdown and
HTML reports and the web pages all render its ``text`` and ``tone``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

LeanKind = Literal["likely_worse", "leans_worse", "leans_better", "no_lean"]
Tone = Literal["warn", "neutral"]  # "warn": red-orange, "neutral": the inconclusive yellow


@dataclass(frozen=True)
class Lean:
    kind: LeanKind
    text: str
    tone: Tone


def lean(worse_by: float, margin: float) -> Lean:
    """``worse_by``: how much worse the candidate's point estimate is than the baseline's (a
    fraction, positive = worse); ``margin``: the tolerated worsening (a fraction)."""
    if math.isnan(worse_by):
        return Lean("no_lean", "no estimate yet", "neutral")
    if worse_by > margin:
        return Lean("likely_worse", "likely worse, not enough cases", "warn")
    if worse_by > 0:
        return Lean("leans_worse", "leans worse, within the margin", "neutral")
    if worse_by < 0:
        return Lean("leans_better", "leans better", "neutral")
    return Lean("no_lean", "no lean either way", "neutral")
