"""The request path: authenticate, resolve the workload, route, call, stream, shadow, record."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import anyio
import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from swapsafe.config import Config, ModelConfig, WorkloadConfig
from swapsafe.exceptions import ProviderError, TranslationError
from swapsafe.gateway import streaming
from swapsafe.gateway.anthropic_headers import passthrough_headers
from swapsafe.gateway.auth import ClientAuth, client_key
from swapsafe.gateway.calls import (
    ID_PREFIX,
    MALFORMED,
    BodyReader,
    BodyTooLarge,
    Call,
    Refusal,
    finish_reason,
    header_map,
    parse_request,
    read_body,
)
from swapsafe.gateway.errors import error_response, provider_error_response
from swapsafe.gateway.metrics import GatewayMetrics
from swapsafe.gateway.recorder import Recorder
from swapsafe.gateway.router import Route, decide, sticky_key
from swapsafe.gateway.routing_cache import RoutingCache
from swapsafe.gateway.shadow import ShadowDispatcher
from swapsafe.gateway.tracing import TraceWriter
from swapsafe.gateway.usage import from_wire
from swapsafe.pricing import PriceBook
from swapsafe.providers.base import Provider, SSEEvent, UpstreamResponse
from swapsafe.providers.outbound import Outbound, Target, prepare
from swapsafe.store.coverage import SHADOWED
from swapsafe.store.records import SYNTHETIC_SOURCES
from swapsafe.wire import translate

#: the proxy routes (request path -> inbound wire format); every entry point short-cuts them
PROXY_ROUTES = {
    "/v1/chat/completions": "openai",
    "/chat/completions": "openai",
    "/v1/messages": "anthropic",
}


class ThenResponse:
    """A 200 JSON response that runs ``then()`` once it is sent: the trace is off the latency
    path. Plain ASGI messages (no Starlette header machinery: this is every request)."""

    __slots__ = ("body", "raw_headers", "then")
    status_code = 200

    def __init__(
        self, content: bytes, *, headers: dict[str, str], then: Callable[[], None]
    ) -> None:
        self.body = content
        self.raw_headers = [
            (b"content-length", b"%d" % len(content)),
            (b"content-type", b"application/json"),
            *((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()),
        ]
        self.then = then

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            await send({"type": "http.response.body", "body": self.body})
        finally:
            self.then()


class Gateway:
    def __init__(
        self,
        config: Config,
        providers: Mapping[str, Provider],
        *,
        recorder: Recorder,
        routing: RoutingCache,
        metrics: GatewayMetrics,
        pricebook: PriceBook,
    ) -> None:
        self.config = config
        self.providers = dict(providers)
        self.recorder = recorder
        self.routing = routing
        self.metrics = metrics
        self.pricebook = pricebook
        gw = config.gateway
        self.auth = ClientAuth([k.reveal() for k in gw.client_keys], pass_through=gw.pass_through)
        self.aliases: dict[str, WorkloadConfig] = {
            alias: config.workloads[name] for alias, name in config.alias_map().items()
        }
        self.bodies = config.store.bodies
        self.targets = {n: Target.of(p, config.models.get(n)) for n, p in self.providers.items()}
        self.traces = TraceWriter(config, recorder=recorder, metrics=metrics, pricebook=pricebook)
        self.shadow = ShadowDispatcher(
            sample_rate=config.shadow.sample_rate,
            max_concurrency=config.shadow.max_concurrency,
            timeout=config.shadow.timeout,
            daily_budget_usd=config.shadow.daily_budget_usd,
            metrics=metrics,
            yield_when_busy=config.shadow.yield_when_busy,
            max_loop_lag=config.shadow.max_loop_lag,
            max_served_in_flight=config.shadow.max_served_in_flight,
        )

    # -- helpers -----------------------------------------------------------------------------
    def _reject(self, inbound: str, status: int, reason: str, message: str) -> Response:
        self.metrics.rejected.inc((reason,))
        return error_response(inbound, status, message)

    def _prepare(
        self,
        body: dict[str, Any],
        inbound: str,
        workload: WorkloadConfig,
        model: str,
        stream: bool,
        headers: Mapping[str, str],
    ) -> Outbound:
        """The upstream request for ``model`` (providers/outbound.py: the one place), with the
        caller's Anthropic headers (gateway/anthropic_headers.py; raises TranslationError)."""
        variant = workload.prompt_variant(model)
        out = prepare(body, inbound, self.targets[model], stream=stream, variant=variant)
        extra = passthrough_headers(inbound, headers, self.targets[model].wire, model)
        return dataclasses.replace(out, headers=extra) if extra else out

    def upstream_key(self, model: ModelConfig, inbound: str, key: str | None) -> str | None:
        """Pass-through: the client's key goes only to a configured model of its own vendor."""
        if not self.auth.pass_through or model.api_key is not None:
            return None
        if self.providers[model.name].wire != inbound:
            return None
        return key

    def _to_client(
        self,
        inbound: str,
        provider: Provider,
        body: dict[str, Any],
        request_id: str,
        json_tool: str | None,
    ) -> dict[str, Any]:
        if provider.wire == inbound:
            out = dict(body)
            out["id"] = request_id
            return out
        if inbound == "openai":
            return translate.anthropic_to_openai_response(
                body, request_id=request_id, model=provider.upstream_model, json_mode_tool=json_tool
            )
        return translate.openai_to_anthropic_response(
            body, request_id=request_id, model=provider.upstream_model
        )

    # -- entry points ------------------------------------------------------------------------
    async def handle(self, request: Request, inbound: str) -> Response | ThenResponse:
        """Serve one proxy request that came through ASGI."""

        async def read(limit: int, declared: str | None) -> bytes:
            return await read_body(request, limit, declared)

        return await self.serve(inbound, header_map(request.scope["headers"]), read)

    async def serve(
        self, inbound: str, headers: Mapping[str, str], read: BodyReader
    ) -> Response | ThenResponse:
        """Serve one proxy request: ``headers`` by lower-case name, ``read`` gives the body.

        The gateway's own HTTP protocol calls this directly (no ASGI scope or messages).
        """
        key = client_key(headers)
        if not self.auth.check(key):
            return self._reject(
                inbound,
                401,
                "auth",
                "missing or invalid API key: send a key configured in [gateway] client_keys",
            )
        try:
            raw = await read(self.config.gateway.max_body_bytes, headers.get("content-length"))
        except BodyTooLarge:
            return self._reject(
                inbound,
                413,
                "too_large",
                f"request body exceeds {self.config.gateway.max_body_bytes} bytes "
                "([gateway] max_body_bytes)",
            )
        body = parse_request(raw, inbound)
        if isinstance(body, Refusal):
            self.metrics.rejected.inc((body.reason,))
            return error_response(inbound, 400, body.message, param=body.param)
        alias = headers.get("x-swapsafe-workload") or body.get("model")
        workload = self.aliases.get(alias) if isinstance(alias, str) else None
        if workload is None:
            known = ", ".join(sorted(self.aliases))
            return self._reject(
                inbound,
                404,
                "unknown_model",
                f"unknown model {alias!r}: this gateway serves the workload aliases: {known}",
            )
        state = self.routing.get(workload.name)
        route = decide(
            workload=workload.name,
            baseline=workload.baseline,
            candidate=workload.candidate,
            state=state,
            key=sticky_key(workload.sticky_key, body, headers),
        )
        stream = body.get("stream") is True
        serving = self.config.models[route.serving]
        try:
            outbound = self._prepare(body, inbound, workload, serving.name, stream, headers)
        except TranslationError as exc:
            self.metrics.rejected.inc(("untranslatable",))
            return error_response(inbound, 400, str(exc), param=exc.param)
        except MALFORMED as exc:  # a shape the translator could not read: the client's fault
            return self._reject(
                inbound,
                400,
                "malformed",
                f"malformed request: {type(exc).__name__} while reading it; check the request "
                "against the API reference",
            )
        request_id = ID_PREFIX[inbound] + os.urandom(16).hex()
        pair_id = os.urandom(16).hex()
        request_text = self.traces.body_text(raw)
        now = datetime.now(UTC)
        synthetic = headers.get("x-swapsafe-synthetic")
        source = synthetic if synthetic in SYNTHETIC_SOURCES else "gateway"
        shadow_outcome = None
        if route.shadow is not None:
            shadow_outcome = self._start_shadow(
                body, inbound, workload, route, pair_id, request_text, now, key, source, headers
            )
        call = Call(
            request_id=request_id,
            pair_id=pair_id,
            workload=workload.name,
            role="served",
            model=serving,
            inbound=inbound,
            stream=stream,
            bucket=route.bucket,
            request_text=request_text,
            started=time.perf_counter(),
            ts=now,
            source=source,
            shadow_outcome=shadow_outcome,
            outbound=outbound,
        )
        self.traces.opened(call)
        out_headers = {
            "x-swapsafe-served-by": serving.name,
            "x-swapsafe-workload": workload.name,
            "x-request-id": request_id,
        }
        api_key = self.upstream_key(serving, inbound, key)
        self.shadow.served_in_flight += 1  # a busy signal: shadow calls yield to served ones
        try:
            if stream:
                return await self._stream(
                    call, outbound.body, outbound.json_tool, api_key, out_headers, body
                )
            return await self._complete(
                call, outbound.body, outbound.json_tool, api_key, out_headers
            )
        finally:
            self.shadow.served_in_flight -= 1

    # -- non-streaming -----------------------------------------------------------------------
    async def _complete(
        self,
        call: Call,
        upstream_body: dict[str, Any],
        json_tool: str | None,
        api_key: str | None,
        headers: dict[str, str],
    ) -> Response | ThenResponse:
        provider = self.providers[call.model.name]
        gw = self.config.gateway
        try:
            resp = await provider.complete(
                upstream_body,
                deadline=time.monotonic() + gw.deadline,
                api_key=api_key,
                extra_headers=call.extra_headers,
                retries=gw.retries,
            )
            out = self._to_client(call.inbound, provider, resp.body, call.request_id, json_tool)
        except ProviderError as exc:
            self.traces.record(
                call, status="error", http_status=exc.status or None, error_class=exc.error_class
            )
            response = provider_error_response(call.inbound, provider.wire, exc)
            response.headers.update(headers)
            return response
        except TranslationError as exc:
            self.traces.record(call, status="error", http_status=502, error_class="translation")
            return error_response(
                call.inbound, 502, f"cannot translate the upstream response: {exc}", headers=headers
            )
        payload = orjson.dumps(out)
        latency = time.perf_counter() - call.started
        return ThenResponse(
            payload,
            headers=headers,
            then=lambda: self._record_ok(call, provider, resp, out, payload, latency),
        )

    def _record_ok(
        self,
        call: Call,
        provider: Provider,
        resp: UpstreamResponse,
        out: dict[str, Any],
        payload: bytes,
        latency: float,
    ) -> None:
        self.traces.record(
            call,
            status="ok",
            http_status=resp.status,
            usage=from_wire(provider.wire, resp.body.get("usage")),
            response=payload,  # the bytes the client gets, serialised once
            finish_reason=finish_reason(call.inbound, out),
            latency=latency,
        )

    # -- streaming ---------------------------------------------------------------------------
    def _relay(
        self, call: Call, provider: Provider, json_tool: str | None, body: dict[str, Any]
    ) -> streaming.Relay:
        collect = self.bodies != "none"
        opts = body.get("stream_options") if call.inbound == "openai" else None  # type-checked
        wants_usage = bool((opts or {}).get("include_usage"))
        if provider.wire == call.inbound == "openai":
            return streaming.OpenAIPassthrough(
                call.request_id, collect=collect, client_wants_usage=wants_usage
            )
        if provider.wire == call.inbound == "anthropic":
            return streaming.AnthropicPassthrough(call.request_id, collect=collect)
        if call.inbound == "openai":
            return streaming.AnthropicToOpenAI(
                call.request_id,
                model=provider.upstream_model,
                collect=collect,
                include_usage=wants_usage,
                json_mode_tool=json_tool,
            )
        return streaming.OpenAIToAnthropic(
            call.request_id, model=provider.upstream_model, collect=collect
        )

    async def _stream(
        self,
        call: Call,
        upstream_body: dict[str, Any],
        json_tool: str | None,
        api_key: str | None,
        headers: dict[str, str],
        body: dict[str, Any],
    ) -> Response:
        provider = self.providers[call.model.name]
        gw = self.config.gateway
        upstream = provider.stream(
            upstream_body,
            deadline=time.monotonic() + gw.deadline,
            api_key=api_key,
            extra_headers=call.extra_headers,
            retries=gw.retries,
        )
        try:
            first = await upstream.__anext__()
        except ProviderError as exc:
            self.traces.record(
                call, status="error", http_status=exc.status or None, error_class=exc.error_class
            )
            response = provider_error_response(call.inbound, provider.wire, exc)
            response.headers.update(headers)
            return response
        except StopAsyncIteration:
            self.traces.record(call, status="error", http_status=502, error_class="empty_stream")
            return error_response(
                call.inbound,
                502,
                f"upstream {call.model.name} ended the stream without any event",
                headers={**headers, "x-should-retry": "false"},
            )
        ttft = time.perf_counter() - call.started
        relay = self._relay(call, provider, json_tool, body)
        return StreamingResponse(
            self._pump(call, relay, first, upstream, ttft),
            media_type="text/event-stream",
            headers={**headers, "cache-control": "no-cache"},
        )

    async def _pump(
        self,
        call: Call,
        relay: streaming.Relay,
        first: SSEEvent,
        upstream: AsyncIterator[SSEEvent],
        ttft: float,
    ) -> AsyncIterator[bytes]:
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
            self.traces.record(
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

    # -- shadow ------------------------------------------------------------------------------
    def _start_shadow(
        self,
        body: dict[str, Any],
        inbound: str,
        workload: WorkloadConfig,
        route: Route,
        pair_id: str,
        request_text: str | None,
        ts: datetime,
        key: str | None,
        source: str,
        headers: Mapping[str, str],
    ) -> str:
        """Start the shadow call when admitted; returns the served request's shadow outcome."""
        assert route.shadow is not None
        model = self.config.models[route.shadow]
        outcome = self.shadow.admit()
        if outcome == SHADOWED:
            try:  # an anthropic-beta header to another vendor is untranslatable too
                outbound = self._prepare(body, inbound, workload, model.name, False, headers)
            except (TranslationError, *MALFORMED):
                outcome = "untranslatable"
        self.shadow.count(route.workload, outcome)
        if outcome != SHADOWED:
            return outcome
        call = Call(
            request_id="shadow-" + os.urandom(16).hex(),
            pair_id=pair_id,
            workload=route.workload,
            role="shadow",
            model=model,
            inbound=inbound,
            stream=False,
            bucket=route.bucket,
            request_text=request_text,
            started=time.perf_counter(),
            ts=ts,
            source=source,
            outbound=outbound,
        )
        api_key = self.upstream_key(model, inbound, key)
        self.shadow.spawn(self._shadow_call(call, outbound.body, outbound.json_tool, api_key))
        return SHADOWED

    async def _shadow_call(
        self, call: Call, body: dict[str, Any], json_tool: str | None, api_key: str | None
    ) -> None:
        provider = self.providers[call.model.name]
        try:
            async with asyncio.timeout(self.shadow.timeout):  # no extra task, unlike wait_for
                resp = await provider.complete(
                    body,
                    deadline=time.monotonic() + self.shadow.timeout,
                    api_key=api_key,
                    extra_headers=call.extra_headers,
                    retries=0,
                )
            out = self._to_client(call.inbound, provider, resp.body, call.request_id, json_tool)
        except TimeoutError:
            self.traces.record(call, status="error", http_status=None, error_class="timeout")
            return
        except ProviderError as exc:
            self.traces.record(
                call, status="error", http_status=exc.status or None, error_class=exc.error_class
            )
            return
        except TranslationError:
            self.traces.record(call, status="error", http_status=502, error_class="translation")
            return
        except Exception:  # a shadow failure must never escape; it is recorded, not raised
            self.traces.record(call, status="error", http_status=None, error_class="internal")
            return
        usage = from_wire(provider.wire, resp.body.get("usage"))
        cost = self.traces.record(
            call,
            status="ok",
            http_status=resp.status,
            usage=usage,
            response=out,
            finish_reason=finish_reason(call.inbound, out),
        )
        self.shadow.add_cost(cost)
