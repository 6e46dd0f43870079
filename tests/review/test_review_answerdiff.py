"""How the review page compares two answers: word diff, plain, or field by field (pure)."""

from __future__ import annotations

from swapsafe.review.agreement import DEFAULT_THRESHOLDS, similarity
from swapsafe.review.answerdiff import (
    WORD_DIFF_MIN_SIMILARITY,
    answer_diff,
    json_diff,
    tool_call_diff,
)


def test_the_threshold_is_the_agreements_text_threshold() -> None:
    assert WORD_DIFF_MIN_SIMILARITY == DEFAULT_THRESHOLDS.similarity_min == 0.5


def test_similar_answers_get_a_word_diff() -> None:
    old = "I see a duplicate charge; a refund is on its way."
    new = "I see a duplicate charge; a refund is on the way."
    d = answer_diff(old, new)
    assert d.mode == "words" and d.similarity is not None and d.similarity >= 0.5
    assert [s.text for s in d.old_segments if s.op == "del"] == ["its"]
    assert [s.text for s in d.new_segments if s.op == "ins"] == ["the"]


def test_unrelated_answers_are_shown_plainly_not_struck_through() -> None:
    old = "Sure, I cancelled your plan effective today."
    new = "I'm sorry, but I can't help with cancelling plans."
    assert similarity(old, new) < 0.5
    d = answer_diff(old, new)
    assert d.mode == "plain" and d.old_segments == [] and d.new_segments == []
    assert d.similarity == similarity(old, new)


def test_a_failed_side_is_plain_without_similarity() -> None:
    d = answer_diff("an answer", None)
    assert (d.mode, d.similarity, d.tool_calls) == ("plain", None, [])


def test_json_answers_are_compared_field_by_field() -> None:
    old = '{"category": "outage", "urgent": true, "tags": ["api"]}'
    new = (
        '```json\n{"category": "outage", "urgent": "yes", "tags": ["api", "sre"], "team": "sre"}'
        "\n```"
    )
    d = answer_diff(old, new)
    assert d.mode == "json"
    rows = {(c.path, c.op, c.old, c.new) for c in d.json_changes}
    assert rows == {
        ("$.category", "same", '"outage"', '"outage"'),
        ("$.urgent", "changed", "true", '"yes"'),
        ("$.tags[0]", "same", '"api"', '"api"'),
        ("$.tags[1]", "added", None, '"sre"'),
        ("$.team", "added", None, '"sre"'),
    }


def test_json_diff_numbers_booleans_and_removed_keys() -> None:
    changes = json_diff({"id": 42, "ok": 1, "gone": [1]}, {"id": 42.0, "ok": True})
    ops = {c.path: c.op for c in changes}
    assert ops == {"$.id": "same", "$.ok": "changed", "$.gone": "removed"}


def test_tool_calls_are_compared_call_by_call() -> None:
    diffs = tool_call_diff(
        [("lookup_order", '{"id": 42}'), ("notify", "{}")],
        [("lookup_order", '{"id": 42.0, "verbose": true}')],
    )
    assert diffs[0].old_name == diffs[0].new_name == "lookup_order" and not diffs[0].same
    assert {(c.path, c.op) for c in diffs[0].changes} == {
        ("arguments.id", "same"),
        ("arguments.verbose", "added"),
    }
    assert (diffs[1].old_name, diffs[1].new_name) == ("notify", None)
    same = tool_call_diff([("f", '{"a": 1}')], [("f", '{"a": 1.0}')])
    assert same[0].same


def test_answers_with_tool_calls_carry_the_call_diff() -> None:
    d = answer_diff("", "", [("lookup_order", '{"id": 42}')], [("lookup_order", '{"id": 42}')])
    assert d.tool_calls and d.tool_calls[0].same
