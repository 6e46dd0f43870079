"""Anthropic Messages streams <-> canonical stream events (incremental).

Parser: ``message_start`` -> :class:`StreamStart` (input usage), text / tool_use blocks ->
TextDelta / ToolCallStart + ToolCallDelta, ``content_block_stop`` -> BlockStop,
``message_delta`` -> :class:`StreamFinish` (usage counts there are cumulative), ``error`` ->
:class:`StreamError`. ``ping``, ``message_stop``, thinking / signature / citations deltas and
server-tool blocks are ignored (a translated request never asks for them).

Encoder: canonical events -> ``(event name, data)`` pairs; ``message_start`` carries the
gateway's id and model; input usage, known only at the end of an OpenAI stream, is sent in
``message_delta.usage`` (the anthropic SDK overwrites its snapshot with those totals).
"""

from __future__ import annotations

from typing import Any

import orjson

from swapsafe.wire.anthropic import FINISH_FROM_ANTHROPIC, FINISH_TO_ANTHROPIC
from swapsafe.wire.anthropic_answer import encode_usage
from swapsafe.wire.canonical import (
    BlockStop,
    FinishReason,
    StreamError,
    StreamEvent,
    StreamFinish,
    StreamStart,
    TextDelta,
    ToolCallDelta,
    ToolCallStart,
    Usage,
)
from swapsafe.wire.errors import OPENAI_TO_ANTHROPIC_TYPE

Event = tuple[str, dict[str, Any]]
_IGNORED: list[StreamEvent] = []


class AnthropicStreamParser:
    """Stateful: feed each SSE record (event name, parsed data) in order."""

    __slots__ = ("_blocks", "finish_reason", "usage")

    def __init__(self) -> None:
        self._blocks: set[int] = set()  # indexes of translated (text / tool_use) blocks
        self.usage = Usage()
        self.finish_reason: FinishReason | None = None

    def feed(self, event_type: str, data: dict[str, Any]) -> list[StreamEvent]:
        if event_type == "content_block_delta":
            delta = data["delta"]
            kind = delta.get("type")
            if kind == "text_delta":
                return [TextDelta(data["index"], delta["text"])]
            if kind == "input_json_delta" and delta.get("partial_json"):
                return [ToolCallDelta(data["index"], delta["partial_json"])]
            return _IGNORED
        if event_type == "content_block_start":
            block = data["content_block"]
            index = data["index"]
            kind = block.get("type")
            if kind == "text":
                self._blocks.add(index)
                return [TextDelta(index, block["text"])] if block.get("text") else _IGNORED
            if kind == "tool_use":
                self._blocks.add(index)
                out: list[StreamEvent] = [ToolCallStart(index, block["id"], block["name"])]
                if block.get("input"):
                    out.append(ToolCallDelta(index, orjson.dumps(block["input"]).decode()))
                return out
            return _IGNORED
        if event_type == "content_block_stop":
            index = data["index"]
            return [BlockStop(index)] if index in self._blocks else _IGNORED
        if event_type == "message_start":
            msg = data["message"]
            u = msg.get("usage") or {}
            self._update_usage(u)
            return [StreamStart(msg.get("id", ""), msg.get("model", ""), self._usage_copy())]
        if event_type == "message_delta":
            self._update_usage(data.get("usage") or {})
            raw = (data.get("delta") or {}).get("stop_reason")
            self.finish_reason = FINISH_FROM_ANTHROPIC.get(raw, "stop") if raw else "stop"
            return [StreamFinish(self.finish_reason, self._usage_copy())]
        if event_type == "error":
            err = data.get("error") or {}
            msg = str(err.get("message") or "upstream stream error")
            return [StreamError(str(err.get("type") or "api_error"), msg)]
        return _IGNORED  # ping, message_stop, unknown future events

    def _update_usage(self, u: dict[str, Any]) -> None:
        usage = self.usage
        read = u.get("cache_read_input_tokens")
        write = u.get("cache_creation_input_tokens")
        if read is not None:
            usage.cached_tokens = read
        if write is not None:
            usage.cache_write_tokens = write
        if u.get("input_tokens") is not None:
            usage.input_tokens = u["input_tokens"] + usage.cached_tokens + usage.cache_write_tokens
        elif read is not None or write is not None:
            base = usage.input_tokens - usage.cached_tokens - usage.cache_write_tokens
            usage.input_tokens = max(base, 0) + usage.cached_tokens + usage.cache_write_tokens
        if u.get("output_tokens") is not None:
            usage.output_tokens = u["output_tokens"]

    def _usage_copy(self) -> Usage:
        u = self.usage
        return Usage(u.input_tokens, u.output_tokens, u.cached_tokens, u.cache_write_tokens)


class AnthropicStreamEncoder:
    """Canonical stream events -> Anthropic ``(event, data)`` pairs."""

    __slots__ = ("_id", "_model", "_open", "started")

    def __init__(self, request_id: str, model: str) -> None:
        self._id = request_id
        self._model = model
        self._open = -1  # index of the open text block (-1: none)
        self.started = False

    def _start(self) -> Event:
        self.started = True
        message: dict[str, Any] = {
            "id": self._id,
            "type": "message",
            "role": "assistant",
            "model": self._model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return ("message_start", {"type": "message_start", "message": message})

    def feed(self, ev: StreamEvent) -> list[Event]:
        if isinstance(ev, TextDelta):
            delta = {"type": "text_delta", "text": ev.text}
            data = {"type": "content_block_delta", "index": ev.index, "delta": delta}
            if ev.index == self._open:
                return [("content_block_delta", data)]
            self._open = ev.index
            block = {"type": "text", "text": ""}
            start = {"type": "content_block_start", "index": ev.index, "content_block": block}
            return [("content_block_start", start), ("content_block_delta", data)]
        if isinstance(ev, ToolCallDelta):
            delta = {"type": "input_json_delta", "partial_json": ev.partial_json}
            data = {"type": "content_block_delta", "index": ev.index, "delta": delta}
            return [("content_block_delta", data)]
        if isinstance(ev, ToolCallStart):
            tool: dict[str, Any] = {"type": "tool_use", "id": ev.id, "name": ev.name, "input": {}}
            start = {"type": "content_block_start", "index": ev.index, "content_block": tool}
            return [("content_block_start", start)]
        if isinstance(ev, BlockStop):
            return [("content_block_stop", {"type": "content_block_stop", "index": ev.index})]
        if isinstance(ev, StreamStart):
            return [self._start()]
        if isinstance(ev, StreamFinish):
            reason = FINISH_TO_ANTHROPIC[ev.finish_reason]
            stop: dict[str, Any] = {"stop_reason": reason, "stop_sequence": None}
            data = {"type": "message_delta", "delta": stop, "usage": encode_usage(ev.usage)}
            out = [] if self.started else [self._start()]
            out.append(("message_delta", data))
            out.append(("message_stop", {"type": "message_stop"}))
            return out
        if isinstance(ev, StreamError):
            kind = OPENAI_TO_ANTHROPIC_TYPE.get(ev.type, "api_error")
            return [("error", {"type": "error", "error": {"type": kind, "message": ev.message}})]
        return []
