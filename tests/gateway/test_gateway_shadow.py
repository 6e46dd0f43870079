"""Shadow calls: paired traces, isolation from the served response, caps and budget."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import orjson
import pytest
from tests.gateway.harness import CLIENT_KEY, Harness
from tests.gateway.test_gateway_shadow_yield import FixedLag

from swapsafe.report import build_report, render_report
from swapsafe.routing.service import RoutingService
from swapsafe.testing import Fault

AUTH = {"authorization": f"Bearer {CLIENT_KEY}"}


def set_mode(h: Harness, workload: str, mode: str, **kw: object) -> None:
    RoutingService(h.store, {"chat": True, "xchat": True}).set(
        workload,
        mode=mode,
        actor="test",
        reason="test",
        **kw,  # type: ignore[arg-type]
    )
    h.app.state.runtime.routing.reload()


async def wait_shadows(h: Harness) -> None:
    tasks = set(h.app.state.runtime.gateway.shadow.tasks)
    if tasks:
        await asyncio.wait(tasks, timeout=10)


async def test_shadow_pair_recorded_with_translated_call(harness: Harness) -> None:
    set_mode(harness, "chat", "shadow")
    completion = await harness.oai.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "pair me"}], user="alice"
    )
    await wait_shadows(harness)
    served = harness.trace(completion.id)
    rows = harness.traces(pair_id=served.pair_id)
    shadow = next(r for r in rows if r.role == "shadow")
    assert len(rows) == 2
    assert shadow.model == "claude" and shadow.provider == "anthropic" and shadow.status == "ok"
    assert shadow.bucket == served.bucket and shadow.request_body == served.request_body
    # the shadow response is stored in the caller's wire format, for like-for-like review
    body = orjson.loads(shadow.response_body or "")
    assert body["choices"][0]["message"]["content"] == "[claude-sonnet-4-5] pair me"
    assert harness.fakes["claude"].requests[-1].body["model"] == "claude-sonnet-4-5"


async def test_the_shadow_call_starts_once_the_served_upstream_has_answered(
    harness: Harness,
) -> None:
    """A shadow call never runs ahead of the request it shadows: while the served upstream
    takes its time the candidate has not been called, and the shadow call is made after."""
    set_mode(harness, "chat", "shadow")
    harness.fakes["gpt"].enqueue_fault(Fault(latency=0.5))
    before = len(harness.fakes["claude"].requests)
    served = asyncio.create_task(
        harness.oai.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "after you"}]
        )
    )
    await asyncio.sleep(0.3)
    assert not served.done()
    assert len(harness.fakes["claude"].requests) == before  # not yet: the served call waits
    completion = await served
    await wait_shadows(harness)
    assert len(harness.fakes["claude"].requests) == before + 1
    served_trace = harness.trace(completion.id)
    shadow = next(r for r in harness.traces(pair_id=served_trace.pair_id) if r.role == "shadow")
    assert shadow.status == "ok"
    # its own clock, started with it: not the time it waited for the served call
    assert shadow.latency_ms is not None and served_trace.latency_ms is not None
    assert shadow.latency_ms < served_trace.latency_ms
    assert harness.app.state.runtime.gateway.shadow.in_flight == 0


async def test_streamed_served_request_gets_full_shadow_response(harness: Harness) -> None:
    set_mode(harness, "xchat", "shadow")
    async with harness.ant.messages.stream(
        model="xchat", max_tokens=20, messages=[{"role": "user", "content": "s"}]
    ) as stream:
        final = await stream.get_final_message()
    await wait_shadows(harness)
    served = harness.trace(final.id)
    shadow = next(r for r in harness.traces(pair_id=served.pair_id) if r.role == "shadow")
    assert shadow.model == "gpt" and shadow.stream is False and shadow.status == "ok"
    assert orjson.loads(shadow.response_body or "")["content"][0]["text"] == "[gpt-4o] s"


@pytest.mark.parametrize(
    "fault",
    [
        Fault(status=500),
        Fault(status=429, retry_after=5),
        Fault(garbage=True),
        Fault(invalid_json=True),
        Fault(reset_before=True),
        Fault(latency=0.3),
        Fault(hang=True),
    ],
    ids=["500", "429", "garbage", "invalid_json", "reset", "slow", "hang"],
)
async def test_shadow_faults_never_touch_the_served_response(
    make_harness,  # type: ignore[no-untyped-def]
    fault: Fault,
) -> None:
    h = await make_harness()
    request = {"model": "chat", "messages": [{"role": "user", "content": "same"}], "user": "bob"}
    off = await h.http.post("/v1/chat/completions", headers=AUTH, json=request)
    set_mode(h, "chat", "shadow")
    h.fakes["claude"].fault = fault
    on = await h.http.post("/v1/chat/completions", headers=AUTH, json=request)
    assert on.status_code == off.status_code == 200
    strip = lambda r: {k: v for k, v in r.json().items() if k not in ("id", "created")}  # noqa: E731
    assert strip(on) == strip(off)
    assert on.headers["x-swapsafe-served-by"] == "gpt"
    await wait_shadows(h)
    shadow_rows = h.traces(role="shadow")
    if not fault.latency:
        assert [r.status for r in shadow_rows] == ["error"]
    assert len(h.fakes["claude"].requests) == 1  # shadow calls are never retried


def _strip(r: httpx.Response) -> dict[str, object]:
    return {k: v for k, v in r.json().items() if k not in ("id", "created")}


@pytest.mark.parametrize("saturation", ["slots_full", "worker_busy"])
async def test_saturated_shadow_side_never_touches_the_served_response(
    make_harness,  # type: ignore[no-untyped-def]
    saturation: str,
) -> None:
    """A candidate whose shadow slots are all taken, or a worker too busy to shadow: served
    bytes are identical to shadow off, and each skip is counted by its reason."""
    h = await make_harness()
    shadow = h.app.state.runtime.gateway.shadow
    request = {"model": "chat", "messages": [{"role": "user", "content": "same"}], "user": "bob"}
    off = await h.http.post("/v1/chat/completions", headers=AUTH, json=request)
    set_mode(h, "chat", "shadow")
    if saturation == "slots_full":
        shadow.lag = FixedLag(0.0)  # the subject is the slots: a slow test loop must not yield
        shadow.max_concurrency = 2
        h.fakes["claude"].fault = Fault(latency=0.5)
    else:
        shadow.lag = FixedLag(1.0)
    on = await asyncio.gather(
        *[h.http.post("/v1/chat/completions", headers=AUTH, json=request) for _ in range(6)]
    )
    assert all(r.status_code == 200 and _strip(r) == _strip(off) for r in on)
    await wait_shadows(h)
    outcomes = [h.trace(r.json()["id"]).shadow_outcome for r in on]
    made = len(h.traces(role="shadow"))
    assert outcomes.count("shadowed") == made == len(h.fakes["claude"].requests)
    if saturation == "slots_full":
        assert set(outcomes) == {"shadowed", "concurrency_cap"} and made <= 2
    else:
        assert outcomes == ["busy_lag"] * 6 and made == 0
    assert shadow.served_in_flight == 0


async def test_served_requests_in_flight_make_shadows_yield(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = await make_harness(deadline="1s")
    shadow = h.app.state.runtime.gateway.shadow
    shadow.max_served_in_flight = 0  # any other served request in flight is too many
    shadow.lag = FixedLag(0.0)  # the subject is requests in flight, not loop lag
    set_mode(h, "chat", "shadow")
    h.fakes["gpt"].enqueue_fault(Fault(hang=True))  # the first served call waits upstream
    body = {"model": "chat", "messages": [{"role": "user", "content": "x"}]}
    first = asyncio.create_task(h.http.post("/v1/chat/completions", headers=AUTH, json=body))
    for _ in range(10_000):
        if shadow.served_in_flight == 1:
            break
        await asyncio.sleep(0.001)
    assert shadow.served_in_flight == 1
    second = await h.http.post("/v1/chat/completions", headers=AUTH, json=body)
    assert second.status_code == 200
    assert (await first).status_code >= 500  # the deadline; the counter still comes back down
    assert shadow.served_in_flight == 0
    await wait_shadows(h)
    assert h.trace(second.json()["id"]).shadow_outcome == "busy_in_flight"
    metrics = (await h.http.get("/metrics")).text
    assert 'swapsafe_shadow_skipped_total{workload="chat",reason="busy_in_flight"} 1' in metrics
    assert 'swapsafe_shadow_shadowed_total{workload="chat"} 1' in metrics


async def test_coverage_in_metrics_and_report_counts_the_shadows_made(harness: Harness) -> None:
    lag = FixedLag()
    harness.app.state.runtime.gateway.shadow.lag = lag
    set_mode(harness, "chat", "shadow")
    ids = []
    for busy in [False, True, False, True, True]:
        lag.seconds = 0.5 if busy else 0.0
        completion = await harness.oai.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "cover"}]
        )
        ids.append(completion.id)
    lag.seconds = 0.0
    await wait_shadows(harness)
    made = harness.traces(role="shadow")
    assert len(made) == len(harness.fakes["claude"].requests) == 2
    assert [harness.trace(i).shadow_outcome for i in ids] == [
        "shadowed", "busy_lag", "shadowed", "busy_lag", "busy_lag"
    ]  # fmt: skip
    metrics = (await harness.http.get("/metrics")).text
    assert 'swapsafe_shadow_shadowed_total{workload="chat"} 2' in metrics
    assert 'swapsafe_shadow_skipped_total{workload="chat",reason="busy_lag"} 3' in metrics
    assert 'swapsafe_shadow_coverage_ratio{workload="chat"} 0.4' in metrics
    stored = harness.store.shadow_coverage(workload="chat")["chat"]
    assert stored.shadowed == len(made) and stored.served == 5
    report = build_report(harness.config, harness.store, ["chat"])
    assert report.workloads[0].coverage == stored
    line = "Shadow coverage 40% (2 of 5 served requests; 3 skipped: busy_lag 3)."
    assert line in render_report(harness.config, harness.store, ["chat"], fmt="md")
    assert line in render_report(harness.config, harness.store, ["chat"], fmt="html")


async def test_no_shadow_for_rejected_requests(harness: Harness) -> None:
    set_mode(harness, "chat", "shadow")
    await harness.http.post("/v1/chat/completions", json={"model": "chat"})  # 401
    await harness.http.post("/v1/chat/completions", headers=AUTH, content=b"{")  # 400
    await harness.http.post("/v1/chat/completions", headers=AUTH, json={"model": "zzz"})  # 404
    await wait_shadows(harness)
    assert harness.fakes["claude"].requests == []


async def test_shadow_concurrency_cap_skips_and_counts(make_harness) -> None:  # type: ignore[no-untyped-def]
    h = await make_harness()
    h.app.state.runtime.gateway.shadow.max_concurrency = 2
    set_mode(h, "chat", "shadow")
    h.fakes["claude"].fault = Fault(latency=0.5)
    await asyncio.gather(
        *[
            h.oai.chat.completions.create(model="chat", messages=[{"role": "user", "content": "c"}])
            for _ in range(6)
        ]
    )
    await wait_shadows(h)
    metrics = (await h.http.get("/metrics")).text
    assert 'swapsafe_shadow_skipped_total{workload="chat",reason="concurrency_cap"} 4' in metrics
    assert len(h.traces(role="shadow")) == 2


async def test_shadow_daily_budget_stops_shadowing(harness: Harness) -> None:
    shadow = harness.app.state.runtime.gateway.shadow
    shadow.daily_budget_usd = 0.0000001  # the first shadow call spends it
    shadow.lag = FixedLag(0.0)  # the subject is the budget: a slow test loop must not yield
    set_mode(harness, "chat", "shadow")
    for _ in range(3):
        await harness.oai.chat.completions.create(
            model="chat", messages=[{"role": "user", "content": "b"}]
        )
        await wait_shadows(harness)
    assert len(harness.traces(role="shadow")) == 1
    metrics = (await harness.http.get("/metrics")).text
    assert 'swapsafe_shadow_skipped_total{workload="chat",reason="budget"} 2' in metrics
    assert shadow.spent_today > 0


async def test_synthetic_requests_are_traced_but_left_out_of_every_statistic(
    harness: Harness,
) -> None:
    """Rehearsal probes (x-swapsafe-synthetic: rehearsal) must not count as real traffic."""
    from swapsafe.review.service import ReviewService
    from swapsafe.store.records import TraceQuery

    set_mode(harness, "chat", "shadow")
    real = await harness.oai.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "real"}]
    )
    probe = await harness.oai.chat.completions.with_raw_response.create(
        model="chat",
        messages=[{"role": "user", "content": "probe"}],
        extra_headers={"x-swapsafe-synthetic": "rehearsal"},
    )
    other = await harness.oai.chat.completions.create(  # an unknown value changes nothing
        model="chat",
        messages=[{"role": "user", "content": "other"}],
        extra_headers={"x-swapsafe-synthetic": "made-up"},
    )
    await wait_shadows(harness)
    probe_row = harness.trace(probe.parse().id)
    probe_pair = harness.traces(pair_id=probe_row.pair_id)
    assert {(r.role, r.source) for r in probe_pair} == {
        ("served", "rehearsal"),
        ("shadow", "rehearsal"),
    }
    assert harness.trace(real.id).source == "gateway"
    assert harness.trace(other.id).source == "gateway"

    groups = harness.store.groups(workload="chat")
    assert {(g.role, g.requests) for g in groups} == {("served", 2), ("shadow", 2)}
    pairs = harness.store.shadow_pairs(workload="chat", new_model="claude", old_model="gpt")
    assert len(pairs) == 2
    real_only = harness.store.query_traces(TraceQuery(workload="chat", real_only=True))
    assert probe_row.pair_id not in {r.pair_id for r in real_only} and len(real_only) == 4
    review = ReviewService(harness.store, harness.config)
    assert probe_row.pair_id not in {p.pair_id for p in review.load_pairs("chat")}
    cohort = harness.store.cohort_stats(
        "chat", "gpt", probe_row.ts - timedelta(hours=1), probe_row.ts + timedelta(hours=1)
    )
    assert (cohort.total, cohort.ok) == (2, 2)  # canary analysis sees the real calls only
