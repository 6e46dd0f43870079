"""Replay bundled application traffic through the gateway with the real OpenAI SDK.

Each line of the traffic file is a chat-completions request as the application sends it,
without the system prompt (the application adds its workload's prompt, as the replay does here).
Streaming requests ask for usage in the last chunk (``stream_options.include_usage``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from swapsafe.exceptions import ConfigError


@dataclass
class ReplayResult:
    """What the application saw, per request."""

    sent: int = 0
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    streamed: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    samples: list[tuple[str, str, str]] = field(default_factory=list)  # (workload, input, answer)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def load_traffic(path: Path) -> list[dict[str, Any]]:
    """The requests of a traffic file (JSONL of OpenAI chat bodies)."""
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            body = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"{path}: line {number}: not valid JSON ({exc})") from None
        if not isinstance(body, dict) or not body.get("model") or not body.get("messages"):
            raise ConfigError(f'{path}: line {number}: needs "model" and "messages"')
        rows.append(body)
    return rows


def pick(rows: Sequence[dict[str, Any]], counts: Mapping[str, int]) -> list[dict[str, Any]]:
    """The first ``counts[alias]`` requests of each workload alias (in file order), one
    workload after the other. A llama.cpp server reuses only the previous request's prompt
    prefix, so in this order each request re-reads only its user turn, not its workload's
    system prompt: 1.02 s a shadow pair against 1.48 s in a mixed order (quick demo,
    2026-12-08)."""
    queues: dict[str, list[dict[str, Any]]] = {alias: [] for alias in counts}
    for row in rows:
        queue = queues.get(str(row["model"]))
        if queue is not None and len(queue) < counts[str(row["model"])]:
            queue.append(row)
    return [row for queue in queues.values() for row in queue]


def prepare(
    body: Mapping[str, Any], system_prompts: Mapping[str, str], max_tokens: Mapping[str, int]
) -> dict[str, Any]:
    """The request the application sends: system prompt first, bounded output, temperature 0."""
    out = dict(body)
    alias = str(out["model"])
    prompt = system_prompts.get(alias)
    messages = list(out["messages"])
    if prompt and not any(m.get("role") == "system" for m in messages):
        messages.insert(0, {"role": "system", "content": prompt})
    out["messages"] = messages
    out.setdefault("max_tokens", max_tokens.get(alias, 32))
    out.setdefault("temperature", 0.0)
    return out


async def _one(client: Any, body: dict[str, Any], result: ReplayResult) -> None:
    import openai  # heavy SDK, only for a replay against the gateway

    started = time.perf_counter()
    kwargs = dict(body)
    stream = bool(kwargs.pop("stream", False))
    try:
        if stream:
            result.streamed += 1
            chunks = await client.chat.completions.create(
                **kwargs, stream=True, stream_options={"include_usage": True}
            )
            parts: list[str] = []
            async for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
            text = "".join(parts)
        else:
            response = await client.chat.completions.create(**kwargs)
            text = response.choices[0].message.content or ""
    except openai.APIStatusError as exc:
        result.error(f"HTTP {exc.status_code}")
        return
    except openai.APIError as exc:
        result.error(type(exc).__name__)
        return
    result.ok += 1
    result.latencies_ms.append((time.perf_counter() - started) * 1000)
    user: dict[str, Any] = next(
        (m for m in reversed(body["messages"]) if m.get("role") == "user"), {}
    )
    result.samples.append((str(body["model"]), str(user.get("content", "")), text))


async def replay(
    base_url: str,
    requests: Sequence[dict[str, Any]],
    *,
    concurrency: int = 2,
    request_timeout: float = 120.0,
    backpressure: Callable[[], bool] | None = None,
    on_done: Callable[[], None] | None = None,
) -> ReplayResult:
    """Send ``requests`` to the gateway at ``base_url`` (``.../v1``) with ``AsyncOpenAI``.

    ``backpressure()`` returning True holds back the next request (e.g. while shadow calls
    pile up), the way a real application's arrival rate would not outrun the candidate.
    """
    import openai  # heavy SDK, only for a replay against the gateway

    result = ReplayResult()
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in requests:
        queue.put_nowait(body)
    async with openai.AsyncOpenAI(
        base_url=base_url, api_key="demo-app", timeout=request_timeout, max_retries=0
    ) as client:

        async def worker() -> None:
            while True:
                try:
                    body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                while backpressure is not None and backpressure():  # noqa: ASYNC110 - a poll
                    await asyncio.sleep(0.05)
                result.sent += 1
                await _one(client, body, result)
                if on_done is not None:
                    on_done()

        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return result
