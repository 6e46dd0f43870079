"""Responses API streams <-> canonical stream events (incremental, one event at a time).

Encoder (a Responses client served by another wire): ``response.created`` and
``response.in_progress``, then per canonical block an output item: a text block is a
``message`` item (``output_item.added``, ``content_part.added``, ``output_text.delta`` ...,
``output_text.done``, ``content_part.done``, ``output_item.done``), a tool block a
``function_call`` item (``output_item.added``, ``function_call_arguments.delta`` ...,
``function_call_arguments.done``, ``output_item.done``); then ``response.completed`` (or
``response.incomplete``) carrying the whole response with usage. Every event has ``type`` and an
increasing ``sequence_number`` from 0. A tool block named ``json_mode_tool`` (JSON mode served by
Anthropic) is streamed as text. :class:`StreamError` becomes an ``error`` event.

Parser (a Responses upstream serving another client): ``response.created`` -> StreamStart, a
``function_call`` item -> ToolCallStart + ToolCallDelta, text and refusal deltas -> TextDelta,
``output_item.done`` -> BlockStop, ``response.completed`` / ``response.incomplete`` ->
StreamFinish with usage, ``response.failed`` and ``error`` -> StreamError. Reasoning items and
other events are skipped (see :mod:`swapsafe.wire.responses`).
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
    ToolCallPart,
    ToolCallStart,
    Usage,
)
from swapsafe.wire.responses_answer import (
    call_item,
    extract_usage,
    finish_reason,
    item_ids,
    message_item,
    response_object,
)

Event = tuple[str, dict[str, Any]]


class _Item:
    """One output item being streamed."""

    __slots__ = ("call", "id", "output_index", "pieces")

    def __init__(self, item_id: str, output_index: int, call: ToolCallPart | None) -> None:
        self.id = item_id
        self.output_index = output_index
        self.call = call  # None: a message item
        self.pieces: list[str] = []


class ResponsesStreamEncoder:
    """Canonical stream events -> Responses ``(event type, data)`` pairs."""

    def __init__(
        self,
        response_id: str,
        model: str,
        created_at: int,
        request: dict[str, Any],
        json_mode_tool: str | None = None,
    ) -> None:
        self._id = response_id
        self._model = model
        self._created = created_at
        self._request = request
        self._json_tool = json_mode_tool
        self._json_blocks: set[int] = set()
        self._msg_id, self._fc_prefix = item_ids(response_id)
        self._open: _Item | None = None
        self._block = -1
        self.output: list[dict[str, Any]] = []
        self.seq = 0
        self.started = False
        self.final: dict[str, Any] | None = None

    def _ev(self, kind: str, **data: Any) -> Event:
        out = (kind, {"type": kind, "sequence_number": self.seq, **data})
        self.seq += 1
        return out

    def _response(self, finish: FinishReason | None, usage: Usage | None) -> dict[str, Any]:
        return response_object(
            self._id,
            model=self._model,
            created_at=self._created,
            request=self._request,
            output=list(self.output),
            finish=finish,
            usage=usage,
        )

    def _start(self) -> list[Event]:
        if self.started:
            return []
        self.started = True
        return [
            self._ev("response.created", response=self._response(None, None)),
            self._ev("response.in_progress", response=self._response(None, None)),
        ]

    def _open_item(self, block: int, call: ToolCallPart | None) -> list[Event]:
        out = self._start() + self._close()
        n = len(self.output)
        item_id = self._msg_id if n == 0 else f"{self._msg_id}_{n}"
        if call is not None:
            item_id = f"{self._fc_prefix}{n}"
        self._open, self._block = _Item(item_id, n, call), block
        if call is None:
            item = message_item(item_id, "", status="in_progress")
            out.append(self._ev("response.output_item.added", output_index=n, item=item))
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            ids = {"item_id": item_id, "output_index": n, "content_index": 0}
            out.append(self._ev("response.content_part.added", **ids, part=part))
        else:
            item = call_item(item_id, ToolCallPart(call.id, call.name, ""), status="in_progress")
            out.append(self._ev("response.output_item.added", output_index=n, item=item))
        self.output.append(item)
        return out

    def _close(self) -> list[Event]:
        item, self._open, self._block = self._open, None, -1
        if item is None:
            return []
        joined = "".join(item.pieces)
        n = item.output_index
        if item.call is None:
            done = message_item(item.id, joined)
            ids = {"item_id": item.id, "output_index": n, "content_index": 0}
            out = [
                self._ev("response.output_text.done", **ids, text=joined, logprobs=[]),
                self._ev("response.content_part.done", **ids, part=done["content"][0]),
            ]
        else:
            done = call_item(item.id, ToolCallPart(item.call.id, item.call.name, joined))
            ids = {"item_id": item.id, "output_index": n}
            out = [self._ev("response.function_call_arguments.done", **ids, arguments=joined)]
        self.output[n] = done
        out.append(self._ev("response.output_item.done", output_index=n, item=done))
        return out

    def _text(self, block: int, text: str) -> list[Event]:
        out = [] if self._block == block else self._open_item(block, None)
        assert self._open is not None
        self._open.pieces.append(text)
        ids = {"item_id": self._open.id, "output_index": self._open.output_index}
        out.append(self._ev("response.output_text.delta", **ids, content_index=0, delta=text))
        out[-1][1]["logprobs"] = []
        return out

    def _arguments(self, block: int, delta: str) -> list[Event]:
        item = self._open
        if item is None or self._block != block or item.call is None:
            return []
        item.pieces.append(delta)
        ids = {"item_id": item.id, "output_index": item.output_index}
        return [self._ev("response.function_call_arguments.delta", **ids, delta=delta)]

    def _finish(self, ev: StreamFinish) -> list[Event]:
        out = self._start() + self._close()
        reason = ev.finish_reason
        calls = any(o["type"] == "function_call" for o in self.output)
        if reason == "tool_calls" and not calls:
            reason = "stop"  # the only tool called was the JSON-mode one: an answer
        self.final = self._response(reason, ev.usage)
        kind = (
            "response.completed" if self.final["status"] == "completed" else "response.incomplete"
        )
        out.append(self._ev(kind, response=self.final))
        return out

    def feed(self, ev: StreamEvent) -> list[Event]:
        if isinstance(ev, TextDelta):
            return self._text(ev.index, ev.text)
        if isinstance(ev, ToolCallDelta):
            if ev.index in self._json_blocks:
                return self._text(ev.index, ev.partial_json)
            return self._arguments(ev.index, ev.partial_json)
        if isinstance(ev, ToolCallStart):
            if ev.name == self._json_tool:
                self._json_blocks.add(ev.index)
                return []
            return self._open_item(ev.index, ToolCallPart(ev.id, ev.name, ""))
        if isinstance(ev, BlockStop):
            return self._close() if ev.index == self._block else []
        if isinstance(ev, StreamStart):
            return self._start()
        if isinstance(ev, StreamFinish):
            return self._finish(ev)
        if isinstance(ev, StreamError):
            return [self.error(ev.type, ev.message)]
        return []

    def error(self, code: str, message: str) -> Event:
        """An ``error`` event (the stream ends after it)."""
        return self._ev("error", code=code, message=message, param=None)


class ResponsesStreamParser:
    """Responses stream events (parsed ``data`` objects) -> canonical stream events."""

    __slots__ = ("_args_seen", "_blocks", "_open", "finish_reason", "started", "usage")

    def __init__(self) -> None:
        self._blocks: dict[int, int] = {}  # output_index -> canonical block
        self._open = -1  # output_index of the open block
        self._args_seen = False
        self.started = False
        self.usage = Usage()
        self.finish_reason: FinishReason | None = None

    def _block(self, output_index: int, out: list[StreamEvent]) -> int:
        block = self._blocks.get(output_index)
        if block is None:
            if self._open >= 0:
                out.append(BlockStop(self._blocks[self._open]))
            block = self._blocks[output_index] = len(self._blocks)
            self._open = output_index
        return block

    def _item(self, data: dict[str, Any], out: list[StreamEvent], done: bool) -> None:
        item = data.get("item") or {}
        index = data.get("output_index", 0)
        if item.get("type") == "function_call" and not done:
            block = self._block(index, out)
            out.append(ToolCallStart(block, item.get("call_id") or "", item.get("name") or ""))
            self._args_seen = False
        elif done and index == self._open:
            if item.get("type") == "function_call" and not self._args_seen:
                out.append(ToolCallDelta(self._blocks[index], item.get("arguments") or "{}"))
            out.append(BlockStop(self._blocks[index]))
            self._open = -1

    def _end(self, response: dict[str, Any], out: list[StreamEvent]) -> None:
        if self._open >= 0:
            out.append(BlockStop(self._blocks[self._open]))
            self._open = -1
        self.usage = extract_usage(response.get("usage")) or self.usage
        self.finish_reason = finish_reason(response) or "stop"
        out.append(StreamFinish(self.finish_reason, self.usage))

    def feed(self, data: dict[str, Any]) -> list[StreamEvent]:
        kind = data.get("type")
        out: list[StreamEvent] = []
        if kind in ("response.output_text.delta", "response.refusal.delta"):
            out.append(TextDelta(self._block(data.get("output_index", 0), out), data["delta"]))
        elif kind == "response.function_call_arguments.delta":
            block = self._blocks.get(data.get("output_index", 0))
            if block is not None and data.get("delta"):
                self._args_seen = True
                out.append(ToolCallDelta(block, data["delta"]))
        elif kind in ("response.output_item.added", "response.output_item.done"):
            self._item(data, out, done=kind.endswith("done"))
        elif kind == "response.created":
            self.started = True
            response = data.get("response") or {}
            out.append(StreamStart(response.get("id", ""), response.get("model", ""), Usage()))
        elif kind in ("response.completed", "response.incomplete"):
            self._end(data.get("response") or {}, out)
        elif kind == "response.failed":
            error = (data.get("response") or {}).get("error") or {}
            out.append(StreamError("api_error", str(error.get("message") or "response failed")))
        elif kind == "error":
            code = str(data.get("code") or "api_error")
            out.append(StreamError(code, str(data.get("message") or "upstream stream error")))
        return out
