"""Wire formats: canonical chat types, OpenAI (Chat Completions and Responses) and Anthropic JSON
+ SSE, translation (pure).

No HTTP, no store, no config. Modules:

* ``canonical``  vendor-neutral request / response / stream-event dataclasses
* ``openai``, ``anthropic``  parse / encode one vendor's JSON (requests, responses, usage)
* ``responses``, ``responses_answer``, ``responses_stream``  the OpenAI Responses API: requests,
  ``response`` objects and usage, stream events (both directions)
* ``openai_stream``, ``anthropic_stream``  incremental stream parsers / encoders
* ``stream``  cross-vendor stream translators used by the gateway
* ``translate``  whole-body translation between any two of the three formats
* ``sse``  SSE decoder and encoders; ``errors``  error bodies in each vendor's format
"""

from swapsafe.wire.canonical import JSON_MODE_TOOL, ChatRequest, ChatResponse, Usage
from swapsafe.wire.stream import AnthropicToOpenAIStream, OpenAIToAnthropicStream

__all__ = [
    "JSON_MODE_TOOL",
    "AnthropicToOpenAIStream",
    "ChatRequest",
    "ChatResponse",
    "OpenAIToAnthropicStream",
    "Usage",
]
