"""Sending one probe to one model through its provider adapter.

Requests are built in OpenAI chat format and translated for Anthropic-wire providers, with the
eval runner's timeout and retries. An upstream that refuses the request itself (HTTP 400 whose
body speaks of a content filter, policy or safety) is reported as *blocked by provider*; other
failures become ``error`` and are retried by ``--resume``.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from swapsafe.evals.caller import WorkloadCaller
from swapsafe.exceptions import ProviderError, TranslationError

RETRIES = 2
_BLOCK_WORDS = re.compile(r"content|polic(?:y|ies)|filter|safety|moderation", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Answer:
    """What came back: ``text``, or ``blocked`` (provider refused), or ``error``."""

    text: str = ""
    blocked: bool = False
    error: str | None = None
    latency_ms: float = 0.0


def _body_text(body: object) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    try:
        return json.dumps(body, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(body)


def is_content_block(exc: ProviderError) -> bool:
    """A 400 whose body mentions content / policy / filter / safety / moderation."""
    return exc.status == 400 and bool(_BLOCK_WORDS.search(_body_text(exc.body)))


def block_reason(exc: ProviderError) -> str:
    """One line naming the provider's own message for a blocked request."""
    body = exc.body
    message = ""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            message = str(err.get("message") or err.get("code") or err.get("type") or "")
        elif isinstance(err, str):
            message = err
    message = message or _body_text(body)
    return f"blocked by provider (HTTP 400): {message[:300]}"


class ProbeCaller(WorkloadCaller):
    """Calls one configured model (at temperature 0 unless told) with the eval runner's timeout
    and retries; its settings do not name the temperature."""

    id_prefix = "redteam"
    records_temperature = False

    async def send(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> Answer:
        body = self._body(messages, tools)
        started = time.perf_counter()

        def ms() -> float:
            return (time.perf_counter() - started) * 1000

        try:
            resp = await self._caller.send(body)
        except ProviderError as exc:
            if is_content_block(exc):
                return Answer(blocked=True, error=block_reason(exc), latency_ms=ms())
            return Answer(error=_error_text(exc), latency_ms=ms())
        except (TranslationError, TimeoutError, ValueError, KeyError) as exc:
            return Answer(error=_error_text(exc), latency_ms=ms())
        text = resp.text or ""
        for call in resp.tool_calls:
            text += f"\n[tool call {call.name}: {str(call.arguments)[:500]}]"
        return Answer(text=text.strip(), latency_ms=ms())


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, ProviderError) and exc.status:
        return f"{type(exc).__name__}: HTTP {exc.status}: {str(exc)[:300]}"
    return f"{type(exc).__name__}: {str(exc)[:300]}"
