"""Anthropic headers on the way through: ``anthropic-version`` and ``anthropic-beta``.

For a ``/v1/messages`` request served by an Anthropic model, both headers reach the upstream
exactly as the caller sent them (the provider's default ``anthropic-version`` is used only when
the caller sent none), so beta features work through the gateway. For a model of another
vendor the version header means nothing and is not sent; a beta header switches on features
the translation cannot carry, so such a request is refused with a 400 naming the header — never
silently served without the feature. A shadow call to another vendor is skipped instead
(shadow outcome ``untranslatable``): the served response is never affected.
"""

from __future__ import annotations

from collections.abc import Mapping

from swapsafe.exceptions import TranslationError

VERSION = "anthropic-version"
BETA = "anthropic-beta"


def passthrough_headers(
    inbound: str, headers: Mapping[str, str], upstream_wire: str, model: str
) -> dict[str, str] | None:
    """The headers to forward to ``model``'s upstream (None: none); raises TranslationError
    (a 400 naming the header) when the request cannot go to it. ``headers`` are the caller's,
    by lower-case name."""
    if inbound != "anthropic":
        return None
    beta, version = headers.get(BETA), headers.get(VERSION)
    if upstream_wire == "anthropic":
        out = {k: v for k, v in ((VERSION, version), (BETA, beta)) if v}
        return out or None
    if beta:
        raise TranslationError(
            f"{BETA}: {beta!r} switches on Anthropic beta features, and this request is routed "
            f"to model {model!r} of another vendor, where they cannot be translated; send it "
            f"without the {BETA} header, or serve this workload from an Anthropic model",
            param=BETA,
        )
    return None
