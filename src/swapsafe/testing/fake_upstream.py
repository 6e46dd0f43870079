"""A fake OpenAI or Anthropic upstream: a raw ASGI app with realistic replies and faults.

The OpenAI flavour answers Chat Completions and the Responses API (``/v1/responses``,
:mod:`swapsafe.testing.fake_responses`); ``apis=("responses",)`` makes a Responses-only model.

Use it in-process (``httpx.ASGITransport(app=fake)``) or on a real loopback socket
(``async with fake.serve() as base_url``, or ``with fake.serve_in_thread() as base_url``).
Every request is recorded in :attr:`FakeUpstream.requests`.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from swapsafe.providers.canned import (
    Reply,
    ToolCall,
    anthropic_events,
    anthropic_message,
    last_user_text,
    openai_chunks,
    openai_completion,
    prompt_tokens,
)
from swapsafe.testing import fake_responses
from swapsafe.testing.faults import (
    GARBAGE_BODY,
    NO_FAULT,
    ConnectionReset,
    Fault,
    Flavor,
    error_body,
    stream_error_frame,
)
from swapsafe.testing.loopback import LoopbackServer, Receive, Scope, Send, serve_in_thread

_CREATED = 1_700_000_000
_JSON_HEADERS = [(b"content-type", b"application/json")]
_SSE_HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the fake upstream received it (header names lower-case)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes


@dataclass(frozen=True, slots=True)
class _Scripted:
    text: str | None
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str | None
    fault: Fault | None


class FakeUpstream:
    """ASGI app answering ``POST /v1/chat/completions`` and ``POST /v1/responses`` (openai) or
    ``POST /v1/messages`` (anthropic).

    By default the reply echoes: ``"[<model>] <last user message>"``. Queue replies, tool calls
    and per-request faults with :meth:`enqueue`; set :attr:`fault` to fault every request that
    has none queued. With ``api_key`` set, requests with another key get a 401.
    """

    def __init__(
        self,
        flavor: Flavor = "openai",
        *,
        reply: str | Callable[[dict[str, Any]], str] | None = None,
        model: str | None = None,
        cached_tokens: int = 0,
        api_key: str | None = None,
        fault: Fault | None = None,
        apis: tuple[str, ...] = ("chat", "responses"),
        reasoning_tokens: int = 0,
    ) -> None:
        """``apis``: the OpenAI APIs served ("chat", "responses"); ``reasoning_tokens`` > 0
        adds a reasoning item and that many reasoning tokens to every Responses answer."""
        if flavor not in ("openai", "anthropic"):
            raise ValueError(f"flavor must be 'openai' or 'anthropic', not {flavor!r}")
        self.apis = apis
        self.reasoning_tokens = reasoning_tokens
        self.flavor: Flavor = flavor
        self.reply = reply
        self.model = model
        self.cached_tokens = cached_tokens
        self.api_key = api_key
        self.fault = fault or NO_FAULT
        self.requests: list[RecordedRequest] = []
        self._queue: deque[_Scripted] = deque()
        self._ids = itertools.count(1)

    def __repr__(self) -> str:
        return f"FakeUpstream({self.flavor!r}, requests={len(self.requests)})"

    # --- scripting ----------------------------------------------------------------------------
    def enqueue(
        self,
        text: str | None = None,
        *,
        tool_calls: Iterable[ToolCall] = (),
        finish_reason: str | None = None,
        fault: Fault | None = None,
    ) -> FakeUpstream:
        """Script the next response (FIFO). Returns self for chaining."""
        self._queue.append(_Scripted(text, tuple(tool_calls), finish_reason, fault))
        return self

    def enqueue_fault(self, fault: Fault, times: int = 1) -> FakeUpstream:
        """Queue ``fault`` for the next ``times`` requests."""
        for _ in range(times):
            self.enqueue(fault=fault)
        return self

    def reset(self) -> None:
        """Forget recorded requests, queued replies and the global fault."""
        self.requests.clear()
        self._queue.clear()
        self.fault = NO_FAULT

    @property
    def path(self) -> str:
        return "/v1/chat/completions" if self.flavor == "openai" else "/v1/messages"

    # --- serving ------------------------------------------------------------------------------
    @asynccontextmanager
    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
        """Serve on a real loopback socket; yields the base URL its SDK expects.

        OpenAI: ``http://127.0.0.1:PORT/v1``; Anthropic: ``http://127.0.0.1:PORT``.
        """
        server = LoopbackServer(self, host=host, port=port)
        await server.start()
        try:
            yield self._base_url(server.url)
        finally:
            await server.stop()

    @contextmanager
    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Like :meth:`serve`, from synchronous code: the server runs in a daemon thread."""
        with serve_in_thread(self, host=host, port=port) as url:
            yield self._base_url(url)

    def _base_url(self, url: str) -> str:
        return f"{url}/v1" if self.flavor == "openai" else url

    # --- ASGI ---------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            body: Any = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            body = None
        method, path = scope["method"], scope["path"]
        self.requests.append(RecordedRequest(method, path, headers, body, raw))

        if method == "GET" and path.endswith("/models"):
            data = [{"id": self.model or "fake-model", "object": "model", "owned_by": "fake"}]
            await _send_json(send, 200, {"object": "list", "data": data})
            return
        if method != "POST" or not self._route_ok(path):
            await _send_json(send, 404, error_body(self.flavor, 404, f"no route {method} {path}"))
            return
        problem = self._check(headers, body, path)
        if problem is not None:
            status, text = problem
            await _send_json(send, status, error_body(self.flavor, status, text))
            return
        scripted = self._queue.popleft() if self._queue else None
        fault = scripted.fault if scripted is not None and scripted.fault else self.fault
        if path.endswith("/responses"):
            await self._respond_responses(send, body, scripted, fault)
            return
        await self._respond(send, body, scripted, fault)

    def _route_ok(self, path: str) -> bool:
        if self.flavor == "openai":
            if path.endswith("/responses"):
                return "responses" in self.apis
            return path.endswith("/chat/completions") and "chat" in self.apis
        return path.endswith("/v1/messages")

    def _check(self, headers: dict[str, str], body: Any, path: str) -> tuple[int, str] | None:
        if self.api_key is not None:
            bearer = headers.get("authorization", "")
            given = bearer[7:] if bearer.startswith("Bearer ") else headers.get("x-api-key")
            if given != self.api_key:
                return 401, "Incorrect API key provided."
        if path.endswith("/responses"):
            problem = fake_responses.check_request(body)
            return None if problem is None else (400, problem)
        if not isinstance(body, dict):
            return 400, "The request body is not valid JSON."
        if not isinstance(body.get("model"), str):
            return 400, "model: field required"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return 400, "messages: at least one message is required"
        if self.flavor == "anthropic":
            if not isinstance(body.get("max_tokens"), int):
                return 400, "max_tokens: Field required"
            if any(isinstance(m, dict) and m.get("role") == "system" for m in messages):
                return (
                    400,
                    'messages: Unexpected role "system". Use the top-level system parameter.',
                )
        return None

    def _reply(
        self, body: dict[str, Any], scripted: _Scripted | None, responses: bool = False
    ) -> Reply:
        model = str(body.get("model"))
        last = fake_responses.last_user_text(body) if responses else last_user_text(body)
        if scripted is not None and (scripted.text is not None or scripted.tool_calls):
            text = scripted.text
        elif callable(self.reply):
            text = self.reply(body)
        elif self.reply is not None:
            text = self.reply
        else:
            text = f"[{model}] {last}"
        return Reply(
            text=text,
            tool_calls=scripted.tool_calls if scripted else (),
            prompt_tokens=fake_responses.prompt_tokens(body) if responses else prompt_tokens(body),
            cached_tokens=self.cached_tokens,
            finish_reason=scripted.finish_reason if scripted else None,
        )

    async def _respond_responses(
        self, send: Send, body: dict[str, Any], scripted: _Scripted | None, fault: Fault
    ) -> None:
        if await self._early_fault(send, fault):
            return
        reply = self._reply(body, scripted, responses=True)
        model = self.model or str(body["model"])
        n = next(self._ids)
        reasoning = self.reasoning_tokens
        if body.get("stream") is True:
            frames = fake_responses.stream_frames(
                reply, body=body, model=model, n=n, created=_CREATED, reasoning_tokens=reasoning
            )
            if fault.stream_error_after is not None:
                cut = fault.stream_error_after
                frames = [*frames[:cut], fake_responses.error_frame(cut)]
            elif fault is not NO_FAULT:
                frames = _apply_stream_fault("openai", frames, fault)
            await self._send_frames(send, frames, fault)
            return
        answer = fake_responses.response(
            reply, body=body, model=model, n=n, created=_CREATED, reasoning_tokens=reasoning
        )
        if fault.response_failed:
            error = {"code": "server_error", "message": "The model failed to generate a response."}
            answer = {**answer, "status": "failed", "error": error, "output": []}
        await self._send_answer(send, answer, n, fault)

    async def _early_fault(self, send: Send, fault: Fault) -> bool:
        """Apply the faults that come before any answer; True when one answered."""
        if fault is NO_FAULT:
            return False
        if fault.latency:
            await asyncio.sleep(fault.latency)
        if fault.hang:
            await asyncio.Event().wait()
        if fault.reset_before:
            raise ConnectionReset()
        if fault.status is not None:
            extra = []
            if fault.retry_after is not None:
                extra.append((b"retry-after", f"{fault.retry_after:g}".encode()))
            await _send_json(send, fault.status, error_body(self.flavor, fault.status), extra)
            return True
        if fault.garbage:
            await _send(send, 200, [(b"content-type", b"text/html")], GARBAGE_BODY)
            return True
        return False

    async def _send_answer(self, send: Send, answer: dict[str, Any], n: int, fault: Fault) -> None:
        payload = orjson.dumps(answer)
        if fault.invalid_json:
            payload = payload[: len(payload) // 2]
        if fault.reset_mid_stream is not None:
            await send({"type": "http.response.start", "status": 200, "headers": _JSON_HEADERS})
            await send({"type": "http.response.body", "body": payload[:20], "more_body": True})
            raise ConnectionReset()
        headers = [*_JSON_HEADERS, (b"x-request-id", f"req_fake{n}".encode())]
        await _send(send, 200, headers, payload)

    async def _send_frames(self, send: Send, frames: list[bytes], fault: Fault) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": _SSE_HEADERS})
        for i, frame in enumerate(frames):
            if fault.reset_mid_stream is not None and i == fault.reset_mid_stream:
                raise ConnectionReset()
            if fault.drip and i:
                await asyncio.sleep(fault.drip)
            await send({"type": "http.response.body", "body": frame, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _respond(
        self, send: Send, body: dict[str, Any], scripted: _Scripted | None, fault: Fault
    ) -> None:
        if await self._early_fault(send, fault):
            return
        reply = self._reply(body, scripted)
        model = self.model or str(body["model"])
        n = next(self._ids)
        if body.get("stream") is True:
            await self._stream(send, body, reply, model, n, fault)
            return
        answer: dict[str, Any]
        if self.flavor == "openai":
            answer = openai_completion(reply, model=model, id=f"chatcmpl-fake{n}", created=_CREATED)
        else:
            answer = anthropic_message(reply, model=model, id=f"msg_fake{n:020d}")
        await self._send_answer(send, answer, n, fault)

    async def _stream(
        self, send: Send, body: dict[str, Any], reply: Reply, model: str, n: int, fault: Fault
    ) -> None:
        frames: list[bytes]
        if self.flavor == "openai":
            options = body.get("stream_options") or {}
            payloads = openai_chunks(
                reply,
                model=model,
                id=f"chatcmpl-fake{n}",
                created=_CREATED,
                include_usage=bool(options.get("include_usage")),
            )
            frames = [b"data: " + p + b"\n\n" for p in payloads]
        else:
            events = anthropic_events(reply, model=model, id=f"msg_fake{n:020d}")
            frames = [b"event: " + e.encode() + b"\ndata: " + d + b"\n\n" for e, d in events]
        if fault is not NO_FAULT:
            frames = _apply_stream_fault(self.flavor, frames, fault)
        await self._send_frames(send, frames, fault)


def _apply_stream_fault(flavor: Flavor, frames: list[bytes], fault: Fault) -> list[bytes]:
    if fault.truncated_sse:
        frames = frames[:-1]
    if fault.invalid_json and len(frames) > 1:
        frames[1] = frames[1][: len(frames[1]) // 2] + b"\n\n"
    if fault.stream_error_after is not None:
        frames = [*frames[: fault.stream_error_after], stream_error_frame(flavor)]
    return frames


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _send_json(
    send: Send, status: int, body: Any, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    await _send(send, status, [*_JSON_HEADERS, *(extra or ())], orjson.dumps(body))


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
