"""Shadow agreement metrics (pure) and trace pairing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson
import pytest

from swapsafe.review.agreement import (
    Output,
    aggregate,
    agreement_counts,
    compare,
    is_refusal,
    normalise_arguments,
    similarity,
)
from swapsafe.review.pairs import output_of, pair_up, request_context
from swapsafe.store.records import TraceRecord


def ok(text: str = "", *calls: tuple[str, str]) -> Output:
    return Output(
        ok=True, text=text, tool_calls=tuple((n, normalise_arguments(a)) for n, a in calls)
    )


def test_identical_answers_agree() -> None:
    a = compare(ok("The refund is on its way."), ok("The refund is on its way."))
    assert a.agree and a.both_ok
    assert a.similarity == 1.0 and a.length_ratio == 1.0
    assert a.old_json is None and a.tools_agree is None


def test_one_side_failing_is_an_error_disagreement() -> None:
    a = compare(ok("fine"), Output(ok=False))
    assert a.disagreements == ("error",)
    assert not a.both_ok and a.similarity is None


def test_two_failed_calls_are_no_agreement() -> None:
    """Nothing was answered, so nothing agrees: the rollout page never counted such a pair, the
    overview did (the one measure now follows the rollout and the report)."""
    a = compare(Output(ok=False), Output(ok=False))
    assert a.disagreements == () and not a.both_ok and not a.agree
    assert agreement_counts([a, compare(ok("x"), ok("x"))]) == (1, 2)


def test_json_validity_and_schema() -> None:
    valid_vs_broken = compare(ok('{"a": 1}'), ok('{"a": 1'))
    assert "json" in valid_vs_broken.disagreements
    assert valid_vs_broken.old_json is True and valid_vs_broken.new_json is False
    same_shape = compare(ok('{"a": 1, "b": "x"}'), ok('```json\n{"b": "y", "a": 2.5}\n```'))
    assert same_shape.schema_agree is True and "schema" not in same_shape.disagreements
    other_shape = compare(ok('{"urgent": true}'), ok('{"urgent": "yes", "team": "sre"}'))
    assert other_shape.schema_agree is False and "schema" in other_shape.disagreements


def test_tool_calls_compare_after_normalisation() -> None:
    same = compare(
        ok("", ("lookup", '{"id": 42, "q": "a  b"}')), ok("", ("lookup", '{"q":"a b","id":42.0}'))
    )
    assert same.tools_agree is True and same.agree
    other_args = compare(ok("", ("lookup", '{"id": 42}')), ok("", ("lookup", '{"id": 43}')))
    assert other_args.tools_agree is False and "tools" in other_args.disagreements
    other_tool = compare(ok("", ("lookup", "{}")), ok("", ("search", "{}")))
    assert "tools" in other_tool.disagreements
    order_free = compare(ok("", ("a", "{}"), ("b", "{}")), ok("", ("b", "{}"), ("a", "{}")))
    assert order_free.tools_agree is True


def test_refusal_on_one_side_only() -> None:
    a = compare(ok("Sure, I cancelled it."), ok("I'm sorry, but I can't help with that."))
    assert a.new_refused and not a.old_refused
    assert "refusal" in a.disagreements
    both = compare(ok("I cannot help with that."), ok("I can't assist with that request."))
    assert "refusal" not in both.disagreements
    assert is_refusal("", "content_filter")
    assert not is_refusal("I can help you with that right away.")


def test_length_ratio_and_text_similarity() -> None:
    a = compare(ok("short answer"), ok("short answer " + "with much more detail " * 10))
    assert a.length_ratio is not None and a.length_ratio > 2
    assert "length" in a.disagreements
    b = compare(ok("The cat sat on the mat"), ok("Quantum flux capacitors hum loudly"))
    assert "text" in b.disagreements and b.similarity is not None and b.similarity < 0.2
    assert similarity("", "") == 1.0
    assert similarity("a b c d", "a b c e") == pytest.approx(0.75)


def test_aggregate_per_workload_and_day() -> None:
    good, bad = compare(ok("x y"), ok("x y")), compare(ok("x"), Output(ok=False))
    d1, d2 = date(2026, 1, 1), date(2026, 1, 2)
    rows = aggregate([("w", d1, good), ("w", d1, bad), ("w", d2, good), ("v", d1, good)])
    assert [(r.workload, r.day, r.pairs, r.agree) for r in rows] == [
        ("v", d1, 1, 1),
        ("w", d1, 2, 1),
        ("w", d2, 1, 1),
    ]
    assert rows[1].agree_rate == 0.5 and rows[1].by_kind == {"error": 1}
    assert rows[1].both_ok_rate == 0.5


def _row(
    role: str,
    model: str,
    body: dict | None,
    wire: str = "openai",
    status: str = "ok",
    pair: str = "p1",
) -> TraceRecord:
    return TraceRecord(
        request_id=f"r-{role}-{pair}",
        pair_id=pair,
        ts=datetime(2026, 1, 1, tzinfo=UTC),
        workload="w",
        role=role,  # type: ignore[arg-type]
        model=model,
        provider="x",
        status=status,
        inbound_wire=wire,
        request_body=orjson.dumps(
            {
                "model": "w",
                "max_tokens": 10,
                "system": "be nice",
                "messages": [{"role": "user", "content": "hi"}],
            }
        ).decode(),
        response_body=orjson.dumps(body).decode() if body is not None else None,
    )


def test_pairs_use_the_baseline_as_old_and_parse_anthropic_bodies() -> None:
    body = {
        "id": "m",
        "type": "message",
        "role": "assistant",
        "model": "c",
        "content": [{"type": "text", "text": "hello"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    served = _row("served", "new", body, wire="anthropic")  # canary: new model served
    shadow = _row("shadow", "old", body, wire="anthropic")
    [pair] = pair_up([served, shadow, _row("served", "old", None, pair="lonely")], {"w": "old"})
    assert pair.old.role == "shadow" and pair.new.role == "served"
    assert output_of(pair.old).text == "hello"
    assert pair.agreement().agree
    ctx = request_context(pair.request_body, "anthropic")
    assert ctx is not None and ctx.system == ("be nice",)
    assert ctx.as_input() == [
        {"role": "system", "content": "be nice"},
        {"role": "user", "content": "hi"},
    ]


def test_incomplete_pairs_and_error_rows() -> None:
    assert pair_up([_row("served", "old", {})], {"w": "old"}) == []
    failed = _row("served", "old", {"error": {"message": "boom"}}, status="error")
    assert output_of(failed).ok is False
