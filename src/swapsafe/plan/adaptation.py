"""The request changes a model swap needs, and the adapter that makes them (pure).

Each built-in scenario says what typically changes in the API (:data:`SCENARIO_CHANGES`); for a
concrete pair, :func:`adaptation` names the built-in request profile the new model needs
(``wire/request_rules.py``: the same match ``config check`` warns with), what it changes, the
TOML that turns it on, and whether the config already has it. ``swapsafe scenarios`` and the
planner's export print it.
"""

from __future__ import annotations

from dataclasses import dataclass

from swapsafe.plan.scenarios import ModelInfo
from swapsafe.wire.request_rules import NO_PROFILE, profile_for

#: scenario key -> the API changes it typically needs (the planner and ``scenarios`` show them)
SCENARIO_CHANGES: dict[str, str] = {
    "upgrade": (
        "GPT-4o -> GPT-5 / o-series: max_completion_tokens instead of max_tokens, only the "
        'default temperature, reasoning_effort to set (profile = "openai-reasoning"), or move '
        "to the Responses API; Sonnet 4 -> 4.5: not temperature with top_p (profile = "
        '"anthropic-4.5")'
    ),
    "downsize": (
        'Opus / Sonnet -> Haiku 4.5: profile = "anthropic-4.5"; GPT-4o -> GPT-5 mini / nano: '
        'profile = "openai-reasoning"; GPT-4o -> GPT-4o-mini: none'
    ),
    "cross_vendor": (
        "requests are translated between OpenAI Chat and Anthropic Messages; anthropic-beta "
        "headers cannot cross vendors; add the new model's profile when one applies"
    ),
    "partial_routing": "the small model's profile, if one applies; none for the gate itself",
}


@dataclass(frozen=True)
class Adaptation:
    """What the new model of a pair needs: ``profile`` None when no built-in one applies."""

    model: ModelInfo
    profile: str | None
    summary: str
    configured: bool  # the config already sets this profile (or profile = "none" on purpose)

    def toml(self) -> str:
        """The config that turns the profile on (one line; a TOML table header and key)."""
        key = self.model.name if self.model.config is not None else "NEW"
        return f'[models.{key}.request] profile = "{self.profile}"'

    def line(self) -> str:
        if self.profile is None:
            return (
                f"{self.model.ref}: no built-in request profile applies; add "
                "[models.NAME.request] rules if the model rejects requests (refused 4xx share "
                "in swapsafe inventory)"
            )
        state = "configured" if self.configured else f"not configured: add {self.toml()}"
        return f'{self.model.ref} needs profile "{self.profile}" ({self.summary}); {state}'


def adaptation(new: ModelInfo) -> Adaptation:
    """The request profile the new model of a pair needs, and whether it is set."""
    profile = profile_for(new.upstream)
    if profile is None:
        return Adaptation(new, None, "", configured=False)
    chosen = new.config.request.profile if new.config is not None else None
    configured = chosen in (profile.name, NO_PROFILE)
    return Adaptation(new, profile.name, profile.summary, configured)
