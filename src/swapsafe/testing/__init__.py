"""Test doubles for swapsafe users' own tests.

- :class:`ScriptedProvider`: an in-process provider with deterministic (echo or queued)
  replies; ``strict=True`` fails loudly on a request nothing was queued for.
- :class:`FakeUpstream`: a fake OpenAI (Chat Completions and Responses API) / Anthropic HTTP
  upstream (ASGI app) with realistic replies, streaming in the vendors' exact SSE format,
  request recording and :class:`Fault` injection; in-process via ``httpx.ASGITransport`` or on
  loopback via ``serve()`` / ``serve_in_thread()``.
- :class:`StrictUpstream`: a :class:`FakeUpstream` that refuses what GPT-5 / o-series or Claude
  Sonnet 4.5+ refuse (``max_tokens``, non-default ``temperature``, ``temperature`` with
  ``top_p``), with their error messages: for testing model adapters.
- :class:`FaultyTcpProxy`: a TCP proxy in front of a store or an upstream that forwards, goes
  silent, refuses connections or cuts the open ones on command (outage tests).

Example::

    fake = FakeUpstream("openai")
    fake.enqueue_fault(Fault(status=503))          # first request fails, then echo replies
    async with fake.serve() as base_url:           # http://127.0.0.1:PORT/v1
        client = openai.AsyncOpenAI(base_url=base_url, api_key="test")
        ...
    assert fake.requests[-1].body["model"] == "gpt-4o"
"""

from swapsafe.providers.canned import ToolCall
from swapsafe.providers.scripted import ScriptedCall, ScriptedProvider, UnexpectedRequest
from swapsafe.testing.clock import FakeClock
from swapsafe.testing.fake_upstream import FakeUpstream, RecordedRequest
from swapsafe.testing.faults import ConnectionReset, Fault, error_body
from swapsafe.testing.loopback import LoopbackServer
from swapsafe.testing.strict_upstream import StrictUpstream
from swapsafe.testing.tcp_proxy import FaultyTcpProxy

__all__ = [
    "ConnectionReset",
    "FakeClock",
    "FakeUpstream",
    "Fault",
    "FaultyTcpProxy",
    "LoopbackServer",
    "RecordedRequest",
    "ScriptedCall",
    "ScriptedProvider",
    "StrictUpstream",
    "ToolCall",
    "UnexpectedRequest",
    "error_body",
]
