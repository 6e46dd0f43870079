"""The OpenAI Responses API of :class:`~swapsafe.testing.FakeUpstream` (``POST /v1/responses``).

Written from the openai SDK's types (``openai/types/responses/``), apart from swapsafe's own
translators, so tests compare two independent readings of the format. Requests are checked the
way OpenAI checks them (a 400 naming the parameter): ``messages``, ``max_tokens`` and ``stop``
are not Responses parameters, tools are flat (``name`` at the top level), ``max_output_tokens``
is at least 16, and a ``function_call_output`` must answer a ``function_call`` earlier in
``input`` (unless ``previous_response_id`` continues a stored response).
"""

from __future__ import annotations

from typing import Any

import orjson

from swapsafe.providers.canned import Reply, completion_tokens, estimate_tokens, split_text

_NOT_RESPONSES = {
    "messages": "Unsupported parameter: 'messages'. In the Responses API, use 'input'.",
    "max_tokens": "Unsupported parameter: 'max_tokens'. Use 'max_output_tokens' instead.",
    "stop": "Unsupported parameter: 'stop'.",
}


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    raw = body.get("input")
    if isinstance(raw, str):
        return [{"type": "message", "role": "user", "content": raw}]
    return [i for i in raw or () if isinstance(i, dict)]


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else ()
    return " ".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))


def _check_tools(body: dict[str, Any]) -> str | None:
    for i, tool in enumerate(body.get("tools") or ()):
        if not isinstance(tool, dict):
            return f"Invalid type for 'tools[{i}]': expected an object."
        if tool.get("type") == "function" and not isinstance(tool.get("name"), str):
            return f"Missing required parameter: 'tools[{i}].name'."
    return None


def check_request(body: Any) -> str | None:
    """Why OpenAI would answer this body with a 400, or None."""
    if not isinstance(body, dict):
        return "The request body is not valid JSON."
    if not isinstance(body.get("model"), str):
        return "Missing required parameter: 'model'."
    for key, message in _NOT_RESPONSES.items():
        if key in body:
            return message
    raw = body.get("input")
    if not isinstance(raw, str | list) and not body.get("previous_response_id"):
        return "Missing required parameter: 'input'."
    limit = body.get("max_output_tokens")
    if isinstance(limit, int) and limit < 16:
        return f"Invalid 'max_output_tokens': integer below minimum value (16), got {limit}."
    problem = _check_tools(body)
    if problem is not None:
        return problem
    called: set[str] = set()
    stored = bool(body.get("previous_response_id"))
    for item in _items(body):
        call_id = item.get("call_id")
        if item.get("type") == "function_call":
            called.add(str(call_id))
        elif item.get("type") == "function_call_output" and not stored and call_id not in called:
            return f"No tool call found for function call output with call_id {call_id}."
    return None


def last_user_text(body: dict[str, Any]) -> str:
    for item in reversed(_items(body)):
        if item.get("type", "message") == "message" and item.get("role") == "user":
            return _text(item.get("content"))
    return ""


def prompt_tokens(body: dict[str, Any]) -> int:
    total = 3 + estimate_tokens(str(body.get("instructions") or ""))
    for item in _items(body):
        total += 4 + estimate_tokens(_text(item.get("content") or item.get("output") or ""))
    if body.get("tools"):
        total += len(orjson.dumps(body["tools"])) // 4
    return total


def _usage(reply: Reply, reasoning_tokens: int) -> dict[str, Any]:
    out = completion_tokens(reply) + reasoning_tokens
    return {
        "input_tokens": reply.prompt_tokens,
        "input_tokens_details": {"cached_tokens": reply.cached_tokens, "cache_write_tokens": 0},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
        "total_tokens": reply.prompt_tokens + out,
    }


