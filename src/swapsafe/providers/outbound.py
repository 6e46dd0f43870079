"""The outbound request: what every path sends a model, built in one place.

Served and shadow calls (the gateway), eval and red-team calls (``OpenAIFormatCaller``) all
build the upstream body the same way (the gateway in ``gateway/wires.py`` and
``gateway/sending.py``, the others with :func:`prepare`):

1. the workload's prompt variant for the model, if any, rewrites the system prompt (in the
   caller's wire format: :mod:`swapsafe.wire.prompt_variant`);
2. the body is translated to the model's wire when the vendors differ, ``model`` is set to the
   upstream name, and the stream flags are set;
3. the model's request rules (``[models.NAME.request]``, its model adapter:
   :mod:`swapsafe.wire.request_rules`) make the body acceptable to that model.

The result says what was applied (the variant, the rules that fired), for the trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from swapsafe.config.models import ModelConfig
from swapsafe.providers.base import Provider
from swapsafe.wire import translate
from swapsafe.wire.prompt_variant import PromptVariant, apply_variant
from swapsafe.wire.request_rules import RequestRules, apply_rules


@dataclass(frozen=True, slots=True)
class Target:
    """One model as the outbound request needs it: wire, upstream name, defaults, rules."""

    name: str
    wire: str
    upstream_model: str
    default_max_tokens: int = 4096
    rules: RequestRules = field(default_factory=RequestRules)

    @classmethod
    def of(cls, provider: Provider, config: ModelConfig | None) -> Target:
        return cls(
            name=provider.name,
            wire=provider.wire,
            upstream_model=provider.upstream_model,
            default_max_tokens=config.default_max_tokens if config is not None else 4096,
            rules=config.request.rules() if config is not None else RequestRules(),
        )


@dataclass(frozen=True, slots=True)
class Outbound:
    """The body to send, the JSON-mode tool name to translate the answer with, the prompt
    variant that was applied (None: the request went as the caller wrote it) and the labels of
    the request rules that changed the body (``drop:temperature``)."""

    body: dict[str, Any]
    json_tool: str | None = None
    variant: PromptVariant | None = None
    adapted: tuple[str, ...] = ()
    headers: dict[str, str] | None = None  # caller headers to forward (the gateway sets them)

    @property
    def variant_digest(self) -> str | None:
        return self.variant.digest if self.variant is not None else None

    @property
    def adapted_text(self) -> str | None:
        """The fired rules as a trace stores them (comma-separated), None when none fired."""
        return ",".join(self.adapted) or None


def upstream_body(
    body: dict[str, Any],
    inbound: str,
    wire: str,
    *,
    upstream_model: str,
    default_max_tokens: int,
    stream: bool,
) -> tuple[dict[str, Any], str | None]:
    """The upstream body for a ``body`` in the ``inbound`` format to a ``wire`` upstream (and
    the JSON-mode tool name, when one is forced): the same format is forwarded with ``model``
    replaced, any other pair translated (:func:`swapsafe.wire.translate.request`)."""
    json_tool = None
    if wire == inbound:
        out = dict(body)
        out["model"] = upstream_model
    else:
        out, json_tool = translate.request(
            body, inbound, wire, model=upstream_model, default_max_tokens=default_max_tokens
        )
    if stream:
        out["stream"] = True
        if wire == "openai":
            opts = dict(out.get("stream_options") or {})
            opts["include_usage"] = True
            out["stream_options"] = opts
    else:
        out.pop("stream", None)
        out.pop("stream_options", None)
    return out, json_tool


def adapt(target: Target, body: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``body`` (already in ``target``'s wire) after the model's request rules, and the labels
    of the rules that changed it."""
    if not target.rules:
        return body, ()
    out, fired = apply_rules(target.rules, body)
    return out, tuple(fired)


def prepare(
    body: dict[str, Any],
    inbound: str,
    target: Target,
    *,
    stream: bool,
    variant: PromptVariant | None = None,
) -> Outbound:
    """The upstream request for ``target`` of a ``body`` in the ``inbound`` wire format.

    Raises ``TranslationError`` for what cannot be translated faithfully (and the translators'
    ``ValueError`` / ``KeyError`` / ``TypeError`` for shapes they cannot read).
    """
    if variant is not None:
        body = apply_variant(variant, body, inbound)
    out, json_tool = upstream_body(
        body,
        inbound,
        target.wire,
        upstream_model=target.upstream_model,
        default_max_tokens=target.default_max_tokens,
        stream=stream,
    )
    out, fired = adapt(target, out)
    return Outbound(out, json_tool, variant, fired)
