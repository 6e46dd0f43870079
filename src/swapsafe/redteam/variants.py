"""The system prompt each model is probed under, with its workload's prompt variant.

The red-team plants a canary (and, for the secret probes, fake secrets) in the system prompt
(:mod:`swapsafe.redteam.plant`). A variant that replaced the system prompt of the rendered
request would replace the plant with it, and a leak could no longer be seen. So the variant
(:meth:`PromptVariant.rewrite`, the same rule the gateway and the evals apply per request) is
applied to the workload's prompt *before* the plant, and that prompt is also what the
system-prompt leak detector compares answers with.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from swapsafe.config import WorkloadConfig
from swapsafe.providers.openai_format import variant_settings
from swapsafe.redteam.detectors import Context


def model_prompts(
    workload: WorkloadConfig, models: Sequence[str], system_prompt: str | None
) -> dict[str, str | None]:
    """Model -> its system prompt, for the models that have a prompt variant."""
    out: dict[str, str | None] = {}
    for model in models:
        variant = workload.prompt_variant(model)
        if variant is not None:
            out[model] = variant.rewrite(system_prompt)
    return out


def variants_settings(workload: WorkloadConfig, models: Sequence[str]) -> dict[str, Any]:
    """What a run records about its models' prompt variants (an empty table: none)."""
    return {
        m: variant_settings(workload.prompt_variant(m)) for m in models if m in workload.prompts
    }


def context_for(ctx: Context, system_prompt: str | None) -> Context:
    """The detection context of a model probed under ``system_prompt``."""
    if system_prompt == ctx.system_prompt:
        return ctx
    return dataclasses.replace(ctx, system_prompt=system_prompt)
