"""Shadow calls yield first when the worker is busy: the admission rule, the loop-lag signal
and the coverage definition, with an injected lag source (no loaded loop, no wall clock)."""

from __future__ import annotations

import asyncio
import time

import pytest

from swapsafe.gateway.loop_lag import LoopLagMonitor
from swapsafe.gateway.metrics import GatewayMetrics
from swapsafe.gateway.shadow import ShadowDispatcher
from swapsafe.store.coverage import SHADOWED, SKIP_REASONS, ShadowCoverage


class FixedLag:
    """A lag source that reports what the test sets."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds

    def lag(self) -> float:
        return self.seconds


def dispatcher(lag: FixedLag, **kw: object) -> ShadowDispatcher:
    options: dict[str, object] = {
        "sample_rate": 1.0,
        "max_concurrency": 8,
        "timeout": 1.0,
        "daily_budget_usd": None,
        "metrics": GatewayMetrics(),
        "max_loop_lag": 0.02,
        "max_served_in_flight": 4,
        "lag": lag,
    } | kw
    return ShadowDispatcher(**options)  # type: ignore[arg-type]


def test_loop_lag_above_the_bound_skips_below_it_shadows() -> None:
    lag = FixedLag(0.021)
    d = dispatcher(lag)
    assert d.admit() == "busy_lag"
    lag.seconds = 0.02  # at the bound is not over it
    assert d.admit() == SHADOWED
    lag.seconds = 0.0
    assert d.admit() == SHADOWED


def test_served_in_flight_above_the_bound_skips_below_it_shadows() -> None:
    d = dispatcher(FixedLag(0.0))
    d.served_in_flight = 5
    assert d.admit() == "busy_in_flight"
    d.served_in_flight = 4
    assert d.admit() == SHADOWED


def test_yield_off_never_skips_for_busyness() -> None:
    d = dispatcher(FixedLag(10.0), yield_when_busy=False)
    d.served_in_flight = 10_000
    assert d.admit() == SHADOWED


def test_lag_is_checked_before_in_flight_and_the_caps_after_both() -> None:
    d = dispatcher(FixedLag(1.0), max_concurrency=1)
    d.served_in_flight, d.in_flight = 100, 1
    assert d.admit() == "busy_lag"
    d.lag = FixedLag(0.0)
    assert d.admit() == "busy_in_flight"
    d.served_in_flight = 0
    assert d.admit() == "concurrency_cap"
    d.in_flight = 0
    d.daily_budget_usd, d.spent_today = 1.0, 1.0
    assert d.admit() == "budget"


def test_outcomes_are_counted_in_metrics_and_give_the_coverage() -> None:
    metrics = GatewayMetrics()
    d = dispatcher(FixedLag(), metrics=metrics)
    for outcome in [SHADOWED, SHADOWED, "busy_lag", "busy_lag", "busy_lag", "budget"]:
        d.count("chat", outcome)
    d.count("other", SHADOWED)
    text = metrics.render()
    assert 'swapsafe_shadow_shadowed_total{workload="chat"} 2' in text
    assert 'swapsafe_shadow_skipped_total{workload="chat",reason="busy_lag"} 3' in text
    cov = d.coverage()
    assert cov["chat"].ratio == pytest.approx(2 / 6)
    assert cov["chat"].skipped == {"busy_lag": 3, "budget": 1}
    assert cov["other"].ratio == 1.0


def test_coverage_summary_reads_like_the_report() -> None:
    cov = ShadowCoverage(
        "support", {SHADOWED: 5812, "busy_lag": 8000, "busy_in_flight": 100, "budget": 258}
    )
    assert cov.served == 14_170
    assert cov.summary() == (
        "shadow coverage 41% (5,812 of 14,170 served requests; 8,358 skipped: "
        "busy_lag 8,000, budget 258, busy_in_flight 100)"
    )
    assert ShadowCoverage("s", {SHADOWED: 3}).summary() == (
        "shadow coverage 100% (3 of 3 served requests)"
    )
    assert ShadowCoverage("s").ratio is None
    # never rounded to a whole 100% or 0% that it is not
    assert (
        ShadowCoverage("s", {SHADOWED: 999, "budget": 1})
        .summary()
        .startswith("shadow coverage 99.9%")
    )
    assert (
        ShadowCoverage("s", {SHADOWED: 1, "budget": 99_999})
        .summary()
        .startswith("shadow coverage <0.1%")
    )


def test_every_skip_reason_is_documented_in_the_metric_help() -> None:
    help_text = GatewayMetrics().shadow_skipped.help
    assert all(reason in help_text for reason in SKIP_REASONS)


def test_lag_monitor_reports_its_timer_lateness() -> None:
    m = LoopLagMonitor(interval=0.01)
    m.observe(due=10.0, now=10.035)
    assert m.last == pytest.approx(0.035)
    m.observe(due=10.0, now=9.999)  # early (clock resolution) is on time
    assert m.last == 0.0


def test_lag_monitor_read_outside_a_loop_is_zero() -> None:
    assert LoopLagMonitor().lag() == 0.0  # e.g. /metrics rendered from synchronous code


async def test_lag_monitor_sees_a_blocked_loop() -> None:
    m = LoopLagMonitor(interval=0.005)
    m.start()
    try:
        ticks = m.ticks
        while m.ticks == ticks:  # the timer is running
            await asyncio.sleep(0.001)
        time.sleep(0.1)  # hold the loop: the next tick fires at least ~95 ms late
        ticks = m.ticks
        while m.ticks == ticks:
            await asyncio.sleep(0.001)
        assert m.lag() >= 0.09
    finally:
        m.stop()


def test_config_keys_and_their_defaults() -> None:
    from swapsafe.config.models import ShadowConfig

    default = ShadowConfig()
    assert (default.yield_when_busy, default.max_loop_lag, default.max_served_in_flight) == (
        True,
        0.02,
        1000,
    )
    custom = ShadowConfig(yield_when_busy=False, max_loop_lag="5ms", max_served_in_flight=64)
    assert (custom.yield_when_busy, custom.max_loop_lag, custom.max_served_in_flight) == (
        False,
        0.005,
        64,
    )
