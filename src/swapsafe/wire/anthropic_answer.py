"""Anthropic Message answers <-> canonical responses: content, usage, finish reason (pure).

A ``json_mode_tool`` call (structured output sent as a forced tool, see ``wire/json_mode.py``)
comes back as JSON text with finish reason ``stop``. Thinking and server-tool blocks are not
requested by a translated call and are skipped.
"""

from __future__ import annotations

from typing import Any

import orjson

from swapsafe.wire.anthropic import FINISH_FROM_ANTHROPIC, FINISH_TO_ANTHROPIC, tool_input
from swapsafe.wire.canonical import (
    ChatResponse,
    FinishReason,
    TextPart,
    ToolCallPart,
    Usage,
)


def extract_usage(body: dict[str, Any]) -> Usage | None:
    """Usage of a Message, a ``message_start`` message or a ``message_delta`` event."""
    u = body.get("usage")
    if not u:
        return None
    read = u.get("cache_read_input_tokens") or 0
    write = u.get("cache_creation_input_tokens") or 0
    return Usage(
        input_tokens=(u.get("input_tokens") or 0) + read + write,
        output_tokens=u.get("output_tokens") or 0,
        cached_tokens=read,
        cache_write_tokens=write,
    )


def encode_usage(u: Usage) -> dict[str, Any]:
    return {
        "input_tokens": max(u.input_tokens - u.cached_tokens - u.cache_write_tokens, 0),
        "output_tokens": u.output_tokens,
        "cache_creation_input_tokens": u.cache_write_tokens,
        "cache_read_input_tokens": u.cached_tokens,
    }


def finish_reason(body: dict[str, Any]) -> FinishReason | None:
    """Canonical finish reason of a Message (or a ``message_delta`` ``delta``)."""
    raw = body.get("stop_reason")
    return FINISH_FROM_ANTHROPIC.get(raw, "stop") if raw else None


def parse_response(body: dict[str, Any], *, json_mode_tool: str | None = None) -> ChatResponse:
    """Anthropic Message -> canonical response; a ``json_mode_tool`` call becomes JSON text."""
    content: list[TextPart | ToolCallPart] = []
    json_answer = False
    for b in body.get("content") or ():
        kind = b.get("type")
        if kind == "text":
            content.append(TextPart(b["text"]))
        elif kind == "tool_use":
            args = orjson.dumps(b.get("input") or {}).decode()
            if json_mode_tool is not None and b["name"] == json_mode_tool:
                content.append(TextPart(args))
                json_answer = True
            else:
                content.append(ToolCallPart(b["id"], b["name"], args))
        # thinking / redacted_thinking / server tool blocks: not requested by a translated call
    reason = finish_reason(body) or "stop"
    if (
        json_answer
        and reason == "tool_calls"
        and not any(isinstance(p, ToolCallPart) for p in content)
    ):
        reason = "stop"
    return ChatResponse(
        id=body.get("id", ""),
        model=body.get("model", ""),
        content=content,
        finish_reason=reason,
        usage=extract_usage(body),
    )


def encode_response(resp: ChatResponse) -> dict[str, Any]:
    """Canonical response -> Anthropic ``Message`` body."""
    content: list[dict[str, Any]] = []
    for i, p in enumerate(resp.content):
        if isinstance(p, TextPart):
            if p.text:
                content.append({"type": "text", "text": p.text})
        else:
            args = tool_input(p.arguments, f"choices[0].message.tool_calls[{i}].function.arguments")
            content.append({"type": "tool_use", "id": p.id, "name": p.name, "input": args})
    return {
        "id": resp.id,
        "type": "message",
        "role": "assistant",
        "model": resp.model,
        "content": content,
        "stop_reason": FINISH_TO_ANTHROPIC[resp.finish_reason],
        "stop_sequence": None,
        "usage": encode_usage(resp.usage or Usage()),
    }
