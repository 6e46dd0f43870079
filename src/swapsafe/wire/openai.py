"""OpenAI Chat Completions JSON <-> canonical types.

Parsing refuses (``TranslationError``) what the canonical form cannot carry: ``n`` > 1,
``logprobs`` / ``top_logprobs``, audio and ``modalities``, ``prediction``, penalties,
``logit_bias``, ``seed``, ``reasoning_effort``, ``verbosity``, ``web_search_options``,
``store``, ``metadata``, legacy ``functions`` / ``function_call``, message ``name``, custom
tools, ``allowed_tools``, audio / file content parts and unknown parameters. ``strict=False``
skips these checks (for recording traces of requests that are forwarded untranslated).

Mapping notes:

* ``system`` and ``developer`` messages become the canonical system prompt (one entry per text
  part), wherever they appear in the conversation.
* ``max_completion_tokens`` wins over ``max_tokens``; ``safety_identifier`` is used as ``user``
  when ``user`` is absent.
* Hints that change cost but not meaning are dropped: image ``detail``, ``prompt_cache_key``,
  ``prompt_cache_retention``, ``prompt_cache_options``, ``stream_options.include_obfuscation``,
  ``service_tier`` ``auto`` / ``default``.
* An assistant ``refusal`` in history becomes text. A tool result with ``is_error`` (from
  Anthropic) is sent as a tool message whose content starts with ``Error: ``.
* ``encode_request`` always asks for ``stream_options.include_usage`` when streaming, so usage
  reaches the gateway; whether the client sees it is up to the stream translator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from swapsafe.exceptions import TranslationError
from swapsafe.wire.canonical import (
    ChatRequest,
    ChatResponse,
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
    Usage,
)
from swapsafe.wire.fields import untranslatable
from swapsafe.wire.json_mode import schema_format

FINISH_FROM_OPENAI: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}

_HANDLED = frozenset(
    {
        "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p",
        "stop", "stream", "stream_options", "tools", "tool_choice", "parallel_tool_calls",
        "response_format", "user", "safety_identifier",
    }
)  # fmt: skip
_DROPPED_HINTS = frozenset({"prompt_cache_key", "prompt_cache_retention", "prompt_cache_options"})
#: parameter -> values that are harmless (equal to "not set")
_NEUTRAL: dict[str, tuple[object, ...]] = {
    "n": (1,),
    "logprobs": (False,),
    "top_logprobs": (0,),
    "frequency_penalty": (0, 0.0),
    "presence_penalty": (0, 0.0),
    "logit_bias": ({},),
    "modalities": (["text"],),
    "metadata": ({},),
    "store": (False,),
    "service_tier": ("auto", "default"),
}


def _refuse(param: str, what: str) -> TranslationError:
    return TranslationError(
        f"`{param}` {what} cannot be translated to the other provider's wire format; "
        f"remove it or route this workload to an OpenAI-compatible model",
        param=param,
    )


def _check_params(body: dict[str, Any]) -> None:
    key = untranslatable(body, _HANDLED, _DROPPED_HINTS, _NEUTRAL)
    if key is not None:
        raise _refuse(key, f"= {body[key]!r}" if key in ("n", "service_tier") else "(set)")


def text_parts(
    content: Any,
    param: str,
    refuse: Callable[[str, str], TranslationError] = _refuse,
    kinds: tuple[str, ...] = ("text",),
) -> list[str]:
    """Texts of system / developer / assistant / tool content: a string, or text parts of
    ``kinds`` and refusals (both OpenAI wires; ``refuse`` words the error for the caller's)."""
    if isinstance(content, str):
        return [content] if content else []
    if not isinstance(content, list):
        raise TranslationError(f"`{param}` must be a string or a list of parts", param=param)
    out = []
    for i, part in enumerate(content):
        kind = part.get("type")
        if kind in kinds:
            out.append(part["text"])
        elif kind == "refusal":
            out.append(part["refusal"])
        else:
            raise refuse(f"{param}[{i}].type", f"= {kind!r} (only text parts are allowed here)")
    return out


def _parse_image(url: str, param: str) -> ImagePart:
    image = ImagePart.from_url(url)
    if image is None:
        raise TranslationError(f"`{param}` must be a base64 data URL or an http(s) URL", param)
    return image


def _user_parts(content: Any, param: str, strict: bool) -> list[Part]:
    if isinstance(content, str):
        return [TextPart(content)] if content else []
    parts: list[Part] = []
    for i, part in enumerate(content or ()):
        kind = part.get("type")
        if kind == "text":
            parts.append(TextPart(part["text"]))
        elif kind == "image_url":
            parts.append(_parse_image(part["image_url"]["url"], f"{param}[{i}].image_url.url"))
        elif strict:
            raise _refuse(f"{param}[{i}].type", f"= {kind!r}")
    return parts


def _parse_message(m: dict[str, Any], i: int, system: list[str], strict: bool) -> Message | None:
    role = m.get("role")
    param = f"messages[{i}]"
    if strict and m.get("name"):
        raise _refuse(f"{param}.name", "(set)")
    if role in ("system", "developer"):
        system.extend(text_parts(m.get("content"), f"{param}.content"))
        return None
    if role == "user":
        return Message("user", _user_parts(m.get("content"), f"{param}.content", strict))
    if role == "assistant":
        if strict and (m.get("function_call") or m.get("audio")):
            raise _refuse(f"{param}.function_call", "(legacy function calling); use tool_calls")
        parts: list[Part] = [TextPart(t) for t in text_parts(m.get("content") or "", param)]
        if m.get("refusal"):
            parts.append(TextPart(m["refusal"]))
        for j, call in enumerate(m.get("tool_calls") or ()):
            if call.get("type", "function") != "function":
                if strict:
                    raise _refuse(f"{param}.tool_calls[{j}].type", f"= {call.get('type')!r}")
                continue
            fn = call["function"]
            parts.append(ToolCallPart(call["id"], fn["name"], fn.get("arguments") or "{}"))
        return Message("assistant", parts)
    if role == "tool":
        texts = text_parts(m.get("content"), f"{param}.content")
        result = ToolResultPart(m["tool_call_id"], [TextPart(t) for t in texts])
        return Message("tool", [result])
    if strict:
        raise _refuse(f"{param}.role", f"= {role!r}")
    return None


def _parse_tool_choice(tc: Any) -> ToolChoice | None:
    if tc is None or tc in ("auto", "none", "required"):
        return tc  # type: ignore[no-any-return]
    if isinstance(tc, dict) and tc.get("type") == "function":
        return NamedToolChoice(tc["function"]["name"])
    raise _refuse("tool_choice", f"= {tc!r}")


def _parse_response_format(rf: Any) -> dict[str, Any] | None:
    kind = rf.get("type") if isinstance(rf, dict) else None
    if rf is None or kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        return schema_format(rf["json_schema"])
    raise _refuse("response_format.type", f"= {kind!r}")


def parse_request(body: dict[str, Any], *, strict: bool = True) -> ChatRequest:
    """OpenAI ``/v1/chat/completions`` body -> canonical request."""
    if strict:
        _check_params(body)
    system: list[str] = []
    messages = []
    for i, m in enumerate(body.get("messages") or ()):
        msg = _parse_message(m, i, system, strict)
        if msg is not None:
            messages.append(msg)
    tools = []
    for i, t in enumerate(body.get("tools") or ()):
        if t.get("type", "function") != "function":
            if strict:
                raise _refuse(f"tools[{i}].type", f"= {t.get('type')!r}")
            continue
        fn = t["function"]
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        tools.append(Tool(fn["name"], fn.get("description"), params, fn.get("strict")))
    stop = body.get("stop")
    max_tokens = body.get("max_completion_tokens")
    return ChatRequest(
        model=body.get("model", ""),
        messages=messages,
        system=system,
        tools=tools,
        tool_choice=_parse_tool_choice(body.get("tool_choice")),
        parallel_tool_calls=body.get("parallel_tool_calls"),
        response_format=_parse_response_format(body.get("response_format")),
        stop=[stop] if isinstance(stop, str) else list(stop or ()),
        temperature=body.get("temperature"),
        top_p=body.get("top_p"),
        max_tokens=max_tokens if max_tokens is not None else body.get("max_tokens"),
        stream=bool(body.get("stream")),
        include_usage=bool((body.get("stream_options") or {}).get("include_usage")),
        user=body.get("user") or body.get("safety_identifier"),
    )


def _encode_text_content(texts: list[str]) -> str | list[dict[str, Any]]:
    if len(texts) == 1:
        return texts[0]
    return [{"type": "text", "text": t} for t in texts] if texts else ""


def _encode_message(m: Message, i: int) -> dict[str, Any]:
    if m.role == "tool":
        (r,) = m.content
        assert isinstance(r, ToolResultPart)
        texts = []
        for c in r.content:
            if not isinstance(c, TextPart):
                raise _refuse(f"messages[{i}].content", "(an image in a tool result)")
            texts.append(c.text)
        if r.is_error:
            texts = ["Error: " + "".join(texts)]
        return {
            "role": "tool",
            "tool_call_id": r.tool_call_id,
            "content": _encode_text_content(texts),
        }
    if m.role == "user":
        if all(isinstance(p, TextPart) for p in m.content) and len(m.content) <= 1:
            return {"role": "user", "content": m.content[0].text if m.content else ""}  # type: ignore[union-attr]
        parts: list[dict[str, Any]] = []
        for p in m.content:
            if isinstance(p, TextPart):
                parts.append({"type": "text", "text": p.text})
            elif isinstance(p, ImagePart):
                parts.append({"type": "image_url", "image_url": {"url": p.as_url()}})
        return {"role": "user", "content": parts}
    texts = [p.text for p in m.content if isinstance(p, TextPart)]
    calls = [
        {"id": p.id, "type": "function", "function": {"name": p.name, "arguments": p.arguments}}
        for p in m.content
        if isinstance(p, ToolCallPart)
    ]
    if any(isinstance(p, ImagePart) for p in m.content):
        raise _refuse(f"messages[{i}].content", "(an image in an assistant message)")
    out: dict[str, Any] = {"role": "assistant", "content": _encode_text_content(texts)}
    if calls:
        out["tool_calls"] = calls
        if not texts:
            out["content"] = None
    return out


def encode_request(req: ChatRequest, *, max_tokens_param: str = "max_tokens") -> dict[str, Any]:
    """Canonical request -> OpenAI body. ``max_tokens_param`` may be ``max_completion_tokens``."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": s} for s in req.system]
    messages.extend(_encode_message(m, i) for i, m in enumerate(req.messages))
    body: dict[str, Any] = {"model": req.model, "messages": messages}
    if req.tools:
        body["tools"] = [
            {"type": "function", "function": t.encode("parameters")} for t in req.tools
        ]
        if req.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = req.parallel_tool_calls
    tc = req.tool_choice
    if tc is not None:
        body["tool_choice"] = (
            {"type": "function", "function": {"name": tc.name}}
            if isinstance(tc, NamedToolChoice)
            else tc
        )
    rf = req.response_format
    if rf is not None:
        if rf["type"] == "json_schema":
            js = {"name": rf["name"], "schema": rf["schema"]}
            if rf.get("description"):
                js["description"] = rf["description"]
            if rf.get("strict") is not None:
                js["strict"] = rf["strict"]
            body["response_format"] = {"type": "json_schema", "json_schema": js}
        else:
            body["response_format"] = {"type": "json_object"}
    if req.stop:
        body["stop"] = req.stop
    for key in ("temperature", "top_p", "user"):
        value = getattr(req, key)
        if value is not None:
            body[key] = value
    if req.max_tokens is not None:
        body[max_tokens_param] = req.max_tokens
    if req.stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


def extract_usage(body: dict[str, Any]) -> Usage | None:
    """Usage of a completion or of a final stream chunk (``None`` when absent)."""
    u = body.get("usage")
    if not u:
        return None
    details = u.get("prompt_tokens_details") or {}
    return Usage(
        input_tokens=u.get("prompt_tokens") or 0,
        output_tokens=u.get("completion_tokens") or 0,
        cached_tokens=details.get("cached_tokens") or 0,
        cache_write_tokens=details.get("cache_write_tokens") or 0,
        reasoning_tokens=(u.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0,
    )


def encode_usage(u: Usage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens,
        "total_tokens": u.input_tokens + u.output_tokens,
        "prompt_tokens_details": {"cached_tokens": u.cached_tokens},
    }
    if u.cache_write_tokens:
        out["prompt_tokens_details"]["cache_write_tokens"] = u.cache_write_tokens
    if u.reasoning_tokens:
        out["completion_tokens_details"] = {"reasoning_tokens": u.reasoning_tokens}
    return out


def finish_reason(body: dict[str, Any]) -> FinishReason | None:
    """Canonical finish reason of a completion or chunk (first choice)."""
    choices = body.get("choices") or ()
    raw = choices[0].get("finish_reason") if choices else None
    return FINISH_FROM_OPENAI.get(raw, "stop") if raw else None


def parse_response(body: dict[str, Any]) -> ChatResponse:
    """OpenAI ``chat.completion`` -> canonical response (first choice)."""
    choice = (body.get("choices") or [{}])[0]
    msg = choice.get("message") or {}
    content: list[TextPart | ToolCallPart] = []
    if msg.get("content"):
        content.append(TextPart(msg["content"]))
    if msg.get("refusal"):
        content.append(TextPart(msg["refusal"]))
    for call in msg.get("tool_calls") or ():
        fn = call.get("function") or {}
        content.append(ToolCallPart(call["id"], fn.get("name", ""), fn.get("arguments") or "{}"))
    if msg.get("function_call"):
        fc = msg["function_call"]
        content.append(ToolCallPart("call_0", fc["name"], fc.get("arguments") or "{}"))
    return ChatResponse(
        id=body.get("id", ""),
        model=body.get("model", ""),
        content=content,
        finish_reason=finish_reason(body) or "stop",
        usage=extract_usage(body),
        created=body.get("created"),
    )


def encode_response(resp: ChatResponse, *, created: int | None = None) -> dict[str, Any]:
    """Canonical response -> OpenAI ``chat.completion`` body."""
    texts = [p.text for p in resp.content if isinstance(p, TextPart)]
    message: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(texts) if texts else None,
        "refusal": None,
    }
    calls = resp.tool_calls
    if calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in calls
        ]
    out: dict[str, Any] = {
        "id": resp.id,
        "object": "chat.completion",
        "created": created or resp.created or int(time.time()),
        "model": resp.model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": resp.finish_reason, "logprobs": None}
        ],
    }
    if resp.usage is not None:
        out["usage"] = encode_usage(resp.usage)
    return out
