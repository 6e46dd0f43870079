"""OpenAI Responses API JSON (``POST /v1/responses``) <-> canonical types.

Requests. ``input`` is a string (one user turn) or a list of items: ``message`` items (role
``user``, ``assistant``, ``system`` or ``developer``; ``input_text`` / ``input_image`` parts, and
``output_text`` / ``refusal`` parts in assistant history), ``function_call`` items (their
``call_id`` is the canonical tool-call id; consecutive calls form one assistant turn, so parallel
calls stay parallel) and ``function_call_output`` items (a tool result for that ``call_id``).
``instructions`` and ``system`` / ``developer`` messages become the canonical system prompt.
``text.format`` (``json_schema`` / ``json_object``) is the response format,
``max_output_tokens`` the token limit, ``user`` (or ``safety_identifier``) the end user.

Refused (``TranslationError`` naming the parameter, a 400 in OpenAI's format), because another
vendor cannot honour them and dropping them would change what the application gets:

* conversation state kept by OpenAI: ``previous_response_id``, ``conversation``, ``store: true``,
  ``item_reference`` items, stored ``prompt`` templates;
* ``background``, ``include`` (e.g. ``reasoning.encrypted_content``), ``reasoning``,
  ``reasoning`` input items (their ``encrypted_content`` only means something to OpenAI),
  ``max_tool_calls``, ``top_logprobs``, ``truncation: "auto"``, ``text.verbosity``,
  ``metadata`` with entries, ``service_tier`` other than ``auto`` / ``default``;
* built-in and custom tools (``web_search``, ``file_search``, ``code_interpreter``, ``mcp``,
  ``computer_use_preview``, ``image_generation``, ``custom`` ...), their calls in ``input``, and
  a ``tool_choice`` naming one; ``input_file`` parts, images by ``file_id``; unknown parameters.

Dropped hints (they change cost, not meaning): ``prompt_cache_key``, ``prompt_cache_retention``,
``prompt_cache_options``, ``stream_options`` (``include_obfuscation``), image ``detail``.

Encoding a canonical request *for* a Responses-only upstream refuses ``stop`` sequences (the
Responses API has none) and sets ``store: false`` (the client asked for no stored state); a
request of system messages only sends them as ``input`` system messages (an empty ``input`` is
refused by the API even with ``instructions``).

Responses. A canonical answer becomes a ``response`` object with a ``message`` item holding one
``output_text`` part and a ``function_call`` item per tool call; ``length`` and
``content_filter`` finish reasons give ``status: "incomplete"`` with ``incomplete_details.reason``
``max_output_tokens`` / ``content_filter``. Reading a Responses answer for another client keeps
text, refusals (as text) and function calls; ``reasoning`` items have no field in Chat
Completions or Anthropic messages and are left out, their tokens still counted in
``output_tokens_details.reasoning_tokens``. A ``failed`` response is a ``TranslationError``.
"""

from __future__ import annotations

from typing import Any

