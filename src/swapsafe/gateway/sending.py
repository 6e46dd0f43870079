"""What the gateway sends a model: the prompt variant, the body for its wire, its request rules.

The workload's prompt variant for the model rewrites the system prompt in the caller's format
before :func:`swapsafe.gateway.wires.upstream_request` builds the upstream body; the model's
request rules (:func:`swapsafe.providers.outbound.adapt`) then make that body acceptable to it,
and the caller's Anthropic headers that may go along are decided
(:mod:`swapsafe.gateway.anthropic_headers`). The :class:`Outbound` says what was applied, for
the trace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from swapsafe.config import ModelConfig, WorkloadConfig
from swapsafe.gateway import wires
from swapsafe.gateway.anthropic_headers import passthrough_headers
from swapsafe.providers.base import Provider
from swapsafe.providers.outbound import Outbound, Target, adapt
from swapsafe.wire.prompt_variant import apply_variant


class Outbounds:
    """Builds what each call sends; ``upstream`` names the provider that serves a model for an
    inbound format (its wire decides the body; the model's request rules are read once per
    model and wire)."""

    def __init__(self, upstream: Callable[[ModelConfig, str], Provider]) -> None:
        self._upstream = upstream
        self._targets: dict[tuple[str, str], Target] = {}

    def build(
        self,
        body: dict[str, Any],
        inbound: str,
        workload: WorkloadConfig,
        model: ModelConfig,
        headers: Mapping[str, str],
        *,
        stream: bool,
    ) -> Outbound:
        """:func:`outbound` for ``model`` as reached from ``inbound`` clients."""
        provider = self._upstream(model, inbound)
        key = (model.name, provider.wire)
        target = self._targets.get(key)
        if target is None:
            target = self._targets[key] = Target.of(provider, model)
        return outbound(body, inbound, workload, model, target, headers, stream=stream)


def outbound(
    body: dict[str, Any],
    inbound: str,
    workload: WorkloadConfig,
    model: ModelConfig,
    target: Target,
    headers: Mapping[str, str],
    *,
    stream: bool,
) -> Outbound:
    """The request to send ``model`` (reached through ``target``'s wire) for ``workload``.

    Raises ``TranslationError`` for what cannot be carried (an ``anthropic-beta`` header to
    another vendor included) and the translators' errors for bodies they cannot read.
    """
    variant = workload.prompt_variant(model.name)
    if variant is not None:
        body = apply_variant(variant, body, inbound)
    extra = passthrough_headers(inbound, headers, target.wire, model.name)
    upstream_body, json_tool = wires.upstream_request(
        body, inbound, target.wire, model, stream=stream
    )
    upstream_body, fired = adapt(target, upstream_body)
    return Outbound(upstream_body, json_tool, variant, fired, extra)
