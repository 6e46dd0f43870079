"""Rebuild a whole response from the streamed events a client received (for trace bodies)."""

from __future__ import annotations

from typing import Any

import orjson


def openai_from_chunks(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """A ChatCompletion-shaped dict from ``chat.completion.chunk`` dicts (choice 0)."""
    text: list[str] = []
    tools: dict[int, dict[str, Any]] = {}
    finish: str | None = None
    usage: Any = None
    first: dict[str, Any] = chunks[0] if chunks else {}
    for chunk in chunks:
        if chunk.get("usage"):
            usage = chunk["usage"]
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if delta.get("content"):
                text.append(delta["content"])
            for tc in delta.get("tool_calls") or ():
                slot = tools.setdefault(
                    tc.get("index", 0),
                    {"id": None, "type": "function", "function": {"name": "", "arguments": ""}},
                )
                if tc.get("id"):
                    slot["id"] = tc["id"]
                fn = tc.get("function") or {}
                if fn.get("name"):
                    slot["function"]["name"] += fn["name"]
                if fn.get("arguments"):
                    slot["function"]["arguments"] += fn["arguments"]
            if choice.get("finish_reason"):
                finish = choice["finish_reason"]
    message: dict[str, Any] = {"role": "assistant", "content": "".join(text) if text else None}
    if tools:
        message["tool_calls"] = [tools[i] for i in sorted(tools)]
    return {
        "id": first.get("id"),
        "object": "chat.completion",
        "created": first.get("created"),
        "model": first.get("model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": usage,
    }


def anthropic_from_events(events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """A Message-shaped dict from Anthropic stream events."""
    message: dict[str, Any] = {}
    blocks: dict[int, dict[str, Any]] = {}
    partial: dict[int, list[str]] = {}
    for name, data in events:
        if name == "message_start":
            message = dict(data.get("message") or {})
        elif name == "content_block_start":
            blocks[data.get("index", 0)] = dict(data.get("content_block") or {})
        elif name == "content_block_delta":
            i, delta = data.get("index", 0), data.get("delta") or {}
            block = blocks.setdefault(i, {"type": "text", "text": ""})
            if delta.get("type") == "text_delta":
                block["text"] = block.get("text", "") + delta.get("text", "")
            elif delta.get("type") == "input_json_delta":
                partial.setdefault(i, []).append(delta.get("partial_json", ""))
            elif delta.get("type") == "thinking_delta":
                block["thinking"] = block.get("thinking", "") + delta.get("thinking", "")
        elif name == "message_delta":
            message.update({k: v for k, v in (data.get("delta") or {}).items() if v is not None})
            usage = dict(message.get("usage") or {})
            usage.update(data.get("usage") or {})
            message["usage"] = usage
    for i, parts in partial.items():
        try:
            blocks[i]["input"] = orjson.loads("".join(parts) or "{}")
        except orjson.JSONDecodeError:
            blocks[i]["input"] = "".join(parts)
    message["content"] = [blocks[i] for i in sorted(blocks)]
    return message
