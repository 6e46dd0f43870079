"""Request rules (model adapters): each rule kind, the order they run in, profiles (pure)."""

from __future__ import annotations

from swapsafe.wire.request_rules import PROFILES, RequestRules, apply_rules, profile_for


def test_each_rule_kind_fires_only_when_it_changes_the_body() -> None:
    rules = RequestRules(
        rename=(("max_tokens", "max_completion_tokens"),),
        drop=("temperature",),
        exclusive=(("top_p", "top_k"),),
        clamp=(("max_completion_tokens", 1000),),
        default=(("reasoning_effort", "low"),),
        set=(("n", 1),),
    )
    body = {"max_tokens": 5000, "temperature": 0, "top_p": 0.9, "top_k": 5, "n": 1}
    out, fired = apply_rules(rules, body)
    assert out == {"max_completion_tokens": 1000, "top_p": 0.9, "n": 1, "reasoning_effort": "low"}
    assert fired == [
        "rename:max_tokens>max_completion_tokens",
        "drop:temperature",
        "exclusive:top_k",
        "clamp:max_completion_tokens",
        "default:reasoning_effort",
    ]
    assert body["max_tokens"] == 5000 and "reasoning_effort" not in body  # input untouched
    again, fired_again = apply_rules(rules, out)
    assert again == out and fired_again == []  # idempotent


def test_rename_keeps_an_existing_new_name_and_default_keeps_a_given_value() -> None:
    rules = RequestRules(
        rename=(("max_tokens", "max_completion_tokens"),), default=(("reasoning_effort", "low"),)
    )
    out, fired = apply_rules(
        rules, {"max_tokens": 10, "max_completion_tokens": 20, "reasoning_effort": "high"}
    )
    assert out == {"max_completion_tokens": 20, "reasoning_effort": "high"}
    assert fired == ["rename:max_tokens>max_completion_tokens"]


def test_dotted_paths_reach_nested_objects_without_touching_the_input() -> None:
    rules = RequestRules(
        set=(("reasoning.effort", "low"),), drop=("metadata.debug",), clamp=(("a.b", 2),)
    )
    body = {"reasoning": {"effort": "high", "summary": "auto"}, "metadata": {"debug": True}}
    out, fired = apply_rules(rules, body)
    assert out == {"reasoning": {"effort": "low", "summary": "auto"}, "metadata": {}}
    assert fired == ["drop:metadata.debug", "set:reasoning.effort"]
    assert body["reasoning"]["effort"] == "high" and body["metadata"] == {"debug": True}
    # set creates missing parents; a non-object in the way is left alone
    assert apply_rules(RequestRules(set=(("reasoning.effort", "low"),)), {})[0] == {
        "reasoning": {"effort": "low"}
    }
    assert apply_rules(RequestRules(set=(("x.y", 1),)), {"x": 3}) == ({"x": 3}, [])


def test_clamp_leaves_non_numbers_and_booleans_alone() -> None:
    rules = RequestRules(clamp=(("max_tokens", 100),))
    assert apply_rules(rules, {"max_tokens": "lots"}) == ({"max_tokens": "lots"}, [])
    assert apply_rules(rules, {"max_tokens": True}) == ({"max_tokens": True}, [])
    assert apply_rules(rules, {"max_tokens": 100}) == ({"max_tokens": 100}, [])


def test_profiles_match_their_model_families() -> None:
    reasoning, claude = PROFILES["openai-reasoning"], PROFILES["anthropic-4.5"]
    for name in ("gpt-5", "gpt-5-mini", "gpt-5-2025-08-07", "o1", "o3-mini", "o4-mini", "gpt-5.1"):
        assert profile_for(name) is reasoning, name
    for name in ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "claude-haiku-4-5"):
        assert profile_for(name) is claude, name
    for name in ("gpt-4o", "gpt-5-chat-latest", "claude-3-5-haiku-latest", "llama3"):
        assert profile_for(name) is None, name
    assert "rename max_tokens -> max_completion_tokens" in reasoning.rules.describe()
    assert claude.rules.describe() == ["exclusive temperature, top_p (keep the first present)"]
