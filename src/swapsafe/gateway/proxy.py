"""The request path: authenticate, resolve the workload, route, call, stream, shadow, record."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from swapsafe.config import Config, ModelConfig, WorkloadConfig
from swapsafe.exceptions import ProviderError, TranslationError
from swapsafe.gateway import streaming, wires
from swapsafe.gateway.auth import ClientAuth, client_key
from swapsafe.gateway.calls import (
    ID_PREFIX,
    MALFORMED,
    BodyReader,
    BodyTooLarge,
    Call,
    Exchange,
    Refusal,
    ThenResponse,
    finish_reason,
    header_map,
    parse_request,
    read_body,
)
from swapsafe.gateway.errors import error_response, provider_error_response
from swapsafe.gateway.metrics import GatewayMetrics
from swapsafe.gateway.recorder import Recorder
from swapsafe.gateway.router import Route, route_request
from swapsafe.gateway.routing_cache import RoutingCache
from swapsafe.gateway.sending import Outbounds
from swapsafe.gateway.shadow import ShadowDispatcher
from swapsafe.gateway.shadow_call import run_shadow
from swapsafe.gateway.tracing import TraceWriter
from swapsafe.gateway.usage import from_wire
from swapsafe.pricing import PriceBook
from swapsafe.providers.base import Provider, UpstreamResponse
from swapsafe.providers.openai import responses_twin
from swapsafe.providers.outbound import Outbound
from swapsafe.store.coverage import SHADOWED
from swapsafe.store.records import SYNTHETIC_SOURCES

#: the proxy routes (request path -> inbound wire format); every entry point short-cuts them
PROXY_ROUTES = {
    "/v1/chat/completions": "openai",
    "/chat/completions": "openai",
    "/v1/messages": "anthropic",
    "/v1/responses": "responses",
    "/responses": "responses",
}
#: the vendor behind each wire (a pass-through key goes only to its own vendor)
VENDOR = {"openai": "openai", "responses": "openai", "anthropic": "anthropic"}


def utc_now() -> datetime:
    """The gateway's default clock: timezone-aware UTC."""
    return datetime.now(UTC)


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
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config
        #: stamps every trace; the demo's compressed clock and tests replace it (a seam)
        self.clock = clock
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
        self.responses_twins: dict[str, Provider] = {}
        self.outbounds = Outbounds(self.upstream)  # what each call sends (gateway/sending.py)
        self._owned: list[Provider] = []
        self._responses_endpoints()

    def _responses_endpoints(self) -> None:
        """``api = "responses"`` models are served through their Responses endpoint, and
        ``api = "both"`` ones take Responses clients there (see ``ModelConfig.api``)."""
        for name, model in self.config.models.items():
            provider = self.providers.get(name)
            if provider is None or model.api not in ("responses", "both"):
                continue
            twin = responses_twin(provider)
            if twin is None:
                continue
            if twin is not provider:
                self._owned.append(twin)
            if model.api == "responses":
                self.providers[name] = twin
            else:
                self.responses_twins[name] = twin

    def upstream(self, model: ModelConfig, inbound: str) -> Provider:
        """The provider that serves ``inbound`` clients for ``model``: a Responses client on
        a model whose upstream speaks both APIs goes to its Responses endpoint."""
        if inbound == "responses":
            twin = self.responses_twins.get(model.name)
            if twin is not None:
                return twin
        return self.providers[model.name]

    async def aclose(self) -> None:
        """Close the Responses endpoints this gateway opened (the rest belong to the caller)."""
        for provider in self._owned:
            await provider.aclose()

    # -- helpers -----------------------------------------------------------------------------
    def _reject(self, inbound: str, status: int, reason: str, message: str) -> Response:
        self.metrics.rejected.inc((reason,))
        return error_response(inbound, status, message)

    def upstream_key(self, model: ModelConfig, inbound: str, key: str | None) -> str | None:
        """Pass-through: the client's key goes only to a configured model of its own vendor."""
        if not self.auth.pass_through or model.api_key is not None:
            return None
        if VENDOR[self.upstream(model, inbound).wire] != VENDOR[inbound]:
            return None
        return key

    # -- entry points ------------------------------------------------------------------------
    async def handle(self, request: Request, inbound: str) -> Response | ThenResponse:
        """Serve one proxy request that came through ASGI."""

        async def read(limit: int, declared: str | None) -> bytes:
            return await read_body(request, limit, declared)

        return await self.serve(inbound, header_map(request.scope["headers"]), read)

    async def _admit(
        self, inbound: str, headers: Mapping[str, str], read: BodyReader, key: str | None
    ) -> tuple[bytes, dict[str, Any], WorkloadConfig] | Response:
        """The body and workload of an authenticated, readable request, or the error answer."""
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
        return raw, body, workload

    def _refused(self, inbound: str, exc: Exception) -> Response:
        """A request the serving model's wire cannot carry, or one it cannot even read."""
        if isinstance(exc, TranslationError):
            self.metrics.rejected.inc(("untranslatable",))
            return error_response(inbound, 400, str(exc), param=exc.param)
        return self._reject(
            inbound,
            400,
            "malformed",
            f"malformed request: {type(exc).__name__} while reading it; check the request "
            "against the API reference",
        )

    async def serve(
        self, inbound: str, headers: Mapping[str, str], read: BodyReader
    ) -> Response | ThenResponse:
        """Serve one proxy request: ``headers`` by lower-case name, ``read`` gives the body.

        The gateway's own HTTP protocol calls this directly (no ASGI scope or messages).
        """
        key = client_key(headers)
        admitted = await self._admit(inbound, headers, read, key)
        if isinstance(admitted, Response):
            return admitted
        raw, body, workload = admitted
        route = route_request(workload, self.routing.get(workload.name), body, headers)
        stream = body.get("stream") is True
        serving = self.config.models[route.serving]
        try:
            out = self.outbounds.build(body, inbound, workload, serving, headers, stream=stream)
        except (TranslationError, *MALFORMED) as exc:  # malformed: the client's fault
            return self._refused(inbound, exc)
        call, start_shadow = self._open_call(body, inbound, route, serving, raw, headers, key, out)
        self.shadow.served_in_flight += 1  # a busy signal: shadow calls yield to served ones
        try:
            out_headers = {
                "x-swapsafe-served-by": serving.name,
                "x-swapsafe-workload": workload.name,
                "x-request-id": call.request_id,
            }
            api_key = self.upstream_key(serving, inbound, key)
            exchange = Exchange(
                call, out.body, out.json_tool, api_key, out_headers, body, out.headers
            )
            if stream:
                return await self._stream(exchange)
            return await self._complete(exchange)
        finally:
            self.shadow.served_in_flight -= 1
            if start_shadow is not None:  # after the served upstream answered: never ahead of it
                start_shadow()

    def _open_call(
        self,
        body: dict[str, Any],
        inbound: str,
        route: Route,
        serving: ModelConfig,
        raw: bytes,
        headers: Mapping[str, str],
        key: str | None,
        outbound: Outbound,
    ) -> tuple[Call, Callable[[], None] | None]:
        """The served call's record (trace opened), and the start of its shadow call when one
        is due: the caller starts it once the served upstream has answered, so a shadow call
        never runs ahead of the request it shadows."""
        pair_id = os.urandom(16).hex()
        request_text = self.traces.body_text(raw)
        now = self.clock()
        synthetic = headers.get("x-swapsafe-synthetic")
        source = synthetic if synthetic in SYNTHETIC_SOURCES else "gateway"
        shadow_outcome, start_shadow = None, None
        if route.shadow is not None:
            shadow_outcome, start_shadow = self._prepare_shadow(
                body, inbound, route, pair_id, request_text, now, key, source, headers
            )
        call = Call(
            request_id=ID_PREFIX[inbound] + os.urandom(16).hex(),
            pair_id=pair_id,
            workload=route.workload,
            role="served",
            model=serving,
            inbound=inbound,
            stream=body.get("stream") is True,
            bucket=route.bucket,
            request_text=request_text,
            started=time.perf_counter(),
            ts=now,
            source=source,
            shadow_outcome=shadow_outcome,
            outbound=outbound,
        )
        self.traces.opened(call)
        return call, start_shadow

    # -- non-streaming -----------------------------------------------------------------------
    async def _complete(self, ex: Exchange) -> Response | ThenResponse:
        call = ex.call
        provider = self.upstream(call.model, call.inbound)
        gw = self.config.gateway
        try:
            resp = await provider.complete(
                ex.upstream_body,
                deadline=time.monotonic() + gw.deadline,
                api_key=ex.api_key,
                extra_headers=ex.extra_headers,
                retries=gw.retries,
            )
            out = wires.client_answer(
                call.inbound, provider, resp.body, call.request_id, ex.json_tool, ex.body
            )
        except ProviderError as exc:
            return self._upstream_failed(ex, provider, exc)
        except TranslationError as exc:
            self.traces.record(call, status="error", http_status=502, error_class="translation")
            return error_response(
                call.inbound,
                502,
                f"cannot translate the upstream response: {exc}",
                headers=ex.headers,
            )
        payload = orjson.dumps(out)
        latency = time.perf_counter() - call.started
        return ThenResponse(
            payload,
            headers=ex.headers,
            then=lambda: self._record_ok(call, provider, resp, out, payload, latency),
        )

    def _upstream_failed(self, ex: Exchange, provider: Provider, exc: ProviderError) -> Response:
        """The upstream's error, traced and answered in the caller's wire format."""
        self.traces.record(
            ex.call, status="error", http_status=exc.status or None, error_class=exc.error_class
        )
        response = provider_error_response(ex.call.inbound, provider.wire, exc)
        response.headers.update(ex.headers)
        return response

    def _record_ok(
        self,
        call: Call,
        provider: Provider,
        resp: UpstreamResponse,
        out: dict[str, Any],
        payload: bytes,
        latency: float,
    ) -> None:
        # a Responses answer can be HTTP 200 and still a failure: relayed as is, traced as one
        failed = provider.wire == "responses" and resp.body.get("status") == "failed"
        self.traces.record(
            call,
            status="error" if failed else "ok",
            http_status=resp.status,
            error_class="response_failed" if failed else None,
            usage=from_wire(provider.wire, resp.body.get("usage")),
            response=payload,  # the bytes the client gets, serialised once
            finish_reason=finish_reason(call.inbound, out),
            latency=latency,
        )

    # -- streaming ---------------------------------------------------------------------------
    async def _stream(self, ex: Exchange) -> Response:
        call = ex.call
        provider = self.upstream(call.model, call.inbound)
        gw = self.config.gateway
        upstream = provider.stream(
            ex.upstream_body,
            deadline=time.monotonic() + gw.deadline,
            api_key=ex.api_key,
            extra_headers=ex.extra_headers,
            retries=gw.retries,
        )
        try:
            first = await upstream.__anext__()
        except ProviderError as exc:
            return self._upstream_failed(ex, provider, exc)
        except StopAsyncIteration:
            self.traces.record(call, status="error", http_status=502, error_class="empty_stream")
            return error_response(
                call.inbound,
                502,
                f"upstream {call.model.name} ended the stream without any event",
                headers={**ex.headers, "x-should-retry": "false"},
            )
        ttft = time.perf_counter() - call.started
        relay = wires.relay_for(
            call.inbound,
            provider,
            call.request_id,
            json_tool=ex.json_tool,
            body=ex.body,
            collect=self.bodies != "none",
        )
        return StreamingResponse(
            streaming.pump(call, relay, first, upstream, ttft, self.traces),
            media_type="text/event-stream",
            headers={**ex.headers, "cache-control": "no-cache"},
        )

    # -- shadow ------------------------------------------------------------------------------
    def _prepare_shadow(
        self,
        body: dict[str, Any],
        inbound: str,
        route: Route,
        pair_id: str,
        request_text: str | None,
        ts: datetime,
        key: str | None,
        source: str,
        headers: Mapping[str, str],
    ) -> tuple[str, Callable[[], None] | None]:
        """The served request's shadow outcome and, when admitted, what starts the shadow
        call (its slot under ``max_concurrency`` is taken now; its clock starts with it)."""
        assert route.shadow is not None
        model = self.config.models[route.shadow]
        outcome = self.shadow.admit()
        if outcome == SHADOWED:
            workload = self.config.workloads[route.workload]
            try:  # an anthropic-beta header to another vendor is untranslatable too
                out = self.outbounds.build(body, inbound, workload, model, headers, stream=False)
            except (TranslationError, *MALFORMED):
                outcome = "untranslatable"
        self.shadow.count(route.workload, outcome)
        if outcome != SHADOWED:
            return outcome, None
        provider = self.upstream(model, inbound)
        if provider.wire == "responses":
            out.body["store"] = False  # a shadow answer is never kept for a later read
        api_key = self.upstream_key(model, inbound, key)
        self.shadow.reserve()

        def start() -> None:
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
                outbound=out,
            )
            ex = Exchange(call, out.body, out.json_tool, api_key, {}, body, out.headers)
            self.shadow.spawn(run_shadow(ex, provider, self.shadow, self.traces))

        return SHADOWED, start
