"""Stream relays with the Responses API on one side (see :mod:`swapsafe.gateway.streaming`).

A native Responses stream is relayed event by event as it arrives, bytes untouched (OpenAI's
response id included: a later ``previous_response_id`` must find it); only the terminal event is
read, for usage, the finish reason and the stored body. Every other pair with Responses on one
side goes upstream events -> canonical events (a parser) -> client events (an encoder).
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from swapsafe.gateway import accumulate
from swapsafe.gateway.streaming import Relay
from swapsafe.gateway.usage import TokenUsage
from swapsafe.providers.base import SSEEvent
from swapsafe.wire.anthropic_stream import AnthropicStreamEncoder, AnthropicStreamParser
from swapsafe.wire.canonical import FinishReason, StreamEvent, StreamFinish, Usage
from swapsafe.wire.openai_stream import OpenAIStreamEncoder, OpenAIStreamParser
from swapsafe.wire.responses_answer import extract_usage, finish_reason
from swapsafe.wire.responses_stream import ResponsesStreamEncoder, ResponsesStreamParser
from swapsafe.wire.sse import OPENAI_DONE, encode_anthropic, encode_openai

_TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})


def _token_usage(u: Usage, into: TokenUsage) -> None:
    into.input, into.output, into.cached = u.input_tokens, u.output_tokens, u.cached_tokens


def _event_name(ev: SSEEvent) -> tuple[str, dict[str, Any] | None]:
    if ev.event is not None:
        return ev.event, None
    data = orjson.loads(ev.data)
    return str(data.get("type")), data


class ResponsesPassthrough(Relay):
    """Responses upstream -> Responses client: every event forwarded as it arrived."""

    client_wire = "responses"

    def __init__(self, request_id: str, *, collect: bool) -> None:
        super().__init__(request_id, collect=collect)
        self.final: dict[str, Any] | None = None
        self.seq = 0

    def feed(self, ev: SSEEvent) -> list[bytes]:
        name, data = _event_name(ev)
        if name in _TERMINAL:
            response = (data or orjson.loads(ev.data)).get("response") or {}
            self.done = True
            self.final = response
            usage = extract_usage(response.get("usage"))
            if usage is not None:
                _token_usage(usage, self.usage)
            self.finish_reason = finish_reason(response)
        self.seq += 1
        return [b"event: " + name.encode() + b"\ndata: " + ev.data + b"\n\n"]

    def error_event(self, status: int, message: str) -> bytes:
        return _error_bytes(self.seq, status, message)

    def body(self) -> dict[str, Any] | None:
        return self.final if self.collect else None


def _error_bytes(seq: int, status: int, message: str) -> bytes:
    code = "server_error" if status >= 500 else "invalid_request_error"
    data = {"type": "error", "sequence_number": seq, "code": code, "message": message}
    return encode_anthropic("error", {**data, "param": None})


class _Source:
    """Upstream SSE events -> canonical events, for one wire."""

    def __init__(self, wire: str) -> None:
        self.wire = wire
        self.parser: Any = {
            "anthropic": AnthropicStreamParser,
            "openai": OpenAIStreamParser,
            "responses": ResponsesStreamParser,
        }[wire]()
        self.done = False

    def feed(self, ev: SSEEvent) -> list[StreamEvent]:
        if self.wire == "anthropic":
            name = ev.event or ""
            if name == "ping":
                return []
            self.done = name == "message_stop"
            result: list[StreamEvent] = self.parser.feed(name, orjson.loads(ev.data))
            return result
        if self.wire == "openai":
            if ev.data == b"[DONE]":
                self.done = True
                return self.end()
            return list(self.parser.feed(orjson.loads(ev.data)))
        events: list[StreamEvent] = self.parser.feed(orjson.loads(ev.data))
        self.done = any(isinstance(e, StreamFinish) for e in events) or self.done
        return events

    def end(self) -> list[StreamEvent]:
        return list(self.parser.end()) if self.wire == "openai" else []

    @property
    def usage(self) -> Usage | None:
        u: Usage | None = self.parser.usage
        return u

    @property
    def finish_reason(self) -> FinishReason | None:
        reason: FinishReason | None = self.parser.finish_reason
        return reason


class Translated(Relay):
    """Any upstream wire -> any client format, through canonical stream events."""

    def __init__(
        self,
        request_id: str,
        source: _Source,
        client_wire: str,
        *,
        model: str,
        json_tool: str | None,
        body: dict[str, Any],
        collect: bool,
    ) -> None:
        super().__init__(request_id, collect=collect)
        self.client_wire = client_wire
        self.source = source
        created = int(time.time())
        self.encoder: Any
        if client_wire == "responses":
            self.encoder = ResponsesStreamEncoder(request_id, model, created, body, json_tool)
        elif client_wire == "anthropic":
            self.encoder = AnthropicStreamEncoder(request_id, model)
        else:
            opts = body.get("stream_options") or {}
            wants = bool(opts.get("include_usage"))
            self.encoder = OpenAIStreamEncoder(request_id, model, created, wants, json_tool)

    def _out(self, events: list[StreamEvent]) -> list[bytes]:
        out: list[bytes] = []
        for ev in events:
            if self.client_wire == "openai":
                for chunk in self.encoder.feed(ev):
                    if self.collect:
                        self.chunks.append(chunk)
                    out.append(encode_openai(chunk))
                if isinstance(ev, StreamFinish):
                    out.append(OPENAI_DONE)
                continue
            for name, data in self.encoder.feed(ev):
                if self.collect and self.client_wire == "anthropic":
                    self.events.append((name, data))
                out.append(encode_anthropic(name, data))
        usage = self.source.usage
        if usage is not None:
            _token_usage(usage, self.usage)
        self.finish_reason = self.source.finish_reason or self.finish_reason
        return out

    def feed(self, ev: SSEEvent) -> list[bytes]:
        out = self._out(self.source.feed(ev))
        self.done = self.source.done
        return out

    def finish(self) -> list[bytes]:
        return self._out(self.source.end())

    def error_event(self, status: int, message: str) -> bytes:
        if self.client_wire == "responses":
            return _error_bytes(self.encoder.seq, status, message)
        return super().error_event(status, message)

    def body(self) -> dict[str, Any] | None:
        if not self.collect:
            return None
        if self.client_wire == "responses":
            final: dict[str, Any] | None = self.encoder.final
            return final
        if self.client_wire == "anthropic":
            return accumulate.anthropic_from_events(self.events)
        return accumulate.openai_from_chunks(self.chunks)


def relay(
    inbound: str,
    wire: str,
    request_id: str,
    *,
    model: str,
    json_tool: str | None,
    body: dict[str, Any],
    collect: bool,
) -> Relay:
    """The relay for a stream with the Responses API as the client's format or the wire."""
    if inbound == wire:
        return ResponsesPassthrough(request_id, collect=collect)
    return Translated(
        request_id,
        _Source(wire),
        inbound,
        model=model,
        json_tool=json_tool,
        body=body,
        collect=collect,
    )
