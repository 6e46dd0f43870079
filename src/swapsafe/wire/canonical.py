"""Canonical chat types: the vendor-neutral form every translation passes through.

A request or response is parsed from one vendor's JSON into these types and encoded into the
other's. Only what both wire formats can express has a field here; anything else is refused at
parse time (``TranslationError``) or, for hints that do not change the meaning (cache control,
image ``detail``, prompt cache keys), dropped and documented in the vendor module.

Usage semantics follow OpenAI: ``input_tokens`` counts *all* prompt tokens, cached ones included;
``cached_tokens`` is the part read from the prompt cache, ``cache_write_tokens`` the part written
to it (Anthropic ``cache_creation_input_tokens``); ``reasoning_tokens`` is the part of
``output_tokens`` an OpenAI reasoning model spent thinking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "tool_calls", "content_filter"]
ToolChoiceMode = Literal["auto", "none", "required"]

#: Name of the tool used to force JSON output on Anthropic (see ``wire/anthropic.py``).
JSON_MODE_TOOL = "json_output"


@dataclass(slots=True)
class TextPart:
    text: str


@dataclass(slots=True)
class ImagePart:
    """An image given by URL, or inline as ``media_type`` + base64 ``data``."""

    url: str | None = None
    media_type: str | None = None
    data: str | None = None

    @classmethod
    def from_url(cls, url: str) -> ImagePart | None:
        """An http(s) URL as it is, a base64 data URL as ``media_type`` + ``data``; None for a
        data URL that is not base64."""
        if not url.startswith("data:"):
            return cls(url=url)
        header, sep, data = url[5:].partition(",")
        media_type, _, encoding = header.partition(";")
        if not sep or encoding != "base64":
            return None
        return cls(media_type=media_type, data=data)

    def as_url(self) -> str:
        """The URL OpenAI's wires carry: the image's own, or a base64 data URL."""
        return self.url if self.url is not None else f"data:{self.media_type};base64,{self.data}"


@dataclass(slots=True)
class ToolCallPart:
    """An assistant's tool call; ``arguments`` is a JSON object serialised as a string."""

    id: str
    name: str
    arguments: str


@dataclass(slots=True)
class ToolResultPart:
    tool_call_id: str
    content: list[TextPart | ImagePart]
    is_error: bool = False


Part = TextPart | ImagePart | ToolCallPart | ToolResultPart


@dataclass(slots=True)
class Message:
    """One turn. ``tool`` messages hold exactly one :class:`ToolResultPart`."""

    role: Role
    content: list[Part]


@dataclass(slots=True)
class Tool:
    name: str
    description: str | None = None
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object"})
    strict: bool | None = None

    def encode(self, schema_key: str) -> dict[str, Any]:
        """The vendors' tool object: the name, the description and ``strict`` when set, and the
        JSON schema under ``schema_key`` (``parameters`` or ``input_schema``)."""
        out: dict[str, Any] = {"name": self.name}
        if self.description is not None:
            out["description"] = self.description
        out[schema_key] = self.parameters
        if self.strict is not None:
            out["strict"] = self.strict
        return out


@dataclass(slots=True)
class NamedToolChoice:
    name: str


ToolChoice = ToolChoiceMode | NamedToolChoice


@dataclass(slots=True)
class ChatRequest:
    """A chat request.

    ``response_format`` is ``None``, ``{"type": "json_object"}`` or
    ``{"type": "json_schema", "name": str, "schema": dict, "strict": bool | None}`` (plus an
    optional ``description``).
    """

    model: str
    messages: list[Message]
    system: list[str] = field(default_factory=list)
    tools: list[Tool] = field(default_factory=list)
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: dict[str, Any] | None = None
    stop: list[str] = field(default_factory=list)
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stream: bool = False
    include_usage: bool = False
    user: str | None = None


@dataclass(slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0  # part of output_tokens (OpenAI reasoning models)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class ChatResponse:
    id: str
    model: str
    content: list[TextPart | ToolCallPart]
    finish_reason: FinishReason
    usage: Usage | None = None
    created: int | None = None

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.content if isinstance(p, TextPart))

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        return [p for p in self.content if isinstance(p, ToolCallPart)]


# ---------------------------------------------------------------- stream events
# Blocks are sequential and numbered from 0 (like Anthropic content blocks): a text block starts
# with its first TextDelta, a tool block with ToolCallStart; BlockStop closes the current block.


@dataclass(slots=True)
class StreamStart:
    id: str
    model: str
    usage: Usage


@dataclass(slots=True)
class TextDelta:
    index: int
    text: str


@dataclass(slots=True)
class ToolCallStart:
    index: int
    id: str
    name: str


@dataclass(slots=True)
class ToolCallDelta:
    index: int
    partial_json: str


@dataclass(slots=True)
class BlockStop:
    index: int


@dataclass(slots=True)
class StreamFinish:
    finish_reason: FinishReason
    usage: Usage


@dataclass(slots=True)
class StreamError:
    """An in-stream error from the upstream; ``type`` is the vendor's error type string."""

    type: str
    message: str


StreamEvent = (
    StreamStart | TextDelta | ToolCallStart | ToolCallDelta | BlockStop | StreamFinish | StreamError
)
