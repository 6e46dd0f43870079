"""Canned vendor replies (pure): realistic OpenAI and Anthropic bodies and stream events.

Used by the scripted provider and :class:`swapsafe.testing.FakeUpstream`. Token counts are
estimated from words (about 4 tokens per 3 words) so usage numbers look like real ones.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

_WORD = re.compile(r"\S+")
_PIECE = re.compile(r"\s*\S+")


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call the model makes: ``arguments`` is the decoded JSON object."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """What the fake model answers. ``finish_reason`` None means stop / tool_calls."""

    text: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    finish_reason: str | None = None

    def openai_finish(self) -> str:
        return self.finish_reason or ("tool_calls" if self.tool_calls else "stop")

    def anthropic_stop(self) -> str:
        mapping = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
        return mapping.get(self.openai_finish(), self.openai_finish())


def estimate_tokens(text: str) -> int:
    """Token estimate from a word count (~1.33 tokens per word)."""
    words = len(_WORD.findall(text))
    return math.ceil(words * 4 / 3) if words else 0


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict):
                for key in ("text", "content"):
                    value = part.get(key)
                    if isinstance(value, str | list):
                        parts.append(_content_text(value))
                if part.get("type") == "tool_use":
                    parts.append(orjson.dumps(part.get("input")).decode())
        return " ".join(parts)
    return ""


def prompt_tokens(body: dict[str, Any]) -> int:
    """Estimated prompt tokens of an OpenAI or Anthropic request body."""
    total = 3 + estimate_tokens(_content_text(body.get("system")))
    for message in body.get("messages") or ():
        if isinstance(message, dict):
            total += 4 + estimate_tokens(_content_text(message.get("content")))
            for call in message.get("tool_calls") or ():
                total += estimate_tokens(str(call))
    if body.get("tools"):
        total += len(orjson.dumps(body["tools"])) // 4
    return total


def last_user_text(body: dict[str, Any]) -> str:
    """Text of the last user message ("" when there is none)."""
    for message in reversed(body.get("messages") or ()):
        if isinstance(message, dict) and message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


def completion_tokens(reply: Reply) -> int:
    if reply.completion_tokens:
        return reply.completion_tokens
    total = estimate_tokens(reply.text or "")
    for call in reply.tool_calls:
        total += 8 + len(orjson.dumps(call.arguments)) // 3
    return max(total, 1)


def split_text(text: str) -> list[str]:
    """Split text into token-like stream pieces (each word with its leading space)."""
    pieces = _PIECE.findall(text)
    trailing = text[len("".join(pieces)) :]
    if trailing and pieces:
        pieces[-1] += trailing
    return pieces or ([text] if text else [])


def _tool_id(call: ToolCall, index: int, prefix: str) -> str:
    return call.id or f"{prefix}{index:024d}"


def openai_usage(reply: Reply) -> dict[str, Any]:
    out = completion_tokens(reply)
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": out,
        "total_tokens": reply.prompt_tokens + out,
        "prompt_tokens_details": {"cached_tokens": reply.cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def openai_completion(reply: Reply, *, model: str, id: str, created: int) -> dict[str, Any]:
    """A ``chat.completion`` object."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": _tool_id(call, i, "call_"),
                "type": "function",
                "function": {"name": call.name, "arguments": orjson.dumps(call.arguments).decode()},
            }
            for i, call in enumerate(reply.tool_calls)
        ]
    return {
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": reply.openai_finish(),
            }
        ],
        "usage": openai_usage(reply),
        "system_fingerprint": "fp_swapsafe",
    }


def openai_chunks(
    reply: Reply, *, model: str, id: str, created: int, include_usage: bool
) -> list[bytes]:
    """``data:`` payloads of an OpenAI stream, ending with the usage chunk and ``[DONE]``."""
    head = {"id": id, "object": "chat.completion.chunk", "created": created, "model": model}
    head["system_fingerprint"] = "fp_swapsafe"
    extra: dict[str, Any] = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return orjson.dumps({**head, "choices": [choice], **extra})

    out = [chunk({"role": "assistant", "content": "", "refusal": None})]
    out.extend(chunk({"content": piece}) for piece in split_text(reply.text or ""))
    for i, call in enumerate(reply.tool_calls):
        args = orjson.dumps(call.arguments).decode()
        first = {"index": i, "id": _tool_id(call, i, "call_"), "type": "function"}
        first["function"] = {"name": call.name, "arguments": ""}
        out.append(chunk({"tool_calls": [first]}))
        for start in range(0, len(args), 16):
            delta = {"index": i, "function": {"arguments": args[start : start + 16]}}
            out.append(chunk({"tool_calls": [delta]}))
    out.append(chunk({}, reply.openai_finish()))
    if include_usage:
        out.append(orjson.dumps({**head, "choices": [], "usage": openai_usage(reply)}))
    out.append(b"[DONE]")
    return out


def anthropic_usage(reply: Reply) -> dict[str, Any]:
    return {
        "input_tokens": reply.prompt_tokens - reply.cached_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": reply.cached_tokens,
        "output_tokens": completion_tokens(reply),
        "service_tier": "standard",
    }


def _anthropic_blocks(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if reply.text:
        blocks.append({"type": "text", "text": reply.text})
    for i, call in enumerate(reply.tool_calls):
        tool_id = _tool_id(call, i, "toolu_")
        block = {"type": "tool_use", "id": tool_id, "name": call.name, "input": call.arguments}
        blocks.append(block)
    return blocks


def anthropic_message(reply: Reply, *, model: str, id: str) -> dict[str, Any]:
    """A ``message`` object."""
    return {
        "id": id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": _anthropic_blocks(reply),
        "stop_reason": reply.anthropic_stop(),
        "stop_sequence": None,
        "usage": anthropic_usage(reply),
    }


def anthropic_events(reply: Reply, *, model: str, id: str) -> list[tuple[str, bytes]]:
    """``(event, data)`` pairs of an Anthropic stream, from message_start to message_stop."""
    usage = anthropic_usage(reply)
    start = anthropic_message(reply, model=model, id=id)
    start.update(content=[], stop_reason=None, usage={**usage, "output_tokens": 1})
    events: list[tuple[str, Any]] = [("message_start", {"type": "message_start", "message": start})]
    for index, block in enumerate(_anthropic_blocks(reply)):
        if block["type"] == "text":
            opened: dict[str, Any] = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": p} for p in split_text(block["text"])]
        else:
            opened = {**block, "input": {}}
            args = orjson.dumps(block["input"]).decode()
            deltas = [
                {"type": "input_json_delta", "partial_json": args[s : s + 16]}
                for s in range(0, len(args), 16)
            ]
        events.append(("content_block_start", {"index": index, "content_block": opened}))
        if index == 0:
            events.append(("ping", {}))
        events.extend(("content_block_delta", {"index": index, "delta": d}) for d in deltas)
        events.append(("content_block_stop", {"index": index}))
    stop = {"stop_reason": reply.anthropic_stop(), "stop_sequence": None}
    events.append(("message_delta", {"delta": stop, "usage": usage}))
    events.append(("message_stop", {}))
    return [(name, orjson.dumps({"type": name, **data})) for name, data in events]
