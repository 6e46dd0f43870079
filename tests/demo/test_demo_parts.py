"""Pure parts of the demo: verdict rule, compressed clock, labels, cohort users, phase runner."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console

from swapsafe.demo.clock import CompressedClock, gateway_on_clock
from swapsafe.demo.context import DemoContext, DemoOptions
from swapsafe.demo.local_provider import LocalModelProvider
from swapsafe.demo.orchestrate import Phase, run_demo
from swapsafe.demo.phases_outputs import label_demo_review
from swapsafe.demo.phases_rollout import users_for
from swapsafe.demo.ui import DemoUI, fmt_seconds
from swapsafe.demo.verdict_rule import REVIEWER, judge
from swapsafe.exceptions import SwapsafeError
from swapsafe.gateway.proxy import utc_now
from swapsafe.gateway.router import bucket
from swapsafe.testing import ScriptedProvider

# -- the demo's review rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workload", "old", "new", "verdict"),
    [
        ("ticket-sentiment", "negative", "Negative.", "same"),
        ("ticket-sentiment", "negative", "The sentiment is negative", "old_better"),
        ("ticket-sentiment", "I think so", "neutral", "new_better"),
        ("ticket-sentiment", None, "positive or negative", "both_bad"),
        ("ticket-sentiment", '{"sentiment": "neutral"}', '{"sentiment": "calm"}', "old_better"),
        ("ticket-sentiment", '{"label": "neutral"}', '{ "sentiment" : "positive"}', "new_better"),
        (
            "order-extract",
            '{"name": "A B", "product": "lamp", "quantity": 3}',
            "```json{}```",
            "old_better",
        ),
        (
            "order-extract",
            '{"name": "A", "product": "x", "quantity": "3"}',
            '{"name": "A", "product": "x", "quantity": 3}',
            "new_better",
        ),
        ("quick-facts", "Paris", "Paris is the capital of France.", "same"),
        ("quick-facts", "", "What do you mean?", "both_bad"),
    ],
)
def test_the_rule_judges_the_answer_format(
    workload: str, old: str | None, new: str, verdict: str
) -> None:
    got, note = judge(workload, old, new)
    assert got == verdict
    assert note.startswith("demo rule:")


def test_the_reviewer_name_says_it_is_not_a_human() -> None:
    assert "not a human" in REVIEWER


def test_report_is_labelled_as_a_demo() -> None:
    text = label_demo_review("# Go/no-go\n\n### Human review\n\n| verdict | n |\n")
    assert text.startswith("> Produced by `swapsafe demo`")
    assert "### Human review" not in text
    assert f"### Review verdicts (from the rule {REVIEWER!r}, not human review)" in text


# -- the compressed clock --------------------------------------------------------------------------


class _Ticks:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_clock_runs_at_real_speed_and_skips_holds() -> None:
    wall = datetime(2025, 6, 1, 12, tzinfo=UTC)
    ticks = _Ticks()
    clock = CompressedClock(wall - timedelta(hours=100), monotonic=ticks, wall=lambda: wall)
    start = clock.now()
    ticks.t += 30
    assert clock.now() - start == timedelta(seconds=30)
    clock.skip(48 * 3600)
    assert clock.now() - start == timedelta(hours=48, seconds=30)
    clock.skip(1000 * 3600)  # never past the wall clock
    assert clock.now() == wall


async def test_clock_sleep_skips_instead_of_waiting() -> None:
    clock = CompressedClock.ending_now(3600)
    before = clock.now()
    await clock.sleep(1800)
    assert clock.now() - before >= timedelta(seconds=1800)
    assert clock.now() <= datetime.now(UTC)


def test_gateway_stamps_traces_on_the_demo_clock_inside_only() -> None:
    class Clocked:  # the seam gateway_on_clock uses: Gateway.clock
        clock = staticmethod(utc_now)

    gateway = Clocked()
    clock = CompressedClock(datetime(2024, 1, 1, tzinfo=UTC))
    with gateway_on_clock(clock, gateway):  # type: ignore[arg-type]
        stamped = gateway.clock()
        assert stamped.year == 2024 and stamped.tzinfo is not None
    assert gateway.clock is utc_now
    assert gateway.clock().year >= 2025


# -- canary users ----------------------------------------------------------------------------------


def test_users_for_land_inside_and_outside_the_cohort() -> None:
    import random

    rng = random.Random(1)
    inside = users_for("quick-facts", 1.0, True, 4, rng)
    outside = users_for("quick-facts", 1.0, False, 4, rng)
    assert len(set(inside)) == 4 and len(set(outside)) == 4
    assert all(bucket("quick-facts", u) < 100 for u in inside)
    assert all(bucket("quick-facts", u) >= 100 for u in outside)


# -- bounded provider ------------------------------------------------------------------------------


async def test_local_provider_caps_unbounded_requests_and_fixes_null_content() -> None:
    inner = ScriptedProvider("m")
    inner.enqueue("a")
    inner.enqueue("b")
    local = LocalModelProvider(inner, 7)
    assert (local.name, local.wire) == ("m", inner.wire)
    tool_turn = {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]}
    messages = [{"role": "user", "content": "hi"}, tool_turn]
    await local.complete({"model": "m", "messages": messages}, deadline=1e12)
    await local.complete({"model": "m", "messages": [], "max_tokens": 3}, deadline=1e12)
    bodies = [call.body for call in inner.calls]
    assert bodies[0]["max_tokens"] == 7 and bodies[1]["max_tokens"] == 3
    assert bodies[0]["messages"][1] == {**tool_turn, "content": ""}
    assert tool_turn["content"] is None  # the caller's message is not changed


# -- the phase runner ------------------------------------------------------------------------------


def _ui() -> tuple[DemoUI, io.StringIO]:
    out = io.StringIO()
    return DemoUI(Console(file=out, width=200, color_system=None)), out


def test_missing_modules_are_skipped_and_failures_reported(tmp_path: Any) -> None:
    ran: list[str] = []

    def ok(ctx: DemoContext) -> None:
        ran.append("ok")

    def broken(ctx: DemoContext) -> None:
        raise SwapsafeError("the store is down")

    plan = [
        Phase("first", "First", ok, required=True),
        Phase("later", "Later", ok, "swapsafe.no_such_module"),
        Phase("broken", "Broken", broken, "swapsafe.config"),
        Phase("last", "Last", ok, "swapsafe.config"),
        Phase("web", "Web", ok, only_if=lambda o: o.serve),
    ]
    ui, out = _ui()
    ctx = run_demo(DemoOptions(dir=tmp_path), ui, plan)
    text = out.getvalue()
    assert ran == ["ok", "ok"]
    assert "skipped: swapsafe.no_such_module not available in this build" in text
    assert "failed: the store is down" in text
    assert [(k, s) for k, s, _ in ctx.outcomes] == [
        ("first", "done"),
        ("later", "skipped"),
        ("broken", "failed"),
        ("last", "done"),
    ]
    assert "Phase 4/4" in text  # the --serve phase is not counted without --serve


def test_a_required_phase_failure_ends_the_demo(tmp_path: Any) -> None:
    def broken(ctx: DemoContext) -> None:
        raise SwapsafeError("no servers")

    after: list[str] = []
    plan = [
        Phase("servers", "S", broken, required=True),
        Phase("x", "X", lambda c: after.append("x")),
    ]
    ui, _ = _ui()
    with pytest.raises(SwapsafeError, match="no servers"):
        run_demo(DemoOptions(dir=tmp_path), ui, plan)
    assert after == []


def test_fmt_seconds() -> None:
    assert fmt_seconds(4.26) == "4.3s"
    assert fmt_seconds(125) == "2m05s"
