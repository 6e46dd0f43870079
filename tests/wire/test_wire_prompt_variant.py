"""How a prompt variant rewrites the system prompt, on each wire format (pure)."""

from __future__ import annotations

from swapsafe.wire.prompt_variant import PromptVariant, apply_variant

REPLACE = PromptVariant.of("v2.txt", system="NEW")
AROUND = PromptVariant.of("prepend a.txt + append b.txt", prepend="BEFORE", append="AFTER")


def test_rewrite_replaces_then_prepends_and_appends() -> None:
    assert REPLACE.rewrite("old") == "NEW"
    assert REPLACE.rewrite(None) == "NEW"
    assert AROUND.rewrite("old") == "BEFORE\n\nold\n\nAFTER"
    assert AROUND.rewrite(None) == "BEFORE\n\nAFTER"
    both = PromptVariant.of("x", system="NEW", append="AFTER")
    assert both.rewrite("old") == "NEW\n\nAFTER"


def test_digest_depends_on_the_texts_not_the_label() -> None:
    assert PromptVariant.of("a.txt", system="NEW").digest == REPLACE.digest
    assert PromptVariant.of("v2.txt", system="NEW!").digest != REPLACE.digest
    assert PromptVariant.of("v2.txt", prepend="NEW").digest != REPLACE.digest
    assert len(REPLACE.digest) == 8 and int(REPLACE.digest, 16) >= 0
    assert REPLACE.describe() == f"prompt variant `v2.txt` ({REPLACE.digest})"


def test_openai_first_system_or_developer_message_is_rewritten_and_input_untouched() -> None:
    body = {
        "messages": [
            {"role": "developer", "content": [{"type": "text", "text": "old"}]},
            {"role": "user", "content": "hi"},
            {"role": "system", "content": "later"},
        ]
    }
    out = apply_variant(REPLACE, body, "openai")
    assert out["messages"][0] == {"role": "developer", "content": "NEW"}
    assert out["messages"][2] == {"role": "system", "content": "later"}
    assert body["messages"][0]["content"] == [{"type": "text", "text": "old"}]


def test_openai_without_system_message_gets_one_first() -> None:
    out = apply_variant(AROUND, {"messages": [{"role": "user", "content": "hi"}]}, "openai")
    assert out["messages"][0] == {"role": "system", "content": "BEFORE\n\nAFTER"}
    assert out["messages"][1] == {"role": "user", "content": "hi"}


def test_anthropic_string_and_blocks() -> None:
    assert apply_variant(REPLACE, {"system": "old"}, "anthropic")["system"] == "NEW"
    assert apply_variant(REPLACE, {"messages": []}, "anthropic")["system"] == "NEW"
    cached = [{"type": "text", "text": "old", "cache_control": {"type": "ephemeral"}}]
    out = apply_variant(AROUND, {"system": cached}, "anthropic")
    assert out["system"] == [
        {"type": "text", "text": "BEFORE"},
        cached[0],
        {"type": "text", "text": "AFTER"},
    ]
    assert apply_variant(REPLACE, {"system": cached}, "anthropic")["system"] == "NEW"


def test_responses_instructions() -> None:
    out = apply_variant(AROUND, {"instructions": "old", "input": "hi"}, "responses")
    assert out == {"instructions": "BEFORE\n\nold\n\nAFTER", "input": "hi"}
