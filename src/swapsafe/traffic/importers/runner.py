"""Turn a log file into served trace rows: parse, map models and workloads, store idempotently.

A file is identified by the SHA-256 of its bytes. Each row's ``request_id`` is derived from
that hash and the row's line (and span index), so importing the same file again adds nothing:
the store remembers imported hashes, and duplicate request ids are ignored anyway.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from swapsafe.exceptions import ConfigError
from swapsafe.gateway.redact import redact
from swapsafe.pricing import DEFAULT_PRICEBOOK
from swapsafe.store.records import TraceRecord
from swapsafe.traffic.importers import csv_logs, openai_jsonl, otel
from swapsafe.traffic.importers.rows import ParsedCall, Skipped, dig, guess_provider, map_model

if TYPE_CHECKING:
    from swapsafe.config import Config
    from swapsafe.store import Store

FORMATS = (openai_jsonl.FORMAT, otel.FORMAT, csv_logs.FORMAT)
UNASSIGNED = "unassigned"
BATCH = 5000


@dataclass
class ImportSummary:
    path: str
    format: str
    file_hash: str
    already_imported: bool = False
    imported: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    workloads: dict[str, int] = field(default_factory=dict)
    models: dict[str, int] = field(default_factory=dict)

    @property
    def unassigned(self) -> int:
        return self.workloads.get(UNASSIGNED, 0)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class RowMapper:
    """Maps a parsed call to a trace row: configured model name, workload, cost, bodies."""

    def __init__(
        self,
        config: Config,
        *,
        fmt: str,
        digest: str,
        workload_from: str | None = None,
        workload: str | None = None,
    ) -> None:
        self.config = config
        self.fmt = fmt
        self.digest = digest
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
        suffix = f"-{call.index}" if call.index else ""
        return f"imp-{self.digest[:24]}-{call.line}{suffix}"

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
            inbound_wire="openai" if self.fmt == openai_jsonl.FORMAT else None,
            request_body=self.body(call.request_body),
            response_body=self.body(call.response_body),
            finish_reason=call.finish_reason,
            source=f"import:{self.fmt}",
        )


def parse_bytes(fmt: str, data: bytes) -> Iterator[ParsedCall | Skipped]:
    if fmt == openai_jsonl.FORMAT:
        return openai_jsonl.parse(enumerate(data.splitlines(), start=1))
    if fmt == otel.FORMAT:
        return otel.parse(data)
    if fmt == csv_logs.FORMAT:
        return csv_logs.parse(data.decode("utf-8-sig", errors="replace"))
    raise ConfigError(f"unknown log format {fmt!r}; use one of: {', '.join(FORMATS)}")


def import_file(
    config: Config,
    store: Store,
    path: str | Path,
    fmt: str,
    *,
    workload_from: str | None = None,
    workload: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import one log file as served traces; re-importing the same bytes adds nothing."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown log format {fmt!r}; use one of: {', '.join(FORMATS)}")
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror or exc}") from None
    digest = file_hash(data)
    summary = ImportSummary(path=str(file), format=fmt, file_hash=digest)
    if store.is_imported(digest):
        summary.already_imported = True
        return summary
    mapper = RowMapper(
        config, fmt=fmt, digest=digest, workload_from=workload_from, workload=workload
    )
    batch: list[TraceRecord] = []
    for item in parse_bytes(fmt, data):
        if isinstance(item, Skipped):
            summary.skipped.append(item)
        else:
            row = mapper.trace(item)
            batch.append(row)
            summary.workloads[row.workload] = summary.workloads.get(row.workload, 0) + 1
            summary.models[row.model] = summary.models.get(row.model, 0) + 1
        if len(batch) >= BATCH:
            store.insert_traces(batch)
            summary.imported += len(batch)
            batch = []
        if on_progress is not None:
            on_progress(1)
    store.insert_traces(batch)
    summary.imported += len(batch)
    store.mark_imported(digest, path=str(file), format=fmt, rows=summary.imported)
    return summary
