"""Test helpers: a FakeUpstream reached through a real provider, in-process or on loopback."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from swapsafe.providers.anthropic import AnthropicProvider
from swapsafe.providers.base import SSEEvent
from swapsafe.providers.http import HTTPProvider, make_client
from swapsafe.providers.openai import OpenAIProvider
from swapsafe.providers.retry import RetryPolicy
from swapsafe.testing import FakeUpstream

CANARY = "sk-canary-7f3a9c2e51d84b06"
FAST = RetryPolicy(base=0.001, max_backoff=0.002)


@dataclass
class Harness:
    """One provider wired to one fake upstream, recording the provider's backoff sleeps."""

    flavor: str
    mode: str
    fake: FakeUpstream
    base_url: str
    client: httpx.AsyncClient | None
    backend: str = "httpx"
    sleeps: list[float] = field(default_factory=list)
    clients: list[httpx.AsyncClient] = field(default_factory=list)
    providers: list[HTTPProvider] = field(default_factory=list)

    def provider(self, **kwargs: Any) -> HTTPProvider:
        async def sleep(delay: float) -> None:
            self.sleeps.append(delay)

        cls = OpenAIProvider if self.flavor == "openai" else AnthropicProvider
        options: dict[str, Any] = {
            "name": "cand",
            "upstream_model": "up-model",
            "base_url": self.base_url,
            "api_key": CANARY,
            "timeout": 5.0,
            "client": self.client,
            "retry_policy": FAST,
            "sleep": sleep,
        }
        options.update(kwargs)
        if options["client"] is None and self.backend != "native":
            options["client"] = make_client(options["timeout"])
            self.clients.append(options["client"])
        provider = cls(**options)
        self.providers.append(provider)
        return provider

    def body(self, text: str = "hello there", *, stream: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": "up-model",
            "messages": [{"role": "user", "content": text}],
        }
        if self.flavor == "anthropic":
            body["max_tokens"] = 64
        if stream:
            body["stream"] = True
        return body

    @property
    def terminal(self) -> bytes | str:
        return b"[DONE]" if self.flavor == "openai" else "message_stop"


def deadline(seconds: float = 5.0) -> float:
    return time.monotonic() + seconds


async def collect(events: AsyncIterator[SSEEvent]) -> list[SSEEvent]:
    return [event async for event in events]


def stream_text(flavor: str, events: list[SSEEvent]) -> str:
    import orjson

    out = []
    for event in events:
        if event.data == b"[DONE]":
            continue
        data = orjson.loads(event.data)
        if flavor == "openai":
            for choice in data.get("choices", []):
                out.append(choice["delta"].get("content") or "")
        elif data["type"] == "content_block_delta" and data["delta"]["type"] == "text_delta":
            out.append(data["delta"]["text"])
    return "".join(out)
