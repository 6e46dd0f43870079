"""Trace rows and metrics for every upstream call, off the request path's main logic.

Unit prices are looked up once at start-up (genai-prices or the config override), so recording
a call is arithmetic plus a deque append.

With ``[store] bodies = "redacted"`` the bodies are redacted when the row is recorded, which is
after the response was sent: on the event loop for bodies up to :data:`INLINE_REDACT_CHARS`
(tens of microseconds), on the redaction thread for longer ones, so no request ever waits on
the redaction of another (see :mod:`swapsafe.gateway.redact` for its bounds).
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
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

log = logging.getLogger("swapsafe.tracing")

#: a row whose bodies are longer than this (characters, together) is redacted off the loop
INLINE_REDACT_CHARS = 8 * 1024
#: body characters waiting for the redaction thread at most; past it rows lose their bodies
MAX_BACKLOG_CHARS = 64 * 1024 * 1024


def _size(row: TraceRecord) -> int:
    return len(row.request_body or "") + len(row.response_body or "")


def _without_bodies(row: TraceRecord) -> TraceRecord:
    return dataclasses.replace(row, request_body=None, response_body=None)


class RedactionThread:
    """Redacts rows with long bodies on one worker thread, then hands them to ``sink``.

    The backlog is bounded (``max_backlog`` body characters): a row that would pass it goes to
    the sink at once without its bodies (counted in ``bodies_dropped``), so a flood of large
    bodies costs neither unbounded memory nor a wait.
    """

    def __init__(
        self,
        process: Callable[[TraceRecord], TraceRecord],
        sink: Callable[[TraceRecord], None],
        *,
        max_backlog: int = MAX_BACKLOG_CHARS,
    ) -> None:
        self._process = process
        self._sink = sink
        self.max_backlog = max_backlog
        self._queue: queue.SimpleQueue[TraceRecord | None] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._pending = 0
        self._backlog = 0  # body characters queued
        self.bodies_dropped = 0
        self._thread: threading.Thread | None = None

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, row: TraceRecord) -> None:
        size = _size(row)
        with self._idle:
            if self._backlog + size > self.max_backlog:
                self.bodies_dropped += 1
                full = True
            else:
                full = False
                self._pending += 1
                self._backlog += size
        if full:
            if self.bodies_dropped == 1 or self.bodies_dropped % 1000 == 0:
                log.warning(
                    "redaction backlog full: %d trace rows stored without bodies so far",
                    self.bodies_dropped,
                )
            self._sink(_without_bodies(row))
            return
        with self._idle:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="swapsafe-redact", daemon=True
                )
                self._thread.start()
        self._queue.put(row)

    def _run(self) -> None:
        while (row := self._queue.get()) is not None:
            try:
                self._sink(self._process(row))
            except Exception as exc:  # never store a body that was not redacted
                log.error(
                    "redaction failed (%s); the row is stored without bodies", type(exc).__name__
                )
                self._sink(_without_bodies(row))
            finally:
                with self._idle:
                    self._pending -= 1
                    self._backlog -= _size(row)
                    self._idle.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Block until every submitted row reached the sink; True when it did in time."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Finish the rows already submitted (shutdown: before the recorder drains)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None


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
        #: the redaction function (a seam for tests)
        self.redact: Callable[[str], str] = redact
        self.redaction = RedactionThread(self._redacted, recorder.record)
        self._prices: dict[str, UnitPrice | None] = {
            m.name: pricebook.unit_price(
                name=m.name, provider=m.provider, upstream_model=m.model, override=m.price
            )
            for m in config.models.values()
        }
        #: request ids of served calls whose trace row is not recorded yet; None (the default)
        #: keeps no such set. Test harnesses turn it on to wait for a trace over a real socket,
        #: where a stream's row is recorded after its last bytes reach the client.
        self.untraced: set[str] | None = None

    def opened(self, call: Call) -> None:
        """A served call started; its trace row follows (see ``untraced``)."""
        if self.untraced is not None:
            self.untraced.add(call.request_id)

    def body_text(self, payload: bytes | dict[str, Any] | None) -> str | None:
        """A body as text to store (None when bodies are not stored); redacted by record()."""
        if payload is None or self.bodies == "none":
            return None
        return (payload if isinstance(payload, bytes) else orjson.dumps(payload)).decode(
            "utf-8", "replace"
        )

    def _redacted(self, row: TraceRecord) -> TraceRecord:
        return dataclasses.replace(
            row,
            request_body=None if row.request_body is None else self.redact(row.request_body),
            response_body=None if row.response_body is None else self.redact(row.response_body),
        )

    def _store(self, row: TraceRecord) -> None:
        if self.bodies != "redacted":
            self.recorder.record(row)
        elif len(row.request_body or "") + len(row.response_body or "") > INLINE_REDACT_CHARS:
            self.redaction.submit(row)
        else:
            self.recorder.record(self._redacted(row))

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
        ``latency`` (seconds) defaults to the time since the call started."""
        if self.untraced is not None:
            self.untraced.discard(call.request_id)
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
        self._count(labels, status, error_class, latency, ttft, usage, cost)
        self._store(
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
                **call.sent_fields(),
            )
        )
        return cost

    def _count(
        self,
        labels: tuple[str, str, str],
        status: str,
        error_class: str | None,
        latency: float,
        ttft: float | None,
        usage: TokenUsage,
        cost: float | None,
    ) -> None:
        """The call in /metrics: requests, errors, latency, time to first token, tokens, cost."""
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
