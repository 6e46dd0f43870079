"""Incremental cross-vendor stream translators (one instance per response stream).

Each event is translated as it arrives; nothing is buffered to the end (an OpenAI tool call is
held back only until its ``function.name`` arrives, normally in its first delta).

``AnthropicToOpenAIStream`` (an OpenAI client, served by Anthropic)::

    t = AnthropicToOpenAIStream(request_id, model, include_usage, created, json_mode_tool)
    for event, data in upstream:            # decoded SSE records, data parsed
        for chunk in t.feed(event, data):   # send each as  data: <json>\\n\\n
            ...
    # then send  data: [DONE]\\n\\n  (not after an error chunk)

An Anthropic ``event: error`` yields one ``{"error": {...}}`` chunk (the OpenAI SDK raises it as
an APIError) and sets ``t.error``; the caller sends it and ends the stream.

``OpenAIToAnthropicStream`` (an Anthropic client, served by an OpenAI-compatible model)::

    t = OpenAIToAnthropicStream(request_id, model)
    for chunk in upstream:                  # parsed data of each data: line before [DONE]
        for event, data in t.feed(chunk):   # send each as  event: X\\ndata: <json>\\n\\n
            ...
    for event, data in t.finish(): ...      # after [DONE]: closes blocks, message_delta/stop

The upstream request must have ``stream_options.include_usage`` (``openai.encode_request`` sets
it) for usage to arrive. An upstream ``{"error": ...}`` chunk yields an ``error`` event and sets
``t.error``. Both expose ``.usage`` (canonical, may be partial) and ``.finish_reason`` so a
trace can be recorded even if the client disconnects.
"""

from __future__ import annotations

from typing import Any

from swapsafe.wire.anthropic_stream import AnthropicStreamEncoder, AnthropicStreamParser, Event
from swapsafe.wire.canonical import FinishReason, StreamError, Usage
from swapsafe.wire.openai_stream import OpenAIStreamEncoder, OpenAIStreamParser


class AnthropicToOpenAIStream:
    __slots__ = ("_enc", "_parser", "error")

    def __init__(
        self,
        request_id: str,
        model: str,
        include_usage: bool,
        created: int,
        json_mode_tool: str | None = None,
    ) -> None:
        self._parser = AnthropicStreamParser()
        self._enc = OpenAIStreamEncoder(request_id, model, created, include_usage, json_mode_tool)
        self.error: StreamError | None = None

    def feed(self, event_type: str, data: dict[str, Any]) -> list[dict[str, Any]]:
        """One Anthropic SSE record -> zero or more OpenAI chunk dicts."""
        out: list[dict[str, Any]] = []
        enc = self._enc
        for ev in self._parser.feed(event_type, data):
            if isinstance(ev, StreamError):
                self.error = ev
            out.extend(enc.feed(ev))
        return out

    @property
    def usage(self) -> Usage:
        return self._parser.usage

    @property
    def finish_reason(self) -> FinishReason | None:
        return self._parser.finish_reason


class OpenAIToAnthropicStream:
    __slots__ = ("_enc", "_parser", "error")

    def __init__(self, request_id: str, model: str) -> None:
        self._parser = OpenAIStreamParser()
        self._enc = AnthropicStreamEncoder(request_id, model)
        self.error: StreamError | None = None

    def feed(self, chunk: dict[str, Any]) -> list[Event]:
        """One parsed OpenAI chunk -> zero or more Anthropic ``(event, data)`` pairs."""
        out: list[Event] = []
        enc = self._enc
        for ev in self._parser.feed(chunk):
            if isinstance(ev, StreamError):
                self.error = ev
            out.extend(enc.feed(ev))
        return out

    def finish(self) -> list[Event]:
        """The upstream sent ``[DONE]`` (or ended): emit whatever closes the message."""
        if self.error is not None:
            return []
        out: list[Event] = []
        for ev in self._parser.end():
            out.extend(self._enc.feed(ev))
        return out

    @property
    def usage(self) -> Usage:
        return self._parser.usage or Usage()

    @property
    def finish_reason(self) -> FinishReason | None:
        return self._parser.finish_reason
