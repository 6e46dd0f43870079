"""Inline SVG charts without a library (pure): numbers in, coordinates out.

Templates draw the SVG elements themselves from these values, so every label stays escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: float


@dataclass(frozen=True)
class Trend:
    width: int
    height: int
    points: tuple[Point, ...]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def trend(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: int = 220,
    height: int = 48,
    pad: int = 4,
    low: float = 0.0,
    high: float = 1.0,
) -> Trend:
    """Points of a line chart of ``values`` on a fixed ``low..high`` scale."""
    n = len(values)
    span = (high - low) or 1.0
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    points = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = pad + (inner_w * i / (n - 1) if n > 1 else inner_w / 2)
        clamped = min(max(value, low), high)
        y = pad + inner_h * (1 - (clamped - low) / span)
        points.append(Point(x, y, label, value))
    return Trend(width, height, tuple(points))
