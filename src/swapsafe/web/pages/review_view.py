"""What the review page shows of one shadow pair: the request, both answers, their comparison.

Pure over trace rows (no store): :func:`pair_view` builds the view the template renders. The
comparison (word diff, plain, structural) is chosen by :func:`swapsafe.review.answerdiff.
answer_diff`; nothing here is shown raw: errors and finish reasons get words.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from swapsafe.config import Config
from swapsafe.review.agreement import looks_like_json, parse_json
from swapsafe.review.answerdiff import AnswerDiff, answer_diff
from swapsafe.review.pairs import (
    ContextMessage,
    RequestContext,
    ShadowPair,
    parse_answer,
    request_context,
)
from swapsafe.store.records import TraceRecord

FINISH_WORDS = {
    "stop": "finished",
    "length": "cut at the token limit",
    "tool_calls": "called tools",
    "content_filter": "stopped by the content filter",
    "end_turn": "finished",
    "max_tokens": "cut at the token limit",
    "tool_use": "called tools",
    "stop_sequence": "hit a stop sequence",
}
STATUS_WORDS = {
    "error": "the call failed",
    "timeout": "the call timed out",
    "client_disconnect": "the client went away before the answer",
    "skipped": "the call was not made",
}
#: disagreement kinds (swapsafe.review.agreement.KINDS) in words
KIND_WORDS = {
    "error": "one side failed",
    "json": "JSON on one side only",
    "schema": "JSON shape differs",
    "tools": "tool calls differ",
    "refusal": "one side refused",
    "length": "length differs",
    "text": "wording differs",
}
MAX_RAW_REQUEST = 20_000


@dataclass(frozen=True)
class ToolCallView:
    name: str
    arguments: str


@dataclass(frozen=True)
class SideView:
    label: str  # "old" / "new"
    model: str
    role_words: str  # "served to the user" / "shadow call"
    ok: bool
    text: str
    is_json: bool
    tool_calls: list[ToolCallView]
    error: str | None
    facts: list[str]  # "120 ms", "10 tokens", "finished"
    variant: str | None = None  # "prompt variant `x.txt` (a1b2c3d4)" when the call carried one


def variant_text(digest: str | None, config: Config) -> str | None:
    """How a trace's prompt-variant digest is shown: with its file name when a configured
    variant has that digest (the config may have changed since), else the digest alone."""
    if digest is None:
        return None
    for wl in config.workloads.values():
        for table in wl.prompts.values():
            if table.variant.digest == digest:
                return table.variant.describe()
    return f"prompt variant {digest} (no longer configured)"


@dataclass(frozen=True)
class RequestView:
    system: tuple[str, ...]
    earlier: tuple[ContextMessage, ...]  # every other turn, collapsed on the page
    last_user: ContextMessage | None  # shown expanded
    tools: tuple[str, ...]
    json_mode: bool


@dataclass(frozen=True)
class PairView:
    pair_id: str
    workload: str
    old: SideView
    new: SideView
    diff: AnswerDiff
    request: RequestView | None
    raw_request: str | None  # the body as recorded, when it could not be read as a request


def _pretty(text: str) -> tuple[str, bool]:
    if looks_like_json(text):
        ok, value = parse_json(text)
        if ok:
            return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode(), True
    return text, False


def error_words(row: TraceRecord) -> str:
    """Why a side has no answer, in words (never a bare status or None)."""
    if row.status == "ok":
        return "no readable answer was recorded"
    words = STATUS_WORDS.get(row.status, f"the call ended with status {row.status}")
    if row.http_status:
        words += f" (HTTP {row.http_status})"
    if row.error_class:
        words += f": {row.error_class.replace('_', ' ')}"
    return words


def _facts(row: TraceRecord) -> list[str]:
    out = []
    if row.latency_ms is not None:
        out.append(f"{row.latency_ms:,.0f} ms")
    if row.output_tokens is not None:
        out.append(f"{row.output_tokens:,} tokens")
    if row.finish_reason:
        out.append(FINISH_WORDS.get(row.finish_reason, row.finish_reason.replace("_", " ")))
    return out


def side_view(label: str, row: TraceRecord, config: Config | None = None) -> SideView:
    answer = parse_answer(row)
    text, is_json, calls = "", False, []
    if answer is not None:
        text, is_json = _pretty(answer.text)
        calls = [ToolCallView(c.name, _pretty(c.arguments or "{}")[0]) for c in answer.tool_calls]
    return SideView(
        label=label,
        model=row.model,
        role_words="served to the user" if row.role == "served" else "shadow call",
        ok=answer is not None,
        text=text,
        is_json=is_json,
        tool_calls=calls,
        error=None if answer is not None else error_words(row),
        facts=_facts(row),
        variant=variant_text(row.prompt_variant, config) if config is not None else None,
    )


def request_view(context: RequestContext) -> RequestView:
    earlier, last = context.split_last_user()
    return RequestView(context.system, earlier, last, context.tools, context.json_mode)


def _calls(row: TraceRecord) -> tuple[str | None, list[tuple[str, str]]]:
    answer = parse_answer(row)
    if answer is None:
        return None, []
    return answer.text, [(c.name, c.arguments or "{}") for c in answer.tool_calls]


def pair_view(pair: ShadowPair, config: Config | None = None) -> PairView:
    old, new = side_view("old", pair.old, config), side_view("new", pair.new, config)
    (old_text, old_calls), (new_text, new_calls) = _calls(pair.old), _calls(pair.new)
    diff = answer_diff(old_text, new_text, old_calls, new_calls)
    context = request_context(pair.request_body, pair.inbound_wire)
    raw = None if context is not None else (pair.request_body or "")[:MAX_RAW_REQUEST]
    request = request_view(context) if context is not None else None
    return PairView(pair.pair_id, pair.workload, old, new, diff, request, raw or None)
