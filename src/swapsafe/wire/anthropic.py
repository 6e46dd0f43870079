"""Anthropic Messages JSON <-> canonical types.

Encoding produces what Anthropic accepts: a top-level ``system`` (system messages never appear in
``messages``), ``tool_choice`` objects, ``max_tokens`` always set (``default_max_tokens`` when the
request has none), tool results as ``tool_result`` blocks at the front of the user message that
follows the assistant ``tool_use``, consecutive same-role turns merged. A temperature above 1 is
refused, never clamped, and so is a request of system messages only (OpenAI answers one, e.g. an
OpenAI evals text sample; Anthropic needs a user turn, and inventing one would change it).

Structured output (JSON mode / ``json_schema``) is sent as a forced tool named ``json_output``
whose input schema is the requested schema, and its tool call comes back as JSON text with finish
reason ``stop``; ``structured_output="native"`` uses ``output_config.format``. Details in
``wire/json_mode.py``.

The anthropic SDK (>= 1.0) no longer takes ``temperature`` / ``top_p`` as arguments, but the API
still accepts them on models that support sampling, so they are translated as they are; some
models refuse both together, which the upstream answers with a 400.

Parsing refuses ``top_k``, ``thinking`` (unless disabled) and thinking blocks, ``output_config``
``effort``, server tools, documents and other block types OpenAI cannot carry, ``container``,
``mcp_servers``, ``context_management`` and unknown parameters. Dropped hints: ``cache_control``
(top-level and on blocks), ``service_tier``. Incoming ``output_config.format`` becomes an OpenAI
``json_schema`` response format named ``output`` with ``strict: true``.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson

from swapsafe.exceptions import TranslationError
from swapsafe.wire.canonical import (
    ChatRequest,
    FinishReason,
    ImagePart,
    Message,
    NamedToolChoice,
    Part,
    TextPart,
    Tool,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
)
from swapsafe.wire.fields import untranslatable
from swapsafe.wire.json_mode import apply_json_tool

FINISH_FROM_ANTHROPIC: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
FINISH_TO_ANTHROPIC: dict[str, str] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}
IMAGE_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})

_HANDLED = frozenset(
    {
        "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream",
        "temperature", "top_p", "tools", "tool_choice", "output_config", "thinking",
    }
)  # fmt: skip
_DROPPED_HINTS = frozenset({"cache_control", "service_tier"})


def _refuse(param: str, what: str) -> TranslationError:
    return TranslationError(
        f"`{param}` {what} cannot be translated to the other provider's wire format; "
        f"remove it or route this workload to an Anthropic model",
        param=param,
    )


def _system_texts(system: Any, param: str) -> list[str]:
    if isinstance(system, str):
        return [system] if system else []
    return [b["text"] for b in system or () if b.get("text")]


def _image(block: dict[str, Any], param: str) -> ImagePart:
    src = block.get("source") or {}
    if src.get("type") == "url":
        return ImagePart(url=src["url"])
    if src.get("type") == "base64":
        return ImagePart(media_type=src["media_type"], data=src["data"])
    raise _refuse(f"{param}.source.type", f"= {src.get('type')!r}")


def _result_content(content: Any, param: str, strict: bool) -> list[TextPart | ImagePart]:
    if content is None:
        return []
    if isinstance(content, str):
        return [TextPart(content)] if content else []
    out: list[TextPart | ImagePart] = []
    for i, b in enumerate(content):
        kind = b.get("type")
        if kind == "text":
            out.append(TextPart(b["text"]))
        elif kind == "image":
            out.append(_image(b, f"{param}[{i}]"))
        elif strict:
            raise _refuse(f"{param}[{i}].type", f"= {kind!r}")
    return out


def _invalid(param: str, what: str) -> TranslationError:
    return TranslationError(f"`{param}` {what}", param=param)


def _check_turn(role: object, content: object, i: int) -> None:
    """What an Anthropic upstream would refuse with a 400, refused here too instead of being
    dropped on the way to another vendor (an empty prompt answered 200 is worse)."""
    if role not in ("user", "assistant"):
        raise _invalid(f"messages[{i}].role", f'must be "user" or "assistant", not {role!r}')
    if not isinstance(content, (str, list)):
        raise _invalid(f"messages[{i}].content", "must be a string or a list of content blocks")
    for j, b in enumerate(content if isinstance(content, list) else ()):
        if not isinstance(b, dict):
            raise _invalid(f"messages[{i}].content[{j}]", "must be a content block (an object)")
        if b.get("type") == "text" and not isinstance(b.get("text"), str):
            raise _invalid(f"messages[{i}].content[{j}].text", "must be a string")


def _parse_turn(m: dict[str, Any], i: int, strict: bool) -> list[Message]:
    """One Anthropic turn -> canonical messages (tool results split out as ``tool`` messages)."""
    role = m.get("role")
    content = m.get("content")
    param = f"messages[{i}].content"
    if strict:
        _check_turn(role, content, i)
    if isinstance(content, str):
        return [Message(role, [TextPart(content)] if content else [])]  # type: ignore[arg-type]
    out: list[Message] = []
    pending: list[Part] = []
    for j, b in enumerate(content or ()):
        kind = b.get("type")
        if kind == "text":
            if b["text"]:
                pending.append(TextPart(b["text"]))
        elif kind == "image" and role == "user":
            pending.append(_image(b, f"{param}[{j}]"))
        elif kind == "tool_use" and role == "assistant":
            args = orjson.dumps(b.get("input") or {}).decode()
            pending.append(ToolCallPart(b["id"], b["name"], args))
        elif kind == "tool_result" and role == "user":
            if pending:
                out.append(Message("user", pending))
                pending = []
            result = _result_content(b.get("content"), f"{param}[{j}].content", strict)
            is_error = bool(b.get("is_error"))
            out.append(Message("tool", [ToolResultPart(b["tool_use_id"], result, is_error)]))
        elif strict:
            raise _refuse(f"{param}[{j}].type", f"= {kind!r}")
    if pending or not out:
        out.append(Message(role, pending))  # type: ignore[arg-type]
    return out


def _check_params(body: dict[str, Any]) -> None:
    key = untranslatable(body, _HANDLED, _DROPPED_HINTS, {})
    if key is not None:
        raise _refuse(key, "(set)")  # top_k, container, mcp_servers, unknown keys...
    thinking = body.get("thinking")
    if thinking and thinking.get("type") != "disabled":
        raise _refuse("thinking", "(extended thinking)")
    if (body.get("output_config") or {}).get("effort") is not None:
        raise _refuse("output_config.effort", "(set)")


def _parse_tool_choice(tc: Any) -> tuple[ToolChoice | None, bool | None]:
    if not tc:
        return None, None
    parallel = False if tc.get("disable_parallel_tool_use") else None
    kind = tc.get("type")
    if kind == "tool":
        return NamedToolChoice(tc["name"]), parallel
    mode = {"auto": "auto", "any": "required", "none": "none"}.get(kind)
    if mode is None:
        raise _refuse("tool_choice.type", f"= {kind!r}")
    return mode, parallel  # type: ignore[return-value]


def parse_request(body: dict[str, Any], *, strict: bool = True) -> ChatRequest:
    """Anthropic ``/v1/messages`` body -> canonical request."""
    if strict:
        _check_params(body)
    system = _system_texts(body.get("system"), "system")
    messages: list[Message] = []
    for i, m in enumerate(body.get("messages") or ()):
        if m.get("role") == "system":  # newer SDKs type a system turn; it is system text
            system.extend(_system_texts(m.get("content"), f"messages[{i}].content"))
            continue
        messages.extend(_parse_turn(m, i, strict))
    tools = []
    for i, t in enumerate(body.get("tools") or ()):
        if t.get("type") not in (None, "custom"):
            if strict:
                raise _refuse(f"tools[{i}].type", f"= {t.get('type')!r} (a server tool)")
            continue
        tools.append(Tool(t["name"], t.get("description"), t["input_schema"], t.get("strict")))
    tool_choice, parallel = _parse_tool_choice(body.get("tool_choice"))
    fmt = (body.get("output_config") or {}).get("format")
    response_format = (
        {"type": "json_schema", "name": "output", "schema": fmt["schema"], "strict": True}
        if fmt
        else None
    )
    return ChatRequest(
        model=body.get("model", ""),
        messages=messages,
        system=system,
        tools=tools,
        tool_choice=tool_choice,
        parallel_tool_calls=parallel,
        response_format=response_format,
        stop=list(body.get("stop_sequences") or ()),
        temperature=body.get("temperature"),
        top_p=body.get("top_p"),
        max_tokens=body.get("max_tokens"),
        stream=bool(body.get("stream")),
        include_usage=True,
        user=(body.get("metadata") or {}).get("user_id"),
    )


def tool_input(arguments: str, param: str) -> dict[str, Any]:
    """Parse OpenAI tool-call ``arguments`` (a JSON string) into Anthropic's ``input`` object."""
    if not arguments.strip():
        return {}
    try:
        value = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise TranslationError(
            f"`{param}` is not a JSON object; Anthropic needs tool arguments as an object", param
        )
    return value


