"""Do two answers to the same request agree? A cheap, deterministic check for the daily chart.

Both calls must succeed. Tool calls agree when they call the same tools in the same order;
JSON answers when they parse to equal values; free text when their word sets overlap by at
least ``TEXT_JACCARD`` (Jaccard). It is a trend signal, not a verdict: human review decides.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import orjson

TEXT_JACCARD = 0.5
_WORD = re.compile(r"\w+")


def answer(body: str | None) -> tuple[str, list[str]]:
    """(text, tool names) of a response body in OpenAI or Anthropic wire format."""
    if not body:
        return "", []
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body, []
    if not isinstance(data, dict):
        return "", []
    texts: list[str] = []
    tools: list[str] = []
    choices = data.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        message = choices[0].get("message") or {}
        if isinstance(message.get("content"), str):
            texts.append(message["content"])
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict):
                tools.append(str((call.get("function") or {}).get("name")))
    content = data.get("content")
    if isinstance(content, list):
        for block in content:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text":
                texts.append(str(block.get("text", "")))
            elif block.get("type") == "tool_use":
                tools.append(str(block.get("name")))
    return "\n".join(texts), tools


def agrees(old_body: str | None, new_body: str | None) -> bool:
    old_text, old_tools = answer(old_body)
    new_text, new_tools = answer(new_body)
    if old_tools or new_tools:
        return old_tools == new_tools
    try:
        return bool(orjson.loads(old_text) == orjson.loads(new_text))
    except orjson.JSONDecodeError:
        pass
    a = set(_WORD.findall(old_text.lower()))
    b = set(_WORD.findall(new_text.lower()))
    if not a and not b:
        return True
    return len(a & b) / len(a | b) >= TEXT_JACCARD


def daily(pairs: Iterable[tuple[datetime, bool]]) -> list[tuple[date, int, int]]:
    """(day, agreeing, total) per UTC day, oldest first."""
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for ts, ok in pairs:
        c = counts[ts.date()]
        c[0] += int(ok)
        c[1] += 1
    return [(d, a, n) for d, (a, n) in sorted(counts.items())]
