"""Stream relays: upstream SSE events in, client-facing SSE bytes out, one event at a time.

Each relay tracks usage and the finish reason as the stream goes, so the trace is right even
when the client disconnects half-way, and (when bodies are stored) keeps the client-facing events
so the whole response can be rebuilt for the trace row.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import orjson

from swapsafe.exceptions import ProviderError, TranslationError
from swapsafe.gateway import accumulate
from swapsafe.gateway.calls import Call
from swapsafe.gateway.tracing import TraceWriter
from swapsafe.gateway.usage import TokenUsage, from_anthropic, from_openai
from swapsafe.providers.base import SSEEvent
from swapsafe.wire import errors as wire_errors
from swapsafe.wire.sse import OPENAI_DONE, encode_anthropic, encode_openai
from swapsafe.wire.stream import AnthropicToOpenAIStream, OpenAIToAnthropicStream


class Relay:
    """Base: subclasses implement ``feed``; ``finish`` closes a stream that ended normally."""

    client_wire = "openai"

    def __init__(self, request_id: str, *, collect: bool) -> None:
        self.request_id = request_id
        self.collect = collect
        self.usage = TokenUsage()
        self.finish_reason: str | None = None
        self.done = False  # the upstream's terminal event was seen
        self.chunks: list[dict[str, Any]] = []
        self.events: list[tuple[str, dict[str, Any]]] = []

    def feed(self, ev: SSEEvent) -> list[bytes]:
        raise NotImplementedError

    def finish(self) -> list[bytes]:
        return []

    def error_event(self, status: int, message: str) -> bytes:
        if self.client_wire == "anthropic":
            return encode_anthropic("error", wire_errors.anthropic_error_body(status, message))
        return encode_openai(wire_errors.openai_error_body(status, message))

    def body(self) -> dict[str, Any] | None:
        if not self.collect:
            return None
        if self.client_wire == "anthropic":
            return accumulate.anthropic_from_events(self.events)
        return accumulate.openai_from_chunks(self.chunks)


class OpenAIPassthrough(Relay):
    """OpenAI upstream → OpenAI client: rewrite ``id``; hide the usage chunk unless asked for."""

    def __init__(self, request_id: str, *, collect: bool, client_wants_usage: bool) -> None:
        super().__init__(request_id, collect=collect)
        self.client_wants_usage = client_wants_usage

    def feed(self, ev: SSEEvent) -> list[bytes]:
        if ev.data == b"[DONE]":
            self.done = True
            return [OPENAI_DONE]
        chunk = orjson.loads(ev.data)
        if not isinstance(chunk, dict):
            return []
        chunk["id"] = self.request_id
        if chunk.get("usage"):
            from_openai(chunk["usage"], self.usage)
        choices = chunk.get("choices") or ()
        for choice in choices:
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        if self.collect:
            self.chunks.append(chunk)
        if not choices and chunk.get("usage") and not self.client_wants_usage:
            return []  # the gateway asked for usage upstream; the client did not
        if not self.client_wants_usage and "usage" in chunk:
            chunk.pop("usage")
        return [encode_openai(chunk)]


class AnthropicPassthrough(Relay):
    """Anthropic upstream → Anthropic client: rewrite the message id, forward the rest as is."""

    client_wire = "anthropic"

    def feed(self, ev: SSEEvent) -> list[bytes]:
        name = ev.event or ""
        if name == "ping":
            return [b"event: ping\ndata: " + ev.data + b"\n\n"]
        if name in ("message_start", "message_delta") or self.collect:
            data = orjson.loads(ev.data)
            if name == "message_start":
                msg = data.get("message") or {}
                msg["id"] = self.request_id
                from_anthropic(msg.get("usage"), self.usage)
            elif name == "message_delta":
                from_anthropic(data.get("usage"), self.usage)
                self.finish_reason = (data.get("delta") or {}).get(
                    "stop_reason"
                ) or self.finish_reason
            if self.collect:
                self.events.append((name, data))
            if name == "message_stop":
                self.done = True
            return [encode_anthropic(name, data)]
        if name == "message_stop":
            self.done = True
        return [b"event: " + name.encode() + b"\ndata: " + ev.data + b"\n\n"]


class AnthropicToOpenAI(Relay):
    """Anthropic upstream → OpenAI client, translated event by event."""

    def __init__(
        self,
        request_id: str,
        *,
        model: str,
        collect: bool,
        include_usage: bool,
        json_mode_tool: str | None,
    ) -> None:
        super().__init__(request_id, collect=collect)
        self.translator = AnthropicToOpenAIStream(
            request_id=request_id,
            model=model,
            include_usage=include_usage,
            created=int(time.time()),
            json_mode_tool=json_mode_tool,
        )

    def feed(self, ev: SSEEvent) -> list[bytes]:
        name = ev.event or ""
        if name == "ping":
            return []
        data = orjson.loads(ev.data)
        if name == "message_start":
            from_anthropic((data.get("message") or {}).get("usage"), self.usage)
        elif name == "message_delta":
            from_anthropic(data.get("usage"), self.usage)
        elif name == "message_stop":
            self.done = True
        chunks = self.translator.feed(name, data)
        if self.translator.finish_reason:
            self.finish_reason = self.translator.finish_reason
        if self.collect:
            self.chunks.extend(chunks)
        out = [encode_openai(c) for c in chunks]
        if self.done:
            out.append(OPENAI_DONE)
        return out


class OpenAIToAnthropic(Relay):
    """OpenAI-wire upstream (OpenAI, vLLM, llama.cpp ...) → Anthropic client."""

    client_wire = "anthropic"

    def __init__(self, request_id: str, *, model: str, collect: bool) -> None:
        super().__init__(request_id, collect=collect)
        self.translator = OpenAIToAnthropicStream(request_id=request_id, model=model)

    def _out(self, events: list[tuple[str, dict[str, Any]]]) -> list[bytes]:
        if self.collect:
            self.events.extend(events)
        if self.translator.finish_reason:
            self.finish_reason = self.translator.finish_reason
        return [encode_anthropic(name, data) for name, data in events]

    def feed(self, ev: SSEEvent) -> list[bytes]:
        if ev.data == b"[DONE]":
            self.done = True
            return self._out(self.translator.finish())
        chunk = orjson.loads(ev.data)
        if chunk.get("usage"):
            from_openai(chunk["usage"], self.usage)
        return self._out(self.translator.feed(chunk))


async def pump(
    call: Call,
    relay: Relay,
    first: SSEEvent,
    upstream: AsyncIterator[SSEEvent],
    ttft: float,
    traces: TraceWriter,
) -> AsyncIterator[bytes]:
    """Relay ``upstream`` (``first`` already read) to the client; record the trace at the end,
    however it ends (done, upstream failure, unreadable event, client gone)."""
    status, error_class = "client_disconnect", None
    try:
        for piece in relay.feed(first):
            yield piece
        async for ev in upstream:
            for piece in relay.feed(ev):
                yield piece
        if not relay.done:
            for piece in relay.finish():
                yield piece
        status = "ok"
    except ProviderError as exc:
        status, error_class = "error", exc.error_class
        yield relay.error_event(502, f"upstream {call.model.name} failed mid-stream: {exc}")
    except (TranslationError, orjson.JSONDecodeError, KeyError, TypeError) as exc:
        status, error_class = "error", "bad_upstream_event"
        yield relay.error_event(
            502, f"upstream {call.model.name} sent an unreadable event: {type(exc).__name__}"
        )
    finally:
        # recorded first: closing the upstream awaits, and a second cancellation there
        # (which a shield does not stop for plain asyncio cancels) must not lose the row
        traces.record(
            call,
            status=status,
            http_status=200,
            usage=relay.usage,
            error_class=error_class,
            ttft=ttft,
            response=relay.body(),
            finish_reason=relay.finish_reason,
        )
        with anyio.CancelScope(shield=True):
            aclose = getattr(upstream, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):  # a broken stream; the trace says why
                    await aclose()
