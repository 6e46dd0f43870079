"""Trace rows and metrics for every upstream call, off the request path's main logic.

Unit prices are looked up once at start-up (genai-prices or the config override), so recording
a call is arithmetic plus a deque append.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from swapsafe.config import Config
from swapsafe.gateway.calls import Call
from swapsafe.gateway.metrics import GatewayMetrics
from swapsafe.gateway.recorder import Recorder
from swapsafe.gateway.redact import redact
from swapsafe.gateway.usage import TokenUsage
from swapsafe.pricing import PriceBook, UnitPrice
from swapsafe.store.records import TraceRecord


class TraceWriter:
    def __init__(
        self,
        config: Config,
        *,
        recorder: Recorder,
        metrics: GatewayMetrics,
        pricebook: PriceBook,
    ) -> None:
        self.recorder = recorder
        self.metrics = metrics
        self.bodies = config.store.bodies
        self._prices: dict[str, UnitPrice | None] = {
            m.name: pricebook.unit_price(
                name=m.name, provider=m.provider, upstream_model=m.model, override=m.price
            )
            for m in config.models.values()
        }

    def body_text(self, payload: bytes | dict[str, Any] | None) -> str | None:
        if payload is None or self.bodies == "none":
            return None
        text = (payload if isinstance(payload, bytes) else orjson.dumps(payload)).decode(
            "utf-8", "replace"
        )
        return redact(text) if self.bodies == "redacted" else text

    def record(
        self,
        call: Call,
        *,
        status: str,
        http_status: int | None,
        usage: TokenUsage | None = None,
        error_class: str | None = None,
        ttft: float | None = None,
        response: bytes | dict[str, Any] | None = None,
        finish_reason: str | None = None,
        latency: float | None = None,
    ) -> float | None:
        """Count the call in /metrics and queue its trace row; returns its cost (USD or None).

        ``latency`` (seconds) defaults to the time since the call started.
        """
        if latency is None:
            latency = time.perf_counter() - call.started
        usage = usage or TokenUsage()
        m = call.model
        price = self._prices.get(m.name)
        cost = (
            price.cost(usage.input or 0, usage.output or 0, usage.cached or 0)
            if price is not None and (usage.input is not None or usage.output is not None)
            else None
        )
        labels = (call.workload, m.name, call.role)
        self.metrics.requests.inc((*labels, status))
        if error_class:
            self.metrics.errors.inc((*labels, error_class))
        self.metrics.latency.observe(labels, latency)
        if ttft is not None:
            self.metrics.ttft.observe(labels, ttft)
        if usage.input:
            self.metrics.tokens.inc((*labels, "input"), usage.input)
        if usage.output:
            self.metrics.tokens.inc((*labels, "output"), usage.output)
        if cost:
            self.metrics.cost.inc(labels, cost)
        self.recorder.record(
            TraceRecord(
                request_id=call.request_id,
                pair_id=call.pair_id,
                ts=call.ts,
                workload=call.workload,
                role=call.role,  # type: ignore[arg-type]
                model=m.name,
                provider=m.provider,
                status=status,
                http_status=http_status,
                error_class=error_class,
                latency_ms=latency * 1000,
                ttft_ms=None if ttft is None else ttft * 1000,
                input_tokens=usage.input,
                output_tokens=usage.output,
                cached_tokens=usage.cached,
                cost_usd=cost,
                bucket=call.bucket,
                stream=call.stream,
                inbound_wire=call.inbound,
                request_body=call.request_text,
                response_body=self.body_text(response),
                finish_reason=finish_reason,
                source=call.source,
                shadow_outcome=call.shadow_outcome,
            )
        )
        return cost