from swapsafe.exceptions import TranslationError
from swapsafe.wire.canonical import (
    ChatRequest,
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
from swapsafe.wire.json_mode import schema_format
from swapsafe.wire.openai import text_parts

_HANDLED = frozenset(
    {
        "model", "input", "instructions", "max_output_tokens", "temperature", "top_p", "stream",
        "tools", "tool_choice", "parallel_tool_calls", "text", "user", "safety_identifier",
    }
)  # fmt: skip
_DROPPED_HINTS = frozenset(
    {"prompt_cache_key", "prompt_cache_retention", "prompt_cache_options", "stream_options"}
)
#: parameter -> values that are harmless (equal to "not set")
_NEUTRAL: dict[str, tuple[object, ...]] = {
    "store": (False,),
    "background": (False,),
    "include": ([],),
    "metadata": ({},),
    "truncation": ("disabled",),
    "service_tier": ("auto", "default"),
}
_WHY = {
    "previous_response_id": "(conversation state stored by OpenAI)",
    "conversation": "(conversation state stored by OpenAI)",
    "store": "= true (conversation state stored by OpenAI; send store: false)",
    "prompt": "(a prompt template stored by OpenAI)",
    "background": "= true (background responses are run and stored by OpenAI)",
    "include": "(extra output only OpenAI produces, e.g. reasoning.encrypted_content)",
    "reasoning": "(reasoning settings only OpenAI reasoning models take)",
}


def continues_stored_state(body: dict[str, Any]) -> bool:
    """Whether the request's history lives at OpenAI (the body alone is not the conversation)."""
    stored_item = any(
        isinstance(i, dict) and i.get("type") == "item_reference" for i in body.get("input") or ()
    )
    return bool(body.get("previous_response_id") or body.get("conversation") or stored_item)


def _refuse(param: str, what: str) -> TranslationError:
    return TranslationError(
        f"`{param}` {what} cannot be translated to another provider's wire format; "
        "remove it or route this workload to an OpenAI model that speaks the Responses API",
        param=param,
    )


def _check_params(body: dict[str, Any]) -> None:
    key = untranslatable(body, _HANDLED, _DROPPED_HINTS, _NEUTRAL)
    if key is not None:
        raise _refuse(key, _WHY.get(key, "(set)"))
    text = body.get("text") or {}
    if text.get("verbosity") not in (None, "medium"):
        raise _refuse("text.verbosity", f"= {text['verbosity']!r}")


# ---------------------------------------------------------------- request: parse


def _text_parts(content: Any, param: str) -> list[str]:
    """Texts of system / developer / assistant content (a string or text parts)."""
    return text_parts(content, param, _refuse, ("input_text", "output_text", "text"))


def _image(part: dict[str, Any], param: str) -> ImagePart:
    url = part.get("image_url")
    if not isinstance(url, str):
        raise _refuse(f"{param}.file_id", "(an image uploaded to OpenAI's file store)")
    image = ImagePart.from_url(url)
    if image is None:
        raise TranslationError(f"`{param}.image_url` must be a base64 data URL", param=param)
    return image


def _user_parts(content: Any, param: str, strict: bool) -> list[Part]:
    if isinstance(content, str):
        return [TextPart(content)] if content else []
    if not isinstance(content, list):
        raise TranslationError(f"`{param}` must be a string or a list of parts", param=param)
    parts: list[Part] = []
    for i, part in enumerate(content):
        kind = part.get("type")
        if kind in ("input_text", "text"):
            parts.append(TextPart(part["text"]))
        elif kind == "input_image":
            parts.append(_image(part, f"{param}[{i}]"))
        elif strict:
            raise _refuse(f"{param}[{i}].type", f"= {kind!r}")
    return parts


def _tool_output(output: Any, param: str) -> list[TextPart | ImagePart]:
    if isinstance(output, str):
        return [TextPart(output)] if output else []
    out: list[TextPart | ImagePart] = []
    for i, part in enumerate(output if isinstance(output, list) else ()):
        kind = part.get("type")
        if kind == "input_text":
            out.append(TextPart(part["text"]))
        elif kind == "input_image":
            out.append(_image(part, f"{param}[{i}]"))
        else:
            raise _refuse(f"{param}[{i}].type", f"= {kind!r}")
    return out


class _Turns:
    """Collects canonical messages; function calls join the assistant turn before them."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.system: list[str] = []

    def assistant(self, parts: list[Part]) -> None:
        last = self.messages[-1] if self.messages else None
        if (
            last is not None
            and last.role == "assistant"
            and (not parts or isinstance(parts[0], ToolCallPart))
        ):
            last.content.extend(parts)
        else:
            self.messages.append(Message("assistant", parts))


def _parse_item(item: dict[str, Any], i: int, turns: _Turns, strict: bool) -> None:
    param = f"input[{i}]"
    kind = item.get("type", "message")
    if kind == "message":
        role = item.get("role")
        content = item.get("content")
        if role in ("system", "developer"):
            turns.system.extend(_text_parts(content, f"{param}.content"))
        elif role == "user":
            turns.messages.append(Message("user", _user_parts(content, f"{param}.content", strict)))
        elif role == "assistant":
            texts = _text_parts(content, f"{param}.content")
            turns.messages.append(Message("assistant", [TextPart(t) for t in texts]))
        elif strict:
            raise _refuse(f"{param}.role", f"= {role!r}")
    elif kind == "function_call":
        call = ToolCallPart(item["call_id"], item["name"], item.get("arguments") or "{}")
        turns.assistant([call])
    elif kind == "function_call_output":
        result = ToolResultPart(item["call_id"], _tool_output(item.get("output"), param))
        turns.messages.append(Message("tool", [result]))
    elif kind == "reasoning" and strict:
        what = "encrypted_content" if item.get("encrypted_content") else "summary"
        raise _refuse(f"{param}.{what}", "(a reasoning item only OpenAI can read back)")
    elif strict and kind != "reasoning":
        raise _refuse(f"{param}.type", f"= {kind!r} (a built-in tool call or stored item)")


def _parse_tools(tools: Any, strict: bool) -> list[Tool]:
    out = []
    for i, t in enumerate(tools or ()):
        if t.get("type") != "function":
            if strict:
                raise _refuse(f"tools[{i}].type", f"= {t.get('type')!r} (a built-in tool)")
            continue
        params = t.get("parameters") or {"type": "object", "properties": {}}
        out.append(Tool(t["name"], t.get("description"), params, t.get("strict")))
    return out


def _parse_tool_choice(tc: Any) -> ToolChoice | None:
    if tc is None or tc in ("auto", "none", "required"):
        return tc  # type: ignore[no-any-return]
    if isinstance(tc, dict) and tc.get("type") == "function":
        return NamedToolChoice(tc["name"])
    kind = tc.get("type") if isinstance(tc, dict) else tc
    raise _refuse("tool_choice", f"= {kind!r}")


def _parse_format(text: Any) -> dict[str, Any] | None:
    fmt = text.get("format") if isinstance(text, dict) else None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if fmt is None or kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        return schema_format(fmt)
    raise _refuse("text.format.type", f"= {kind!r}")


def parse_request(body: dict[str, Any], *, strict: bool = True) -> ChatRequest:
    """Responses API request body -> canonical request."""
    if strict:
        _check_params(body)
    turns = _Turns()
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        turns.system.append(instructions)
    raw = body.get("input")
    if isinstance(raw, str):
        turns.messages.append(Message("user", [TextPart(raw)] if raw else []))
    else:
        for i, item in enumerate(raw or ()):
            _parse_item(item, i, turns, strict)
    return ChatRequest(
        model=body.get("model", ""),
        messages=turns.messages,
        system=turns.system,
        tools=_parse_tools(body.get("tools"), strict),
        tool_choice=_parse_tool_choice(body.get("tool_choice")),
        parallel_tool_calls=body.get("parallel_tool_calls"),
        response_format=_parse_format(body.get("text")),
        temperature=body.get("temperature"),
        top_p=body.get("top_p"),
        max_tokens=body.get("max_output_tokens"),
        stream=bool(body.get("stream")),
        include_usage=True,
        user=body.get("user") or body.get("safety_identifier"),
    )


# ---------------------------------------------------------------- request: encode


def _encode_user(m: Message) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    for p in m.content:
        if isinstance(p, TextPart):
            parts.append({"type": "input_text", "text": p.text})
        elif isinstance(p, ImagePart):
            parts.append({"type": "input_image", "image_url": p.as_url(), "detail": "auto"})
    return {"type": "message", "role": "user", "content": parts}


def _encode_message(m: Message, i: int) -> list[dict[str, Any]]:
    if m.role == "user":
        return [_encode_user(m)]
    if m.role == "tool":
        (r,) = m.content
        assert isinstance(r, ToolResultPart)
        if any(isinstance(c, ImagePart) for c in r.content):
            raise _refuse(f"messages[{i}].content", "(an image in a tool result)")
        text = "".join(c.text for c in r.content if isinstance(c, TextPart))
        output = "Error: " + text if r.is_error else text
        return [{"type": "function_call_output", "call_id": r.tool_call_id, "output": output}]
    items: list[dict[str, Any]] = []
    for p in m.content:
        if isinstance(p, TextPart):
            items.append({"type": "message", "role": "assistant", "content": p.text})
        elif isinstance(p, ToolCallPart):
            call = {"type": "function_call", "call_id": p.id, "name": p.name}
            items.append({**call, "arguments": p.arguments})
        else:
            raise _refuse(f"messages[{i}].content", "(an image in an assistant message)")
    return items


def _encode_tool(t: Tool) -> dict[str, Any]:
    return {"type": "function", **t.encode("parameters"), "strict": bool(t.strict)}


def _encode_format(rf: dict[str, Any]) -> dict[str, Any]:
    if rf["type"] != "json_schema":
        return {"type": "json_object"}
    fmt = {"type": "json_schema", "name": rf["name"], "schema": rf["schema"]}
    if rf.get("description"):
        fmt["description"] = rf["description"]
    if rf.get("strict") is not None:
        fmt["strict"] = rf["strict"]
    return fmt


def encode_request(req: ChatRequest) -> dict[str, Any]:
    """Canonical request -> Responses API body (for an upstream that speaks only Responses)."""
    if req.stop:
        raise _refuse("stop", "(the Responses API has no stop sequences)")
    items: list[dict[str, Any]] = []
    # several system texts, or system texts alone (the Responses API refuses an empty `input`,
    # instructions or not), go in `input` as system messages
    in_input = len(req.system) > 1 or not req.messages
    if in_input:
        items = [{"type": "message", "role": "system", "content": s} for s in req.system]
    for i, m in enumerate(req.messages):
        items.extend(_encode_message(m, i))
    body: dict[str, Any] = {"model": req.model, "input": items, "store": False}
    if len(req.system) == 1 and not in_input:
        body["instructions"] = req.system[0]
    if req.tools:
        body["tools"] = [_encode_tool(t) for t in req.tools]
    if req.parallel_tool_calls is not None:
        body["parallel_tool_calls"] = req.parallel_tool_calls
    tc = req.tool_choice
    if tc is not None:
        body["tool_choice"] = (
            {"type": "function", "name": tc.name} if isinstance(tc, NamedToolChoice) else tc
        )
    if req.response_format is not None:
        body["text"] = {"format": _encode_format(req.response_format)}
    for key in ("temperature", "top_p", "user"):
        value = getattr(req, key)
        if value is not None:
            body[key] = value
    if req.max_tokens is not None:
        body["max_output_tokens"] = req.max_tokens
    if req.stream:
        body["stream"] = True
    return body
