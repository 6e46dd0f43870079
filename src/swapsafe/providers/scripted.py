"""An in-process provider with deterministic replies (OpenAI wire, no HTTP).

By default it echoes: the reply is ``"[<name>] " + <last user message text>`` with usage
estimated from word counts. :meth:`ScriptedProvider.enqueue` queues replies or errors, used in
FIFO order. With ``strict=True`` a request that finds the queue empty fails loudly with
:class:`UnexpectedRequest` naming the request.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from swapsafe.exceptions import ProviderError, ProviderTimeout
from swapsafe.providers.base import SSEEvent, UpstreamResponse, Wire
from swapsafe.providers.canned import (
    Reply,
    ToolCall,
    last_user_text,
    openai_chunks,
    openai_completion,
    prompt_tokens,
)
from swapsafe.providers.registry import ProviderSpec, register_provider

_CREATED = 1_700_000_000


class UnexpectedRequest(AssertionError):
    """A strict :class:`ScriptedProvider` received a request nothing was queued for."""


@dataclass(frozen=True, slots=True)
class _Scripted:
    reply: Reply | None
    error: ProviderError | None
    fail_after: int | None


@dataclass(frozen=True, slots=True)
class ScriptedCall:
    """One request the scripted provider received."""

    body: dict[str, Any]
    stream: bool
    api_key: str | None
    extra_headers: dict[str, str]


class ScriptedProvider:
    """Deterministic provider for tests and demos (``type = "scripted"``)."""

    type = "scripted"
    wire: Wire = "openai"

    def __init__(
        self,
        name: str = "scripted",
        *,
        upstream_model: str | None = None,
        strict: bool = False,
        latency: float = 0.0,
        cached_tokens: int = 0,
    ) -> None:
        self.name = name
        self.upstream_model = upstream_model or name
        self.strict = strict
        self.latency = latency
        self.cached_tokens = cached_tokens
        self.calls: list[ScriptedCall] = []
        self._queue: deque[_Scripted] = deque()
        self._ids = itertools.count(1)

    def __repr__(self) -> str:
        return f"ScriptedProvider(name={self.name!r}, strict={self.strict}, queued={len(self)})"

    def __len__(self) -> int:
        return len(self._queue)

    def enqueue(
        self,
        text: str | None = None,
        *,
        tool_calls: Iterable[ToolCall] = (),
        error: ProviderError | None = None,
        fail_after: int | None = None,
        finish_reason: str | None = None,
        completion_tokens: int = 0,
    ) -> ScriptedProvider:
        """Queue one reply (``text`` / ``tool_calls``) or one ``error``.

        ``error`` alone is raised at once; with ``fail_after=N`` a stream first yields N events
        of the reply and then raises it. Returns self so calls can be chained.
        """
        calls = tuple(tool_calls)
        reply = None
        if text is not None or calls or error is None or fail_after is not None:
            reply = Reply(
                text=text if text is not None or calls else "",
                tool_calls=calls,
                finish_reason=finish_reason,
                completion_tokens=completion_tokens,
            )
        self._queue.append(_Scripted(reply, error, fail_after))
        return self

    def enqueue_error(self, status: int, message: str = "scripted error") -> ScriptedProvider:
        """Queue a :class:`ProviderError` with ``status`` for the next request."""
        error = ProviderError(
            f"upstream {self.name!r} returned HTTP {status}: {message}",
            status=status,
            provider=self.name,
            body={"error": {"message": message, "type": "scripted_error"}},
        )
        return self.enqueue(error=error)

    async def aclose(self) -> None:
        return None

    async def complete(
        self,
        body: dict[str, Any],
        *,
        deadline: float,
        api_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retries: int = 2,
    ) -> UpstreamResponse:
        item, reply = await self._next(body, False, deadline, api_key, extra_headers)
        if item is not None and item.error is not None:
            raise item.error
        answer = openai_completion(
            reply, model=self._model(body), id=self._new_id(), created=_CREATED
        )
        return UpstreamResponse(200, answer, {"content-type": "application/json"}, 1)

    async def stream(
        self,
        body: dict[str, Any],
        *,
        deadline: float,
        api_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retries: int = 2,
    ) -> AsyncIterator[SSEEvent]:
        item, reply = await self._next(body, True, deadline, api_key, extra_headers)
        if item is not None and item.error is not None and item.fail_after is None:
            raise item.error
        options = body.get("stream_options") or {}
        payloads = openai_chunks(
            reply,
            model=self._model(body),
            id=self._new_id(),
            created=_CREATED,
            include_usage=bool(options.get("include_usage")),
        )
        for count, payload in enumerate(payloads):
            if item is not None and item.error is not None and count == item.fail_after:
                raise item.error
            yield SSEEvent(None, payload)

    # --- internals ----------------------------------------------------------------------------
    def _model(self, body: dict[str, Any]) -> str:
        return str(body.get("model") or self.upstream_model)

    def _new_id(self) -> str:
        return f"chatcmpl-scripted-{next(self._ids)}"

    async def _next(
        self,
        body: dict[str, Any],
        stream: bool,
        deadline: float,
        api_key: str | None,
        extra_headers: Mapping[str, str] | None,
    ) -> tuple[_Scripted | None, Reply]:
        self.calls.append(ScriptedCall(body, stream, api_key, dict(extra_headers or {})))
        if self.latency:
            if time.monotonic() + self.latency >= deadline:
                await asyncio.sleep(max(0.0, deadline - time.monotonic()))
                raise ProviderTimeout(
                    f"upstream {self.name!r} did not answer in time (deadline reached)",
                    provider=self.name,
                )
            await asyncio.sleep(self.latency)
        item = self._queue.popleft() if self._queue else None
        if item is None and self.strict:
            raise UnexpectedRequest(
                f"ScriptedProvider {self.name!r} (strict) got an unexpected "
                f"{'stream' if stream else 'complete'} request, nothing queued: "
                f"model={body.get('model')!r}, last user message={last_user_text(body)[:200]!r}"
            )
        base = item.reply if item is not None and item.reply is not None else None
        if base is None:
            base = Reply(text=f"[{self.name}] {last_user_text(body)}")
        reply = Reply(
            text=base.text,
            tool_calls=base.tool_calls,
            prompt_tokens=prompt_tokens(body),
            completion_tokens=base.completion_tokens,
            cached_tokens=self.cached_tokens,
            finish_reason=base.finish_reason,
        )
        return item, reply


@register_provider("scripted")
def _create_scripted(spec: ProviderSpec) -> ScriptedProvider:
    return ScriptedProvider(spec.name, upstream_model=spec.upstream_model)
