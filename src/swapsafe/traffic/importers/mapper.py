"""A parsed call as a served trace row: its request id, configured model, workload and cost.

A row's ``request_id`` is ``imp-`` + a hash of the call's identity (:attr:`ParsedCall.key`):
the log's own id (request / response id, OTel traceId + spanId) or a hash of the row's
content. Content keys are numbered by occurrence within the file (the second identical row
is a second call), so appending lines or fixing a bad row and importing again adds only
the new calls, and the same spans read from two export formats give the same rows.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import orjson

from swapsafe.gateway.redact import redact
from swapsafe.pricing import DEFAULT_PRICEBOOK
from swapsafe.store.records import TraceRecord
from swapsafe.traffic.importers.rows import ParsedCall, content_key, dig, guess_provider, map_model

if TYPE_CHECKING:
    from swapsafe.config import Config

UNASSIGNED = "unassigned"


class CallKeys:
    """Request ids for the calls of one file, in file order."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def request_id(self, call: ParsedCall) -> str:
        key = call.key or content_key(dict(call.fields))
        if not call.natural_key:
            count = self.seen.get(key, 0) + 1
            self.seen[key] = count
            if count > 1:
                key = f"{key}#{count}"
        return "imp-" + hashlib.sha256(key.encode()).hexdigest()[:40]


class RowMapper:
    """Maps a parsed call to a trace row: configured model name, workload, cost, bodies."""

    def __init__(
        self,
        config: Config,
        *,
        fmt: str,
        workload_from: str | None = None,
        workload: str | None = None,
    ) -> None:
        self.config = config
        self.fmt = fmt
        self.keys = CallKeys()
        self.workload_from = workload_from
        self.workload = workload
        self.upstream = {m.model: name for name, m in config.models.items()}
        self.upstream.update({name: name for name in config.models})
        self.aliases = config.alias_map()
        by_baseline: dict[str, list[str]] = {}
        for name, wl in config.workloads.items():
            by_baseline.setdefault(wl.baseline, []).append(name)
        self.by_baseline = {m: names[0] for m, names in by_baseline.items() if len(names) == 1}

    def request_id(self, call: ParsedCall) -> str:
        return self.keys.request_id(call)

    def workload_of(self, call: ParsedCall, model: str) -> str:
        if self.workload_from:
            value = dig(call.fields, self.workload_from)
            if isinstance(value, str | int) and str(value).strip():
                return str(value).strip()
        if self.workload:
            return self.workload
        requested = dig(call.request_body, "model") if call.request_body else None
        for candidate in (requested, call.model):
            if isinstance(candidate, str) and candidate in self.aliases:
                return self.aliases[candidate]
        return self.by_baseline.get(model, UNASSIGNED)

    def body(self, value: Any) -> str | None:
        mode = self.config.store.bodies
        if value is None or mode == "none":
            return None
        text = orjson.dumps(value).decode()
        if mode == "redacted":
            return redact(text)
        return text

    def cost(self, call: ParsedCall, model: str, provider: str) -> float | None:
        if call.cost_usd is not None:
            return call.cost_usd
        configured = self.config.models.get(model)
        if configured is not None:
            return DEFAULT_PRICEBOOK.cost(
                name=model,
                provider=configured.provider,
                upstream_model=configured.model,
                input_tokens=call.input_tokens,
                output_tokens=call.output_tokens,
                cached_tokens=call.cached_tokens,
                override=configured.price,
            )
        return DEFAULT_PRICEBOOK.cost(
            name=call.model,
            provider=provider,
            upstream_model=call.model,
            input_tokens=call.input_tokens,
            output_tokens=call.output_tokens,
            cached_tokens=call.cached_tokens,
        )

    def trace(self, call: ParsedCall) -> TraceRecord:
        model = map_model(call.model, self.upstream)
        configured = self.config.models.get(model)
        provider = configured.provider if configured else (call.provider or guess_provider(model))
        request_id = self.request_id(call)
        return TraceRecord(
            request_id=request_id,
            pair_id=request_id,
            ts=call.ts,
            workload=self.workload_of(call, model),
            role="served",
            model=model,
            provider=str(provider)[:64],
            status=call.status,
            http_status=call.http_status,
            error_class=call.error_class,
            latency_ms=call.latency_ms,
            input_tokens=call.input_tokens,
            output_tokens=call.output_tokens,
            cached_tokens=call.cached_tokens,
            cost_usd=self.cost(call, model, str(provider)),
            stream=call.stream,
            inbound_wire="openai" if self.fmt == "openai-jsonl" else None,
            request_body=self.body(call.request_body),
            response_body=self.body(call.response_body),
            finish_reason=call.finish_reason,
            source=f"import:{self.fmt}",
        )
