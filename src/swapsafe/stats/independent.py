"""Two independent proportions (e.g. attack success of two models on their own probes).

:func:`newcombe_diff_ci`: Newcombe (1998) method 10, the hybrid score interval of
``p_new - p_old`` built from the two Wilson intervals. Its bounds at two-sided confidence
``conf`` are one-sided tests at level ``(1 - conf) / 2``.
"""

from __future__ import annotations

import math

from swapsafe.stats.proportions import Interval, wilson


def newcombe_diff_ci(
    new_k: float, new_n: float, old_k: float, old_n: float, conf: float = 0.95
) -> Interval:
    """``new_k/new_n - old_k/old_n`` with its Newcombe hybrid score CI (NaN when a side is 0)."""
    if new_n <= 0 or old_n <= 0:
        return Interval(math.nan, -1.0, 1.0, 0)
    p_new, p_old = new_k / new_n, old_k / old_n
    l_new, u_new = wilson(new_k, new_n, conf)
    l_old, u_old = wilson(old_k, old_n, conf)
    diff = p_new - p_old
    low = diff - math.sqrt((p_new - l_new) ** 2 + (u_old - p_old) ** 2)
    high = diff + math.sqrt((u_new - p_new) ** 2 + (p_old - l_old) ** 2)
    return Interval(diff, max(-1.0, low), min(1.0, high), int(min(new_n, old_n)))
