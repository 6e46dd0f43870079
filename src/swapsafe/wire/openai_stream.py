"""OpenAI ``chat.completion.chunk`` streams <-> canonical stream events (incremental).

The parser turns upstream chunks into sequential canonical blocks: text opens a text block,
the first delta of each ``tool_calls[index]`` (carrying ``id`` and ``function.name``) opens a tool
block; a new block closes the previous one. Usage normally arrives in a last chunk with empty
``choices`` after the ``finish_reason`` chunk, so :class:`StreamFinish` is emitted once both are
known, or by :meth:`OpenAIStreamParser.end`. An in-stream ``{"error": {...}}`` becomes
:class:`StreamError`.
"""

from __future__ import annotations

from typing import Any

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
from swapsafe.wire.errors import ANTHROPIC_TO_OPENAI_TYPE
from swapsafe.wire.openai import FINISH_FROM_OPENAI, encode_usage, extract_usage


class OpenAIStreamParser:
    """Stateful: feed each decoded chunk in order; call :meth:`end` after ``[DONE]``."""

    __slots__ = (
        "_block",
        "_is_text",
        "_next",
        "_pending",
        "_tools",
        "done",
        "finish_reason",
        "started",
        "usage",
    )

    def __init__(self) -> None:
        self._next = 0
        self._block = -1  # open block index, -1 when none
        self._is_text = False
        self._tools: dict[int, int] = {}  # OpenAI tool index -> block index
        self._pending: dict[int, list[str]] = {}  # tool index -> [id, name, args] until named
        self.started = False
        self.done = False
        self.finish_reason: FinishReason | None = None
        self.usage: Usage | None = None

    def _close(self, out: list[StreamEvent]) -> None:
        if self._block >= 0:
            out.append(BlockStop(self._block))
            self._block = -1

    def _open(self, out: list[StreamEvent], is_text: bool) -> int:
        self._close(out)
        self._block = index = self._next
        self._next += 1
        self._is_text = is_text
        return index

    def feed(self, chunk: dict[str, Any]) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        err = chunk.get("error")
        if err is not None:
            if isinstance(err, dict):
                kind, msg = str(err.get("type") or "api_error"), str(err.get("message") or "")
            else:
                kind, msg = "api_error", str(err)
            out.append(StreamError(kind, msg or "upstream stream error"))
            return out
        if not self.started:
            self.started = True
            out.append(StreamStart(chunk.get("id", ""), chunk.get("model", ""), Usage()))
        if chunk.get("usage"):
            self.usage = extract_usage(chunk)
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta")
            if delta:
                self._delta(delta, out)
            reason = choice.get("finish_reason")
            if reason:
                self._close(out)
                self.finish_reason = FINISH_FROM_OPENAI.get(reason, "stop")
        if self.finish_reason is not None and self.usage is not None and not self.done:
            self.done = True
            out.append(StreamFinish(self.finish_reason, self.usage))
        return out

    def _delta(self, delta: dict[str, Any], out: list[StreamEvent]) -> None:
        text = delta.get("content") or delta.get("refusal")
        if text:
            index = self._block if self._is_text and self._block >= 0 else self._open(out, True)
            out.append(TextDelta(index, text))
        calls = delta.get("tool_calls")
        if not calls and delta.get("function_call"):
            calls = [{"index": 0, "function": delta["function_call"]}]
        for call in calls or ():
            i = call.get("index", 0)
            fn = call.get("function") or {}
            args = fn.get("arguments")
            block = self._tools.get(i)
            if block is None:
                pend = self._pending.setdefault(i, ["", "", ""])
                pend[0] = pend[0] or call.get("id") or ""
                pend[1] = pend[1] or fn.get("name") or ""
                pend[2] += args or ""
                if not pend[1]:
                    continue
                del self._pending[i]
                block = self._tools[i] = self._open(out, False)
                out.append(ToolCallStart(block, pend[0] or f"call_{i}", pend[1]))
                if pend[2]:
                    out.append(ToolCallDelta(block, pend[2]))
            elif args:
                out.append(ToolCallDelta(block, args))

    def end(self) -> list[StreamEvent]:
        """The upstream finished: close what is open and emit the finish if not yet sent."""
        out: list[StreamEvent] = []
        if self.done:
            return out
        if not self.started:
            self.started = True
            out.append(StreamStart("", "", Usage()))
        self._close(out)
        self.done = True
        out.append(StreamFinish(self.finish_reason or "stop", self.usage or Usage()))
        return out


class OpenAIStreamEncoder:
    """Canonical stream events -> OpenAI ``chat.completion.chunk`` dicts.

    A tool block named ``json_mode_tool`` is streamed as text content (JSON mode on Anthropic).
    :class:`StreamError` becomes ``{"error": {...}}``, which the OpenAI SDK raises as an APIError;
    the caller sends it as a ``data:`` line and ends the stream.
    """

    __slots__ = (
        "_created",
        "_id",
        "_include_usage",
        "_json_blocks",
        "_json_tool",
        "_model",
        "_ntools",
        "_real_tools",
        "_tools",
    )

    def __init__(
        self,
        request_id: str,
        model: str,
        created: int,
        include_usage: bool = False,
        json_mode_tool: str | None = None,
    ) -> None:
        self._id = request_id
        self._model = model
        self._created = created
        self._include_usage = include_usage
        self._json_tool = json_mode_tool
        self._json_blocks: set[int] = set()
        self._tools: dict[int, int] = {}
        self._ntools = 0
        self._real_tools = False

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if self._include_usage:
            out["usage"] = None
        return out

    def feed(self, ev: StreamEvent) -> list[dict[str, Any]]:
        if isinstance(ev, TextDelta):
            return [self._chunk({"content": ev.text})]
        if isinstance(ev, ToolCallDelta):
            if ev.index in self._json_blocks:
                return [self._chunk({"content": ev.partial_json})]
            ti = self._tools.get(ev.index)
            if ti is None:
                return []
            call = {"index": ti, "function": {"arguments": ev.partial_json}}
            return [self._chunk({"tool_calls": [call]})]
        if isinstance(ev, ToolCallStart):
            if ev.name == self._json_tool:
                self._json_blocks.add(ev.index)
                return []
            ti = self._tools[ev.index] = self._ntools
            self._ntools += 1
            self._real_tools = True
            fn = {"name": ev.name, "arguments": ""}
            call = {"index": ti, "id": ev.id, "type": "function", "function": fn}
            return [self._chunk({"tool_calls": [call]})]
        if isinstance(ev, StreamStart):
            return [self._chunk({"role": "assistant", "content": ""})]
        if isinstance(ev, StreamFinish):
            reason = ev.finish_reason
            if reason == "tool_calls" and self._json_blocks and not self._real_tools:
                reason = "stop"
            out = [self._chunk({}, reason)]
            if self._include_usage:
                out.append(
                    {
                        "id": self._id,
                        "object": "chat.completion.chunk",
                        "created": self._created,
                        "model": self._model,
                        "choices": [],
                        "usage": encode_usage(ev.usage),
                    }
                )
            return out
        if isinstance(ev, StreamError):
            kind = ANTHROPIC_TO_OPENAI_TYPE.get(ev.type, "server_error")
            err = {"message": ev.message, "type": kind, "param": None, "code": ev.type}
            return [{"error": err}]
        return []  # BlockStop: OpenAI has no block boundaries
