"""Shadow pairs of Responses API traffic: the review reads both answers and the request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from swapsafe.evals.mining import parse_trace
from swapsafe.providers.canned import Reply, ToolCall
from swapsafe.review.pairs import output_of, pair_up, request_context
from swapsafe.store.records import TraceRecord
from swapsafe.testing import fake_responses

REQUEST = {
    "model": "w",
    "instructions": "be nice",
    "input": [{"role": "user", "content": "hi"}],
    "store": True,  # served natively as sent: the review still reads it
}


def _row(role: str, model: str, body: dict[str, Any]) -> TraceRecord:
    return TraceRecord(
        request_id=f"r-{role}",
        pair_id="p1",
        ts=datetime(2026, 1, 1, tzinfo=UTC),
        workload="w",
        role=role,  # type: ignore[arg-type]
        model=model,
        provider="x",
        status="ok",
        inbound_wire="responses",
        request_body=orjson.dumps(REQUEST).decode(),
        response_body=orjson.dumps(body).decode(),
    )


def _answer(reply: Reply, n: int) -> dict[str, Any]:
    return fake_responses.response(reply, body=REQUEST, model="m", n=n, created=1)


def test_responses_pairs_are_read_in_their_own_format() -> None:
    call = ToolCall("lookup", {"q": "hi"}, id="call_1")
    served = _row("served", "old", _answer(Reply(text="hello"), 1))
    shadow = _row("shadow", "new", _answer(Reply(text="hello", tool_calls=(call,)), 2))
    [pair] = pair_up([served, shadow], {"w": "old"})
    assert output_of(pair.old).text == "hello" and output_of(pair.old).finish_reason == "stop"
    new = output_of(pair.new)
    assert new.tool_calls == (("lookup", '{"q":"hi"}'),) and new.finish_reason == "tool_calls"
    ctx = request_context(pair.request_body, "responses")
    assert ctx is not None and ctx.as_input() == [
        {"role": "system", "content": "be nice"},
        {"role": "user", "content": "hi"},
    ]


def test_a_responses_trace_mines_into_an_openai_format_case() -> None:
    mined = parse_trace(_row("served", "old", _answer(Reply(text="hello"), 1)))
    assert mined is not None and mined.text == "hello"
    assert mined.request["messages"] == [
        {"role": "system", "content": "be nice"},
        {"role": "user", "content": "hi"},
    ]
    continued = _row("served", "old", _answer(Reply(text="hello"), 1))
    continued.request_body = orjson.dumps({**REQUEST, "previous_response_id": "resp_0"}).decode()
    assert parse_trace(continued) is None  # its history is at OpenAI, not in the trace
