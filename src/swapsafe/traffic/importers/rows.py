"""What every log importer produces: parsed calls, skipped lines, and field helpers (pure)."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson


class RowError(ValueError):
    """A malformed log row; the message is the reason shown to the user."""


@dataclass
class ParsedCall:
    """One model call read from a log file, before it becomes a trace row."""

    line: int  # 1-based line number in the file
    ts: datetime
    model: str  # the upstream model name as logged
    index: int = 0  # position within the line (OTLP documents hold many spans)
    latency_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None
    status: str = "ok"
    http_status: int | None = None
    error_class: str | None = None
    finish_reason: str | None = None
    stream: bool = False
    provider: str | None = None  # as logged (gen_ai.system), when known
    request_body: Any = None
    response_body: Any = None
    cost_usd: float | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)  # for --workload-from
    #: the call's identity: ``id:<request/response id>``, ``span:<traceId>:<spanId>``, or
    #: ``sha256:<hash of the row's content>`` (see :func:`content_key`)
    key: str = ""

    @property
    def natural_key(self) -> bool:
        """True when the key is the log's own id, not a hash of the row's content."""
        return not self.key.startswith("sha256:")


@dataclass(frozen=True)
class Skipped:
    line: int
    reason: str


def content_key(row: Any) -> str:
    """``sha256:...`` over the row's content (keys sorted), for rows that carry no id.

    The line number is not part of it: appending lines or fixing another row keeps the key.
    """
    try:
        data = orjson.dumps(row, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except TypeError:  # a value orjson cannot encode: fall back to its text form
        data = repr(row).encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def id_key(value: Any) -> str | None:
    """``id:<value>`` for a non-empty id, else None."""
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return f"id:{str(value).strip()}"
    return None


def dig(obj: Any, path: str) -> Any:
    """``dig(d, "a.b.c")``: nested lookup through dicts; None when any step is missing.

    A key that itself contains dots (``"gen_ai.request.model"``) is found before descending.
    """
    if not isinstance(obj, Mapping):
        return None
    if path in obj:
        return obj[path]
    head, sep, rest = path.partition(".")
    while sep:
        if head in obj:
            found = dig(obj[head], rest)
            if found is not None:
                return found
        more, sep, rest = rest.partition(".")
        head = f"{head}.{more}"
    return None


def first(obj: Any, *paths: str) -> Any:
    for path in paths:
        value = dig(obj, path)
        if value is not None and value != "":
            return value
    return None


def as_int(value: Any, what: str) -> int | None:
    """A non-negative token count, or None when absent."""
    number = as_float(value, what, whole=True)
    return None if number is None else int(number)


def as_float(value: Any, what: str, *, whole: bool = False) -> float | None:
    """A finite number >= 0 (a ``whole`` one for a count), or None when absent."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RowError(f"{what} is not a number: {value!r}") from None
    if not math.isfinite(number) or number < 0 or (whole and number != int(number)):
        kind = "a whole number" if whole else "a number"
        raise RowError(f"{what} must be {kind} >= 0, got {value!r}")
    return number


_EPOCH_MS = 10**11  # numbers above this are milliseconds (year 5138 in seconds)


def as_time(value: Any, what: str = "timestamp") -> datetime:
    """ISO 8601 text or a Unix epoch in seconds or milliseconds; UTC when no zone is given."""
    if value is None or value == "":
        raise RowError(f"missing {what}")
    if isinstance(value, bool):
        raise RowError(f"{what} is not a time: {value!r}")
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        seconds = float(value)
        if seconds > _EPOCH_MS:
            seconds /= 1000
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise RowError(f"{what} out of range: {value!r}") from None
    if not isinstance(value, str):
        raise RowError(f"{what} is not a time: {value!r}")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise RowError(f"{what} is not ISO 8601 or epoch seconds: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_NUMBER = re.compile(r"^\s*\d+(\.\d+)?\s*$")
_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")


def guess_provider(model: str) -> str:
    low = model.lower()
    if low.startswith("claude"):
        return "anthropic"
    if low.startswith(("gpt-", "o1", "o3", "o4", "chatgpt", "text-", "davinci")):
        return "openai"
    return "openai-compatible"


def map_model(raw: str, upstream_to_name: Mapping[str, str]) -> str:
    """The configured model name whose ``model`` is ``raw`` (a dated snapshot matches too)."""
    if raw in upstream_to_name:
        return upstream_to_name[raw]
    undated = _DATE_SUFFIX.sub("", raw)
    return upstream_to_name.get(undated, raw)
