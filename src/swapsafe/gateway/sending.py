"""What the gateway sends a model: the prompt variant, the body for its wire, its request rules.

The workload's prompt variant for the model rewrites the system prompt in the caller's format
before :func:`swapsafe.gateway.wires.upstream_request` builds the upstream body; the model's
request rules (:func:`swapsafe.providers.outbound.adapt`) then make that body acceptable to it,
and the caller's Anthropic headers that may go along are decided
(:mod:`swapsafe.gateway.anthropic_headers`). The :class:`Outbound` says what was applied, for
the trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from swapsafe.config import ModelConfig, WorkloadConfig
from swapsafe.gateway import wires
from swapsafe.gateway.anthropic_headers import passthrough_headers
from swapsafe.providers.base import Provider
from swapsafe.providers.outbound import Outbound, Target, adapt
from swapsafe.wire.prompt_variant import apply_variant


def target_for(
    cache: dict[tuple[str, str], Target], provider: Provider, model: ModelConfig
) -> Target:
    """``model`` reached through ``provider`` (its wire, its request rules), built once."""
    key = (model.name, provider.wire)
    target = cache.get(key)
    if target is None:
        target = cache[key] = Target.of(provider, model)
    return target


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