def _output(reply: Reply, n: int, reasoning_tokens: int, done: bool) -> list[dict[str, Any]]:
    status = "completed" if done else "in_progress"
    items: list[dict[str, Any]] = []
    if reasoning_tokens:
        items.append({"id": f"rs_fake{n}", "type": "reasoning", "summary": [], "status": None})
    if reply.text:
        part = {"type": "output_text", "text": reply.text, "annotations": [], "logprobs": []}
        items.append(
            {
                "id": f"msg_fake{n}",
                "type": "message",
                "role": "assistant",
                "status": status,
                "content": [part] if done else [],
            }
        )
    for i, call in enumerate(reply.tool_calls):
        items.append(
            {
                "id": f"fc_fake{n}_{i}",
                "type": "function_call",
                "status": status,
                "call_id": call.id or f"call_fake{n}_{i}",
                "name": call.name,
                "arguments": orjson.dumps(call.arguments).decode() if done else "",
            }
        )
    return items


def response(
    reply: Reply,
    *,
    body: dict[str, Any],
    model: str,
    n: int,
    created: int,
    reasoning_tokens: int = 0,
    done: bool = True,
) -> dict[str, Any]:
    """A ``response`` object (``done=False``: as ``response.created`` carries it)."""
    incomplete = reply.finish_reason == "length"
    status = ("incomplete" if incomplete else "completed") if done else "in_progress"
    return {
        "id": f"resp_fake{n}",
        "object": "response",
        "created_at": created,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete and done else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": model,
        "output": _output(reply, n, reasoning_tokens, True) if done else [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": _usage(reply, reasoning_tokens) if done else None,
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }


class _Events:
    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def add(self, kind: str, **data: Any) -> None:
        payload = {"type": kind, "sequence_number": len(self.frames), **data}
        self.frames.append(
            b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"
        )


def _message_events(ev: _Events, item: dict[str, Any], index: int) -> None:
    text = item["content"][0]["text"]
    ev.add(
        "response.output_item.added",
        output_index=index,
        item={**item, "status": "in_progress", "content": []},
    )
    ids = {"item_id": item["id"], "output_index": index, "content_index": 0}
    empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    ev.add("response.content_part.added", **ids, part=empty)
    for piece in split_text(text):
        ev.add("response.output_text.delta", **ids, delta=piece, logprobs=[])
    ev.add("response.output_text.done", **ids, text=text, logprobs=[])
    ev.add("response.content_part.done", **ids, part=item["content"][0])
    ev.add("response.output_item.done", output_index=index, item=item)


def _call_events(ev: _Events, item: dict[str, Any], index: int) -> None:
    args = item["arguments"]
    opened = {**item, "status": "in_progress", "arguments": ""}
    ev.add("response.output_item.added", output_index=index, item=opened)
    ids = {"item_id": item["id"], "output_index": index}
    for start in range(0, len(args), 16):
        ev.add("response.function_call_arguments.delta", **ids, delta=args[start : start + 16])
    ev.add("response.function_call_arguments.done", **ids, arguments=args, name=item["name"])
    ev.add("response.output_item.done", output_index=index, item=item)


def stream_frames(
    reply: Reply,
    *,
    body: dict[str, Any],
    model: str,
    n: int,
    created: int,
    reasoning_tokens: int = 0,
) -> list[bytes]:
    """The SSE frames of a streamed response, ``response.created`` to ``response.completed``."""
    ev = _Events()
    start = response(reply, body=body, model=model, n=n, created=created, done=False)
    ev.add("response.created", response=start)
    ev.add("response.in_progress", response=start)
    final = response(
        reply, body=body, model=model, n=n, created=created, reasoning_tokens=reasoning_tokens
    )
    for index, item in enumerate(final["output"]):
        if item["type"] == "message":
            _message_events(ev, item, index)
        elif item["type"] == "function_call":
            _call_events(ev, item, index)
        else:
            ev.add("response.output_item.added", output_index=index, item=item)
            ev.add("response.output_item.done", output_index=index, item=item)
    kind = "response.completed" if final["status"] == "completed" else "response.incomplete"
    ev.add(kind, response=final)
    return ev.frames


def error_frame(sequence_number: int) -> bytes:
    """The in-stream ``error`` event OpenAI sends when a response breaks off."""
    data = {
        "type": "error",
        "code": "server_error",
        "message": "The server had an error while processing your request.",
        "param": None,
        "sequence_number": sequence_number,
    }
    return b"event: error\ndata: " + orjson.dumps(data) + b"\n\n"
