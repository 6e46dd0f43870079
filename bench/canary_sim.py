"""Simulated canary holds: false-alarm rate and detection delay of the canary analysis.

Each hold has ``--looks`` looks (one per ``[rollout] interval``); at each look the canary
and the baseline cohorts have grown by ``traffic`` and ``traffic x ratio`` requests (ratio 99
is a 1% canary). Baseline: 2% errors, log-normal latency. Three ways to judge a hold:

- ``sequential``: the always-valid canary-vs-baseline comparison of the hold
  (:mod:`swapsafe.stats.sequential`, margins 1 pt error rate / 5 pt slow share, alpha 0.05)
  (latency scenarios cap the baseline at 9 requests per canary request to bound memory)
- ``absolute``: the old analysis, absolute triggers only (error rate above 5% or p95 above
  1.5x the baseline's true p95, in the hold or in the last interval, each with >= 50 requests)
- ``shipped``: both, as the controller runs them (the absolute triggers stay hard guards)

    python bench/canary_sim.py                  # 2,000 holds of 20 looks per row, ~3 minutes
    python bench/canary_sim.py --holds 500 --traffic 100
    python bench/canary_sim.py --error-above 0.1 --only "error rate"   # a higher hard ceiling
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from swapsafe.stats.sequential import difference_cs, mixing_scale

BASE_ERROR = 0.02
ERROR_ABOVE = 0.05
P95_FACTOR = 1.5
MIN_SAMPLES = 50
ERROR_MARGIN = 0.01
LATENCY_MARGIN = 0.05
ALPHA = 0.05
SIGMA = 0.5  # log-normal latency shape; the baseline's p95 is exp(1.645 * SIGMA)
LATENCY_RATIO = 9  # at most this many baseline per canary request in latency scenarios (memory)
FLOATS = 4_000_000  # latency samples held at once

Bool2D = NDArray[np.bool_]


@dataclass(frozen=True)
class Scenario:
    name: str
    error: float  # canary error rate
    slowdown: float = 1.0  # canary latency = baseline latency x slowdown
    latency: bool = False  # judge latency (else the error rate)


SCENARIOS = [
    Scenario("equal (false alarm)", BASE_ERROR),
    Scenario("1.5x error rate", 1.5 * BASE_ERROR),
    Scenario("2x error rate", 2 * BASE_ERROR),
    Scenario("3x error rate", 3 * BASE_ERROR),
    Scenario("equal latency (false alarm)", BASE_ERROR, 1.0, latency=True),
    Scenario("latency x1.3", BASE_ERROR, 1.3, latency=True),
]


def _error_breaches(
    rng: np.random.Generator,
    sc: Scenario,
    holds: int,
    looks: int,
    m: int,
    ratio: int,
    error_above: float = ERROR_ABOVE,
) -> tuple[Bool2D, Bool2D]:
    """(sequential, absolute) breach at each look on the error rate, shape (holds, looks)."""
    new_c = rng.binomial(m, sc.error, (holds, looks))
    kc = new_c.cumsum(axis=1)
    kb = rng.binomial(m * ratio, BASE_ERROR, (holds, looks)).cumsum(axis=1)
    n = np.arange(1, looks + 1)
    tau = mixing_scale(ERROR_MARGIN)
    _, lower, _ = difference_cs(kc, m * n, kb, m * ratio * n, alpha=ALPHA, tau=tau)
    hold = (m * n >= MIN_SAMPLES) & (kc / (m * n) > error_above)
    recent = (m >= MIN_SAMPLES) & (new_c / m > error_above)
    return lower > ERROR_MARGIN, hold | recent


def _latency_chunk(
    rng: np.random.Generator, sc: Scenario, holds: int, looks: int, m: int, ratio: int
) -> tuple[Bool2D, Bool2D]:
    """(sequential, absolute) breach at each look on latency for ``holds`` holds."""
    seq = np.zeros((holds, looks), dtype=bool)
    absolute = np.zeros((holds, looks), dtype=bool)
    limit = P95_FACTOR * math.exp(1.645 * SIGMA)
    tau = mixing_scale(LATENCY_MARGIN)
    base = np.exp(SIGMA * rng.standard_normal((holds, looks * m * ratio)))
    canary = sc.slowdown * np.exp(SIGMA * rng.standard_normal((holds, looks * m)))
    for i in range(looks):
        nb, nc = (i + 1) * m * ratio, (i + 1) * m
        b, c = base[:, :nb], canary[:, :nc]
        rank = max(math.ceil(0.95 * nb) - 1, 0)  # nearest rank, as the store computes it
        q = np.partition(b, rank, axis=1)[:, rank : rank + 1]
        _, lower, _ = difference_cs(
            (c > q).sum(axis=1), nc, (b > q).sum(axis=1), nb, alpha=ALPHA, tau=tau
        )
        seq[:, i] = lower > LATENCY_MARGIN
        rc = max(math.ceil(0.95 * nc) - 1, 0)
        hold_p95 = np.partition(c, rc, axis=1)[:, rc]
        recent = c[:, i * m : nc]
        rr = max(math.ceil(0.95 * m) - 1, 0)
        recent_p95 = np.partition(recent, rr, axis=1)[:, rr]
        absolute[:, i] = ((nc >= MIN_SAMPLES) & (hold_p95 > limit)) | (
            (m >= MIN_SAMPLES) & (recent_p95 > limit)
        )
    return seq, absolute


def _latency_breaches(
    rng: np.random.Generator, sc: Scenario, holds: int, looks: int, m: int, ratio: int
) -> tuple[Bool2D, Bool2D]:
    ratio = min(ratio, LATENCY_RATIO)
    chunk = max(1, FLOATS // (looks * m * (ratio + 1)))
    parts = [
        _latency_chunk(rng, sc, min(chunk, holds - start), looks, m, ratio)
        for start in range(0, holds, chunk)
    ]
    return np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])


def summarise(breach: Bool2D) -> tuple[float, float | None]:
    """(share of holds that breach at some look, median look of the first breach)."""
    hit = breach.any(axis=1)
    if not hit.any():
        return 0.0, None
    first = breach.argmax(axis=1)[hit] + 1
    return float(hit.mean()), float(np.median(first))


def _cell(share: float, median: float | None) -> str:
    look = "-" if median is None else f"{median:g}"
    return f"{100 * share:5.1f}% @ {look:>4}"


def run(
    holds: int,
    looks: int,
    traffic: list[int],
    ratio: int,
    seed: int,
    error_above: float = ERROR_ABOVE,
    only: str = "",
) -> list[str]:
    rng = np.random.default_rng(seed)
    lines = [
        f"{holds} holds x {looks} looks; baseline {100 * BASE_ERROR:g}% errors, "
        f"{ratio} baseline requests per canary request; error_rate_above "
        f"{100 * error_above:g}%; cells: share of holds that breach "
        "@ median look of the breach",
        "",
        "| canary req/look | scenario | sequential | absolute (old) | shipped (both) |",
        "|---:|---|---:|---:|---:|",
    ]
    for m in traffic:
        for sc in SCENARIOS:
            if only not in sc.name:
                continue
            sim: Callable[..., tuple[Bool2D, Bool2D]] = (
                _latency_breaches if sc.latency else _error_breaches
            )
            seq, absolute = sim(rng, sc, holds, looks, m, ratio, error_above)
            cells = [_cell(*summarise(b)) for b in (seq, absolute, seq | absolute)]
            lines.append(f"| {m} | {sc.name} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--holds", type=int, default=2000)
    parser.add_argument("--looks", type=int, default=20)
    parser.add_argument("--traffic", type=int, nargs="+", default=[20, 100, 500])
    parser.add_argument("--ratio", type=int, default=99, help="baseline per canary request")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--error-above", type=float, default=ERROR_ABOVE, help="absolute trigger")
    parser.add_argument("--only", default="", help="scenarios whose name contains this")
    args = parser.parse_args()
    started = time.perf_counter()
    lines = run(
        args.holds, args.looks, args.traffic, args.ratio, args.seed, args.error_above, args.only
    )
    for line in lines:
        print(line)
    print(f"\n({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
