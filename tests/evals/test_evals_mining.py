"""Mining golden cases from recorded served traffic (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from swapsafe.evals.datasets import load_cases
from swapsafe.evals.mining import mine_cases, sample_distinct
from swapsafe.store import TraceRecord, open_store

NOW = datetime.now(UTC)


def openai_trace(
    i: int,
    text: str,
    *,
    model: str = "old",
    role: str = "served",
    ts: datetime = NOW,
    status: str = "ok",
    bodies: bool = True,
    tool: bool = False,
) -> TraceRecord:
    request = {
        "model": "support",
        "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": text}],
    }
    message: dict[str, object] = {"role": "assistant", "content": f"answer to {text}"}
    if tool:
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "lookup", "arguments": orjson.dumps({"q": text}).decode()},
                }
            ],
        }
    response = {
        "id": "x",
        "object": "chat.completion",
        "model": model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if tool else "stop"}
        ],
    }
    return TraceRecord(
        request_id=f"r{i}-{role}",
        pair_id=f"p{i}",
        ts=ts,
        workload="support",
        role=role,  # type: ignore[arg-type]
        model=model,
        provider="scripted",
        status=status,
        inbound_wire="openai",
        request_body=orjson.dumps(request).decode() if bodies else None,
        response_body=orjson.dumps(response).decode() if bodies else None,
    )


def anthropic_trace(i: int, text: str) -> TraceRecord:
    request = {
        "model": "support",
        "max_tokens": 100,
        "system": "S",
        "messages": [{"role": "user", "content": text}],
    }
    response = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "old",
        "content": [{"type": "text", "text": f"answer to {text}"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 3, "output_tokens": 3},
    }
    return TraceRecord(
        request_id=f"a{i}",
        pair_id=f"ap{i}",
        ts=NOW,
        workload="support",
        role="served",
        model="old",
        provider="anthropic",
        status="ok",
        inbound_wire="anthropic",
        request_body=orjson.dumps(request).decode(),
        response_body=orjson.dumps(response).decode(),
    )


def test_mine_distinct_baseline_cases(store_url: str, tmp_path: Path) -> None:
    store = open_store(store_url)
    traces = [openai_trace(i, f"q{i % 5}") for i in range(15)]  # 5 distinct requests
    traces += [
        openai_trace(100, "by candidate", model="new"),
        openai_trace(101, "shadow", role="shadow"),
        openai_trace(102, "failed", status="error"),
        openai_trace(103, "no bodies", bodies=False),
        openai_trace(104, "old traffic", ts=NOW - timedelta(days=30)),
        openai_trace(105, "tooly", tool=True),
        anthropic_trace(106, "from claude sdk"),
    ]
    store.insert_traces(traces)
    mined = mine_cases(store, "support", "old", 100, since=NOW - timedelta(days=7))
    inputs = sorted(c.input[-1]["content"] for c in mined)  # type: ignore[index]
    assert inputs == ["from claude sdk", "q0", "q1", "q2", "q3", "q4", "tooly"]
    by = {c.input[-1]["content"]: c for c in mined}  # type: ignore[index]
    q0 = by["q0"]
    assert q0.ideal == ["answer to q0"] and q0.assertions[0].type == "similar"
    assert q0.metadata["source"] == "traces" and q0.metadata["reference_model"] == "old"
    assert q0.input[0] == {"role": "system", "content": "S"}  # type: ignore[index]
    tooly = by["tooly"]
    assert tooly.metadata["tool_calls"] == [{"name": "lookup", "arguments": {"q": "tooly"}}]
    assert tooly.assertions[0].type == "tool-call"
    claude = by["from claude sdk"]
    assert claude.input[0]["role"] == "system" and claude.ideal == ["answer to from claude sdk"]  # type: ignore[index]

    # existing cases are never duplicated; n limits the sample
    again = mine_cases(store, "support", "old", 100, existing=mined)
    assert [c.input[-1]["content"] for c in again] == ["old traffic"]  # type: ignore[index]
    assert len(mine_cases(store, "support", "old", 2, assertion="fuzzy-match")) == 2
    store.close()


def test_reservoir_is_uniform_enough_and_seeded() -> None:
    traces = [openai_trace(i, f"q{i}") for i in range(200)]
    a = sample_distinct(traces, 10, exclude=set(), seed=1)
    b = sample_distinct(traces, 10, exclude=set(), seed=1)
    assert [k for k, _ in a] == [k for k, _ in b] and len(a) == 10
    picked = {m.request["messages"][-1]["content"] for _, m in a}
    assert any(int(p[1:]) >= 100 for p in picked)  # not just the first ones


def test_mined_cases_round_trip_through_the_golden_file(tmp_path: Path) -> None:
    from swapsafe.evals.datasets import append_cases
    from swapsafe.evals.mining import to_case

    ((_, mined),) = sample_distinct([openai_trace(1, "hello", tool=True)], 5, exclude=set())
    case = to_case("ab" * 16, mined, "similar", "old")
    append_cases(tmp_path / "g.jsonl", [case])
    (back,) = load_cases(tmp_path / "g.jsonl")
    assert back.id == case.id and back.metadata["tool_calls"] == case.metadata["tool_calls"]
