"""Mine golden cases from recorded traffic: distinct served requests, baseline answer as reference.

Only served traces of the workload's baseline model with status ok and both bodies recorded
are used. Requests are deduplicated by content (messages + tools, canonical JSON) against each
other and against the existing golden file, then ``n`` of them are sampled uniformly
(reservoir sampling with a seed, so memory stays bounded by ``n``).

Each mined case keeps the request's own messages (including its system prompt), the baseline's
answer as ``ideal`` (or its tool calls as ``metadata.tool_calls``), and one assertion chosen by
``assertion``: ``tool-call`` whenever the reference made tool calls, else the given type.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from swapsafe.evals.cases import Assertion, Case
from swapsafe.evals.scorers.tools import normalize_arguments
from swapsafe.exceptions import TranslationError
from swapsafe.store.protocol import Store
from swapsafe.store.records import TraceQuery, TraceRecord
from swapsafe.wire import translate
from swapsafe.wire.openai import encode_request
from swapsafe.wire.responses import continues_stored_state

_KEEP = ("messages", "tools")


@dataclass
class Mined:
    request: dict[str, Any]  # OpenAI format: messages (+ tools)
    text: str
    tool_calls: list[dict[str, Any]]
    request_id: str
    ts: datetime


def content_hash(messages: Any, tools: Any) -> str:
    data = orjson.dumps(
        {"input": messages, "tools": tools or [], "vars": {}}, option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(data).hexdigest()


def case_hash(case: Case) -> str:
    return hashlib.sha256(case.content_key()).hexdigest()


def parse_trace(trace: TraceRecord) -> Mined | None:
    """The trace's request (OpenAI format) and response, or None when unusable."""
    if not trace.request_body or not trace.response_body:
        return None
    try:
        req = orjson.loads(trace.request_body)
        resp = orjson.loads(trace.response_body)
        if not isinstance(req, dict) or not isinstance(resp, dict):
            return None
        wire = trace.inbound_wire or "openai"
        if wire == "responses" and continues_stored_state(req):
            return None  # the conversation is stored at OpenAI, not in the trace
        if wire != "openai":  # golden cases are written in OpenAI chat format
            strict = wire != "responses"  # store, reasoning ...: what OpenAI alone honours
            req = encode_request(translate.parse_request(wire, req, strict=strict))
        parsed = translate.parse_response(wire, resp)
    except (orjson.JSONDecodeError, TranslationError, KeyError, TypeError, ValueError):
        return None
    messages = req.get("messages")
    if not isinstance(messages, list) or not messages:
        return None
    request = {k: req[k] for k in _KEEP if req.get(k)}
    calls = [
        {"name": c.name, "arguments": normalize_arguments(c.arguments)} for c in parsed.tool_calls
    ]
    if not parsed.text and not calls:
        return None
    return Mined(request, parsed.text, calls, trace.request_id, trace.ts)


def sample_distinct(
    traces: Iterable[TraceRecord], n: int, *, exclude: set[str], seed: int = 0
) -> list[tuple[str, Mined]]:
    """Up to ``n`` distinct requests (by content hash, skipping ``exclude``), sampled uniformly."""
    rng = random.Random(seed)
    seen: set[str] = set(exclude)
    reservoir: list[tuple[str, Mined]] = []
    distinct = 0
    for trace in traces:
        mined = parse_trace(trace)
        if mined is None:
            continue
        key = content_hash(mined.request["messages"], mined.request.get("tools"))
        if key in seen:
            continue
        seen.add(key)
        distinct += 1
        if len(reservoir) < n:
            reservoir.append((key, mined))
        else:
            j = rng.randrange(distinct)
            if j < n:
                reservoir[j] = (key, mined)
    reservoir.sort(key=lambda item: item[1].ts)
    return reservoir


def to_case(key: str, mined: Mined, assertion: str, baseline: str) -> Case:
    metadata: dict[str, Any] = {
        "source": "traces",
        "request_id": mined.request_id,
        "reference_model": baseline,
        "ts": mined.ts.isoformat(),
    }
    if mined.tool_calls:
        metadata["tool_calls"] = mined.tool_calls
        check = Assertion(type="tool-call", config={"order_insensitive": True})
    else:
        check = Assertion(type=assertion)
    return Case(
        id=f"trace-{key[:16]}",
        input=mined.request["messages"],
        tools=mined.request.get("tools"),
        ideal=[mined.text] if mined.text else None,
        metadata=metadata,
        assertions=[check],
    )


def mine_cases(
    store: Store,
    workload: str,
    baseline: str,
    n: int,
    *,
    existing: Iterable[Case] = (),
    since: datetime | None = None,
    assertion: str = "similar",
    seed: int = 0,
) -> list[Case]:
    """Sample ``n`` new distinct cases from the workload's served baseline traffic."""
    query = TraceQuery(workload=workload, model=baseline, role="served", since=since)
    traces = (t for t in store.iter_traces(query) if t.status == "ok")
    exclude = {case_hash(c) for c in existing}
    picked = sample_distinct(traces, n, exclude=exclude, seed=seed)
    return [to_case(key, mined, assertion, baseline) for key, mined in picked]
