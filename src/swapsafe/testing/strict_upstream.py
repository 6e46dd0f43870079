"""A fake upstream that refuses what newer models refuse, with the vendors' error messages.

``StrictUpstream("openai")`` answers like GPT-5 and the o-series on Chat Completions: a 400 for
``max_tokens`` ("use max_completion_tokens"), and for ``temperature`` / ``top_p`` other than the
default 1 (on the Responses API, where the field is ``max_output_tokens``, the latter only).
``StrictUpstream("anthropic")`` answers like Claude Sonnet 4.5 and later: a 400 for
``temperature`` together with ``top_p``. Everything else is a :class:`FakeUpstream`. Use it to
show that a candidate rejects the old model's requests, and that a model adapter
(``[models.NAME.request]``) makes them acceptable.
"""

from __future__ import annotations

from typing import Any

from swapsafe.testing.fake_upstream import FakeUpstream

_REASONING_DEFAULT_ONLY = ("temperature", "top_p")


class StrictUpstream(FakeUpstream):
    def _check(self, headers: dict[str, str], body: Any, path: str) -> tuple[int, str] | None:
        problem = super()._check(headers, body, path)
        if problem is not None:
            return problem
        if self.flavor == "anthropic":
            if "temperature" in body and "top_p" in body:
                return (
                    400,
                    "`temperature` and `top_p` cannot both be specified for this model. "
                    "Please use only one.",
                )
            return None
        if "max_tokens" in body and not path.endswith("/responses"):
            return (
                400,
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
            )
        for name in _REASONING_DEFAULT_ONLY:
            if name in body and body[name] != 1:
                return (
                    400,
                    f"Unsupported value: '{name}' does not support {body[name]} with this "
                    "model. Only the default (1) value is supported.",
                )
        return None
