"""Turn a log file into served trace rows: parse, map models and workloads, store.

Safe to re-run: every call is keyed by its own identity (see
:mod:`swapsafe.traffic.importers.mapper`),
rows already stored are left as they are, and the summary says how many calls were read and
how many of them were new. The rows of an import of the same bytes made before imports were
keyed per call (keyed by file and line) are replaced, not added to. A file from which no call
could be read is an error (the format is likely wrong) and leaves no trace in the store.
``--workload-from`` must name a field that the file's calls have, or the import stops before
writing anything.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from swapsafe.exceptions import ConfigError
from swapsafe.store.records import TraceRecord
from swapsafe.traffic.importers import csv_logs, openai_jsonl, otel
from swapsafe.traffic.importers.mapper import UNASSIGNED, RowMapper
from swapsafe.traffic.importers.rows import ParsedCall, Skipped, dig
from swapsafe.traffic.importers.sniff import format_hint

if TYPE_CHECKING:
    from swapsafe.config import Config
    from swapsafe.store import Store

FORMATS = (openai_jsonl.FORMAT, otel.FORMAT, csv_logs.FORMAT)
BATCH = 5000


@dataclass
class ImportSummary:
    path: str
    format: str
    file_hash: str
    calls: int = 0  # calls read from the file
    imported: int = 0  # rows added to the store (the rest were stored already)
    skipped: list[Skipped] = field(default_factory=list)
    rekeyed: int = 0  # rows of an earlier import of these bytes, keyed by line, replaced
    workloads: dict[str, int] = field(default_factory=dict)
    models: dict[str, int] = field(default_factory=dict)

    @property
    def already_stored(self) -> int:
        return self.calls - self.imported

    @property
    def unassigned(self) -> int:
        return self.workloads.get(UNASSIGNED, 0)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unknown_format(fmt: str) -> ConfigError:
    close = difflib.get_close_matches(fmt, FORMATS, n=1, cutoff=0.5)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    return ConfigError(f"--format: unknown {fmt!r}; use one of: {', '.join(FORMATS)}{hint}")


def parse_bytes(
    fmt: str, data: bytes, *, file_time: datetime | None = None, model: str | None = None
) -> Iterator[ParsedCall | Skipped]:
    """Parse a whole file; ``file_time`` and ``model`` stand in for what the failed lines of
    an all-failed Batch output file do not say."""
    if fmt == openai_jsonl.FORMAT:
        lines = enumerate(data.splitlines(), start=1)
        return openai_jsonl.parse(lines, default_model=model, default_time=file_time)
    if fmt == otel.FORMAT:
        return otel.parse(data)
    if fmt == csv_logs.FORMAT:
        return csv_logs.parse(data.decode("utf-8-sig", errors="replace"))
    raise unknown_format(fmt)


def field_paths(fields: Mapping[str, Any], prefix: str = "", depth: int = 3) -> list[str]:
    """Every dotted path of a call's fields (nested objects up to ``depth`` levels)."""
    paths: list[str] = []
    for key, value in fields.items():
        path = f"{prefix}{key}"
        paths.append(path)
        if isinstance(value, Mapping) and depth > 1:
            paths.extend(field_paths(value, f"{path}.", depth - 1))
    return paths


def check_workload_from(path: str, calls: list[ParsedCall], file: Path) -> None:
    """Refuse a ``--workload-from`` that none of ``calls`` has (a mistyped field name)."""
    if not calls or any(dig(c.fields, path) not in (None, "") for c in calls):
        return
    known = sorted({p for c in calls[:200] for p in field_paths(c.fields)})
    close = difflib.get_close_matches(path, known, n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
    raise ConfigError(
        f"--workload-from {path!r}: no call in {file.name} has this field{hint} (fields: {shown})"
    )


def nothing_read(file: Path, fmt: str, data: bytes, skipped: list[Skipped]) -> ConfigError:
    """The one error line for a file that gave no call (nothing is stored or recorded)."""
    first = f"line {skipped[0].line}: {skipped[0].reason}" if skipped else "the file holds no calls"
    more = f" ({len(skipped) - 1} more lines skipped)" if len(skipped) > 1 else ""
    hint = format_hint(data, fmt)
    return ConfigError(f"{file}: no calls read as {fmt}: {first}{more}{hint}; nothing imported")


class _Writer:
    """Inserts rows in batches and counts the ones that were not stored yet."""

    def __init__(self, store: Store, summary: ImportSummary, check: Callable[[], None]) -> None:
        self.store, self.summary, self.check = store, summary, check
        self.batch: list[TraceRecord] = []
        self.checked = False

    def add(self, row: TraceRecord) -> None:
        self.batch.append(row)
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.checked:
            self.check()
            self.checked = True
        ids = {row.request_id for row in self.batch}
        new = ids - self.store.stored_request_ids(list(ids))
        self.store.insert_traces(self.batch)
        self.summary.imported += len(new)
        self.batch = []


def import_file(
    config: Config,
    store: Store,
    path: str | Path,
    fmt: str,
    *,
    workload_from: str | None = None,
    workload: str | None = None,
    batch_model: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import one log file as served traces; importing it again adds only calls not stored.

    ``batch_model``: the model of a Batch output file in which every line failed.
    """
    if fmt not in FORMATS:
        raise unknown_format(fmt)
    file = Path(path)
    try:
        data = file.read_bytes()
        file_time = datetime.fromtimestamp(file.stat().st_mtime, UTC)
    except OSError as exc:
        raise ConfigError(f"cannot read {file}: {exc.strerror or exc}") from None
    summary = ImportSummary(path=str(file), format=fmt, file_hash=file_hash(data))
    mapper = RowMapper(config, fmt=fmt, workload_from=workload_from, workload=workload)
    first_calls: list[ParsedCall] = []

    def check() -> None:
        if workload_from:
            check_workload_from(workload_from, first_calls, file)
        summary.rekeyed = store.drop_legacy_import(summary.file_hash)

    writer = _Writer(store, summary, check)
    for item in parse_bytes(fmt, data, file_time=file_time, model=batch_model):
        if isinstance(item, Skipped):
            summary.skipped.append(item)
        else:
            if len(first_calls) < BATCH:
                first_calls.append(item)
            row = mapper.trace(item)
            writer.add(row)
            summary.calls += 1
            summary.workloads[row.workload] = summary.workloads.get(row.workload, 0) + 1
            summary.models[row.model] = summary.models.get(row.model, 0) + 1
        if on_progress is not None:
            on_progress(1)
    if summary.calls == 0:
        raise nothing_read(file, fmt, data, summary.skipped)
    writer.flush()
    store.mark_imported(
        summary.file_hash,
        path=str(file),
        format=fmt,
        rows=summary.imported,
        calls=summary.calls,
        skipped=len(summary.skipped),
    )
    return summary
