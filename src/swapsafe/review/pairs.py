"""Shadow pairs from trace rows (pure): which side is old, what each side said, the request.

A pair is two trace rows sharing ``pair_id``, one ``served`` and one ``shadow``. "Old" is the
row whose model is the workload's baseline (the served row when neither or both are).
Response bodies are JSON text in the client's wire format (``inbound_wire``), parsed with
``swapsafe.wire.openai`` / ``swapsafe.wire.anthropic``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from swapsafe.exceptions import TranslationError
from swapsafe.review.agreement import Agreement, Output, compare, normalise_arguments
from swapsafe.store.records import TraceRecord
from swapsafe.wire import translate
from swapsafe.wire.canonical import ChatResponse, ImagePart, TextPart, ToolCallPart, ToolResultPart


@dataclass(frozen=True)
class ShadowPair:
    pair_id: str
    workload: str
    old: TraceRecord
    new: TraceRecord

    @property
    def day(self) -> date:
        return min(self.old.ts, self.new.ts).date()

    @property
    def has_bodies(self) -> bool:
        """The request was recorded, and each side's answer too (a failed side needs none)."""
        sides = (self.old, self.new)
        return bool(self.request_body) and all(r.response_body or r.status != "ok" for r in sides)

    @property
    def request_body(self) -> str | None:
        return self.old.request_body or self.new.request_body

    @property
    def request_key(self) -> str:
        """Identifies the request (its body), so the same request is never sampled twice."""
        body = self.request_body
        if not body:
            return f"pair:{self.pair_id}"
        return hashlib.sha256(f"{self.workload}\0{body}".encode()).hexdigest()

    @property
    def inbound_wire(self) -> str:
        return self.old.inbound_wire or self.new.inbound_wire or "openai"

    def agreement(self) -> Agreement:
        return compare(output_of(self.old), output_of(self.new))


def pair_up(rows: Iterable[TraceRecord], baselines: Mapping[str, str]) -> list[ShadowPair]:
    """Group rows into complete pairs (one served + one shadow), oldest first."""
    by_pair: dict[str, dict[str, TraceRecord]] = {}
    for row in rows:
        by_pair.setdefault(row.pair_id, {})[row.role] = row
    pairs = []
    for pair_id, sides in by_pair.items():
        served, shadow = sides.get("served"), sides.get("shadow")
        if served is None or shadow is None:
            continue
        baseline = baselines.get(served.workload)
        if shadow.model == baseline and served.model != baseline:
            old, new = shadow, served
        else:
            old, new = served, shadow
        pairs.append(ShadowPair(pair_id=pair_id, workload=served.workload, old=old, new=new))
    pairs.sort(key=lambda p: (p.old.ts, p.pair_id))
    return pairs


def _loads(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def parse_answer(row: TraceRecord) -> ChatResponse | None:
    """The response of one row in canonical form, or None (error, no body, not parseable)."""
    body = _loads(row.response_body)
    if body is None or row.status != "ok":
        return None
    try:
        return translate.parse_response(row.inbound_wire or "openai", body)
    except (KeyError, TypeError, ValueError, AttributeError, TranslationError):
        return None


def output_of(row: TraceRecord) -> Output:
    answer = parse_answer(row)
    if answer is None:
        return Output(ok=False)
    calls = tuple((c.name, normalise_arguments(c.arguments)) for c in answer.tool_calls)
    return Output(ok=True, text=answer.text, tool_calls=calls, finish_reason=answer.finish_reason)


@dataclass(frozen=True)
class ContextMessage:
    role: str
    text: str


@dataclass(frozen=True)
class RequestContext:
    """The request as a reviewer reads it: system prompt(s), then the messages."""

    system: tuple[str, ...]
    messages: tuple[ContextMessage, ...]
    tools: tuple[str, ...] = ()
    json_mode: bool = False

    def split_last_user(self) -> tuple[tuple[ContextMessage, ...], ContextMessage | None]:
        """(the other messages in order, the last user turn); (all, None) without a user turn."""
        for i in range(len(self.messages) - 1, -1, -1):
            if self.messages[i].role == "user":
                return self.messages[:i] + self.messages[i + 1 :], self.messages[i]
        return self.messages, None

    def as_input(self) -> list[dict[str, str]]:
        """OpenAI-style message list (system first) for a golden-set case."""
        out = [{"role": "system", "content": s} for s in self.system]
        out += [{"role": m.role, "content": m.text} for m in self.messages]
        return out


def _part_text(part: object) -> str:
    if isinstance(part, TextPart):
        return part.text
    if isinstance(part, ToolCallPart):
        return f"[tool call] {part.name}({part.arguments})"
    if isinstance(part, ToolResultPart):
        inner = "".join(p.text for p in part.content if isinstance(p, TextPart))
        return f"[tool result {part.tool_call_id}] {inner}"
    if isinstance(part, ImagePart):
        return "[image]"
    return ""


def request_context(body_text: str | None, inbound_wire: str) -> RequestContext | None:
    body = _loads(body_text)
    if body is None:
        return None
    try:
        req = translate.parse_request(inbound_wire, body, strict=False)
    except Exception:  # a request we cannot read is shown raw by the caller
        return None
    messages = tuple(
        ContextMessage(m.role, "\n".join(_part_text(p) for p in m.content)) for m in req.messages
    )
    return RequestContext(
        system=tuple(req.system),
        messages=messages,
        tools=tuple(t.name for t in req.tools),
        json_mode=req.response_format is not None,
    )