def _block(p: Part, param: str) -> dict[str, Any] | None:
    if isinstance(p, TextPart):
        return {"type": "text", "text": p.text} if p.text else None
    if isinstance(p, ImagePart):
        if p.url is not None:
            return {"type": "image", "source": {"type": "url", "url": p.url}}
        if p.media_type not in IMAGE_MEDIA_TYPES:
            raise TranslationError(
                f"`{param}` has image type {p.media_type!r}; Anthropic accepts "
                "image/jpeg, image/png, image/gif and image/webp",
                param,
            )
        src = {"type": "base64", "media_type": p.media_type, "data": p.data}
        return {"type": "image", "source": src}
    if isinstance(p, ToolCallPart):
        args = tool_input(p.arguments, f"{param}.arguments")
        return {"type": "tool_use", "id": p.id, "name": p.name, "input": args}
    out: dict[str, Any] = {"type": "tool_result", "tool_use_id": p.tool_call_id}
    blocks = [b for b in (_block(c, param) for c in p.content) if b is not None]
    if len(blocks) == 1 and blocks[0]["type"] == "text":
        out["content"] = blocks[0]["text"]
    elif blocks:
        out["content"] = blocks
    if p.is_error:
        out["is_error"] = True
    return out


def _encode_messages(messages: list[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, m in enumerate(messages):
        role = "assistant" if m.role == "assistant" else "user"
        blocks = [
            b
            for j, p in enumerate(m.content)
            if (b := _block(p, f"messages[{i}].content[{j}]")) is not None
        ]
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    for i, turn in enumerate(out):
        blocks = turn["content"]
        if turn["role"] == "user" and any(b["type"] == "tool_result" for b in blocks):
            blocks.sort(key=lambda b: b["type"] != "tool_result")  # stable: results first
        if not blocks and i != len(out) - 1:
            raise TranslationError(
                f"`messages[{i}]` has empty content; Anthropic requires non-empty messages",
                param=f"messages[{i}].content",
            )
    return out


def _encode_tool_choice(req: ChatRequest) -> dict[str, Any] | None:
    tc = req.tool_choice
    if not req.tools:
        return None
    if isinstance(tc, NamedToolChoice):
        out: dict[str, Any] = {"type": "tool", "name": tc.name}
    elif tc == "none":
        return {"type": "none"}
    else:
        out = {"type": "any" if tc == "required" else "auto"}
        if tc is None and req.parallel_tool_calls is not False:
            return None
    if req.parallel_tool_calls is False:
        out["disable_parallel_tool_use"] = True
    return out


def encode_request(
    req: ChatRequest,
    *,
    default_max_tokens: int = 4096,
    structured_output: Literal["tool", "native"] = "tool",
) -> dict[str, Any]:
    """Canonical request -> Anthropic body (see the module docstring for the rules)."""
    if req.temperature is not None and req.temperature > 1:
        raise TranslationError(
            f"`temperature` = {req.temperature} is above 1, the maximum Anthropic accepts; "
            "send a temperature between 0 and 1",
            param="temperature",
        )
    messages = _encode_messages(req.messages)
    if not messages:
        raise TranslationError(
            "the request has only system messages and Anthropic needs at least one user message "
            "(an OpenAI model accepts a system-only chat); add a user message or route this "
            "workload to an OpenAI model",
            param="messages",
        )
    body: dict[str, Any] = {
        "model": req.model,
        "max_tokens": req.max_tokens if req.max_tokens is not None else default_max_tokens,
        "messages": messages,
    }
    if len(req.system) == 1:
        body["system"] = req.system[0]
    elif req.system:
        body["system"] = [{"type": "text", "text": s} for s in req.system]
    if req.tools:
        body["tools"] = [t.encode("input_schema") for t in req.tools]
    tool_choice = _encode_tool_choice(req)
    if tool_choice is not None:
        body["tool_choice"] = tool_choice
    rf = req.response_format
    if rf is not None:
        if structured_output == "native" and rf["type"] == "json_schema":
            body["output_config"] = {"format": {"type": "json_schema", "schema": rf["schema"]}}
        else:
            apply_json_tool(req, body)
    if req.stop:
        body["stop_sequences"] = req.stop
    if req.temperature is not None:
        body["temperature"] = req.temperature
    if req.top_p is not None:
        body["top_p"] = req.top_p
    if req.user is not None:
        body["metadata"] = {"user_id": req.user}
    if req.stream:
        body["stream"] = True
    return body
