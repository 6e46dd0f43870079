"""Responses API answers (``response`` objects and usage) <-> canonical types.

The mapping rules (what is kept, what is left out) are listed in :mod:`swapsafe.wire.responses`.
"""

from __future__ import annotations

import time
from typing import Any

from swapsafe.exceptions import TranslationError
from swapsafe.wire.canonical import ChatResponse, FinishReason, TextPart, ToolCallPart, Usage

#: canonical finish reason -> ``incomplete_details.reason``
INCOMPLETE_REASON = {"length": "max_output_tokens", "content_filter": "content_filter"}
FINISH_FROM_INCOMPLETE: dict[str, FinishReason] = {
    "max_output_tokens": "length",
    "content_filter": "content_filter",
}


# ---------------------------------------------------------------- usage


def extract_usage(usage: Any) -> Usage | None:
    """A Responses ``usage`` object -> canonical usage (``None`` when absent)."""
    if not isinstance(usage, dict) or not usage:
        return None
    details = usage.get("input_tokens_details") or {}
    out_details = usage.get("output_tokens_details") or {}
    return Usage(
        input_tokens=usage.get("input_tokens") or 0,
        output_tokens=usage.get("output_tokens") or 0,
        cached_tokens=details.get("cached_tokens") or 0,
        cache_write_tokens=details.get("cache_write_tokens") or 0,
        reasoning_tokens=out_details.get("reasoning_tokens") or 0,
    )


def encode_usage(u: Usage) -> dict[str, Any]:
    return {
        "input_tokens": u.input_tokens,
        "input_tokens_details": {
            "cached_tokens": u.cached_tokens,
            "cache_write_tokens": u.cache_write_tokens,
        },
        "output_tokens": u.output_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": u.input_tokens + u.output_tokens,
    }


# ---------------------------------------------------------------- responses


def finish_reason(body: dict[str, Any]) -> FinishReason | None:
    """Canonical finish reason of a ``response`` object (None while it is not finished)."""
    status = body.get("status")
    if status == "incomplete":
        reason = (body.get("incomplete_details") or {}).get("reason")
        return FINISH_FROM_INCOMPLETE.get(str(reason), "length")
    if status != "completed":
        return None
    output = body.get("output") or ()
    calls = any(isinstance(o, dict) and o.get("type") == "function_call" for o in output)
    return "tool_calls" if calls else "stop"


def parse_response(body: dict[str, Any]) -> ChatResponse:
    """Responses ``response`` object -> canonical response (reasoning items left out)."""
    if body.get("status") == "failed":
        error = body.get("error") or {}
        raise TranslationError(f"the upstream response failed: {error.get('message') or error}")
    content: list[TextPart | ToolCallPart] = []
    for item in body.get("output") or ():
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or ():
                if part.get("type") == "output_text" and part.get("text"):
                    content.append(TextPart(part["text"]))
                elif part.get("type") == "refusal" and part.get("refusal"):
                    content.append(TextPart(part["refusal"]))
        elif kind == "function_call":
            args = item.get("arguments") or "{}"
            content.append(ToolCallPart(item["call_id"], item["name"], args))
    return ChatResponse(
        id=body.get("id", ""),
        model=body.get("model", ""),
        content=content,
        finish_reason=finish_reason(body) or "stop",
        usage=extract_usage(body.get("usage")),
        created=int(body["created_at"]) if body.get("created_at") else None,
    )


def item_ids(response_id: str) -> tuple[str, str]:
    """(message item id, function-call item id prefix) derived from the response id."""
    tail = response_id.removeprefix("resp_")
    return f"msg_{tail}", f"fc_{tail}_"


def message_item(item_id: str, text: str, status: str = "completed") -> dict[str, Any]:
    part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
    return {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": status,
        "content": [part] if status == "completed" else [],
    }


def call_item(item_id: str, call: ToolCallPart, status: str = "completed") -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "call_id": call.id,
        "name": call.name,
        "arguments": call.arguments,
    }


def response_object(
    response_id: str,
    *,
    model: str,
    created_at: int,
    request: dict[str, Any],
    output: list[dict[str, Any]],
    finish: FinishReason | None,
    usage: Usage | None,
) -> dict[str, Any]:
    """A ``response`` object; ``finish`` None means still in progress. The request's settings
    are echoed back as OpenAI does; ``store`` is false: nothing is kept for a later read."""
    incomplete = INCOMPLETE_REASON.get(finish or "")
    status = "in_progress" if finish is None else "incomplete" if incomplete else "completed"
    text: dict[str, Any] = request["text"] if isinstance(request.get("text"), dict) else {}
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "instructions": request.get("instructions"),
        "max_output_tokens": request.get("max_output_tokens"),
        "model": model,
        "output": output,
        "parallel_tool_calls": request.get("parallel_tool_calls", True) is not False,
        "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": False,
        "temperature": request.get("temperature", 1.0),
        "text": {"format": {"type": "text"}, **text},
        "tool_choice": request.get("tool_choice") or "auto",
        "tools": list(request.get("tools") or ()),
        "top_p": request.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": encode_usage(usage) if usage is not None else None,
        "user": request.get("user"),
        "metadata": {},
    }


def encode_response(
    resp: ChatResponse, *, request: dict[str, Any], created_at: int | None = None
) -> dict[str, Any]:
    """Canonical response -> Responses ``response`` object (``resp.id`` is the response id)."""
    msg_id, fc_prefix = item_ids(resp.id)
    output: list[dict[str, Any]] = []
    if resp.text or not resp.tool_calls:
        output.append(message_item(msg_id, resp.text))
    output.extend(call_item(f"{fc_prefix}{i}", c) for i, c in enumerate(resp.tool_calls))
    return response_object(
        resp.id,
        model=resp.model,
        created_at=created_at or resp.created or int(time.time()),
        request=request,
        output=output,
        finish=resp.finish_reason,
        usage=resp.usage or Usage(),
    )
