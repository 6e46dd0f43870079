"""What a request body must look like before the gateway reads it: one JSON nesting limit, and
the JSON type of every top-level field the gateway or its translators read, per wire format.

A body that breaks either is refused with a 400 naming the parameter, in the caller's format,
whichever model serves it (a same-vendor request is forwarded as it is, so without this the
answer to ``"temperature": "hot"`` would depend on the route). ``null`` counts as "not set" for
every optional field, as both vendors' SDKs treat it; ``model`` and ``messages`` must not be
``null``. An ``integer`` field also takes a float with no fractional part (``100.0``).

The nesting limit, :data:`MAX_JSON_DEPTH` levels, sits well under the 255 levels the JSON
serializer writes (the parser reads 1,024), so whatever the gateway parsed it can write again,
translated (a few levels deeper) or into a trace row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: the deepest JSON nesting a request may have (the top-level object is level 1)
MAX_JSON_DEPTH = 128

_NUMBER = ("number",)
_INT = ("integer",)
_STR = ("string",)
_BOOL = ("boolean",)
_OBJ = ("object",)
_LIST = ("array",)

#: OpenAI chat completions: every top-level field read by the gateway or wire/openai.py
OPENAI_FIELDS: dict[str, tuple[str, ...]] = {
    "model": _STR,
    "messages": _LIST,
    "max_tokens": _INT,
    "max_completion_tokens": _INT,
    "temperature": _NUMBER,
    "top_p": _NUMBER,
    "stop": ("string", "array"),
    "stream": _BOOL,
    "stream_options": _OBJ,
    "tools": _LIST,
    "tool_choice": ("string", "object"),
    "parallel_tool_calls": _BOOL,
    "response_format": _OBJ,
    "user": _STR,
    "safety_identifier": _STR,
    "n": _INT,
    "logprobs": _BOOL,
    "top_logprobs": _INT,
    "frequency_penalty": _NUMBER,
    "presence_penalty": _NUMBER,
    "logit_bias": _OBJ,
    "modalities": _LIST,
    "metadata": _OBJ,
    "store": _BOOL,
    "service_tier": _STR,
    "seed": _INT,
    "reasoning_effort": _STR,
    "prompt_cache_key": _STR,
}

#: Anthropic messages: every top-level field read by the gateway or wire/anthropic.py
ANTHROPIC_FIELDS: dict[str, tuple[str, ...]] = {
    "model": _STR,
    "messages": _LIST,
    "system": ("string", "array"),
    "max_tokens": _INT,
    "temperature": _NUMBER,
    "top_p": _NUMBER,
    "top_k": _INT,
    "stop_sequences": _LIST,
    "stream": _BOOL,
    "tools": _LIST,
    "tool_choice": _OBJ,
    "metadata": _OBJ,
    "thinking": _OBJ,
    "output_config": _OBJ,
    "service_tier": _STR,
}

#: OpenAI Responses API: every top-level field read by the gateway or wire/responses.py
RESPONSES_FIELDS: dict[str, tuple[str, ...]] = {
    "model": _STR,
    "input": ("string", "array"),
    "instructions": _STR,
    "max_output_tokens": _INT,
    "temperature": _NUMBER,
    "top_p": _NUMBER,
    "stream": _BOOL,
    "stream_options": _OBJ,
    "tools": _LIST,
    "tool_choice": ("string", "object"),
    "parallel_tool_calls": _BOOL,
    "text": _OBJ,
    "user": _STR,
    "safety_identifier": _STR,
    "metadata": _OBJ,
    "store": _BOOL,
    "background": _BOOL,
    "previous_response_id": _STR,
    "include": _LIST,
    "reasoning": _OBJ,
    "truncation": _STR,
    "service_tier": _STR,
    "prompt_cache_key": _STR,
}

FIELDS = {"openai": OPENAI_FIELDS, "anthropic": ANTHROPIC_FIELDS, "responses": RESPONSES_FIELDS}
_NOT_NULL = frozenset({"model", "messages"})
_OBJECT_ITEMS = ("messages", "tools", "input")  # lists whose items the gateway reads as objects


def json_type(value: object) -> str:
    """The JSON type name of a parsed value (``integer`` for whole numbers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _fits(kind: str, allowed: tuple[str, ...]) -> bool:
    return kind in allowed or (kind == "integer" and "number" in allowed)


def field_problem(body: dict[str, Any], inbound: str) -> tuple[str, str] | None:
    """``(param, message)`` for the first field of the wrong JSON type, else None."""
    fields = FIELDS[inbound]
    for key, value in body.items():
        allowed = fields.get(key)
        if allowed is None:
            continue
        kind = json_type(value)
        if kind == "null" and key not in _NOT_NULL:
            continue
        if not _fits(kind, allowed):
            want = " or ".join(f"a JSON {a}" for a in allowed)
            return key, f"`{key}` must be {want}, got {kind}"
        if key in _OBJECT_ITEMS and isinstance(value, list):
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    param = f"{key}[{i}]"
                    return param, f"`{param}` must be a JSON object, got {json_type(item)}"
    return None


def untranslatable(
    body: dict[str, Any],
    handled: frozenset[str],
    dropped: frozenset[str],
    neutral: Mapping[str, tuple[object, ...]],
) -> str | None:
    """The first top-level parameter a translator can neither honour nor drop, else None: not
    ``handled``, not a ``dropped`` hint, not null and not at a ``neutral`` value (one equal to
    "not set")."""
    for key, value in body.items():
        if key in handled or key in dropped or value is None:
            continue
        if key in neutral and value in neutral[key]:
            continue
        return key
    return None


def too_deep(raw: bytes, value: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``value`` (parsed from ``raw``) nests deeper than ``limit`` levels.

    Free for almost every body: one that holds fewer than ``limit`` brackets cannot be deeper.
    """
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    stack: list[tuple[dict[str, Any] | list[Any], int]] = []
    if isinstance(value, dict | list):
        stack.append((value, 1))
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False
