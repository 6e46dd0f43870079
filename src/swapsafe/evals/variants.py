"""Which prompt variant each model of an eval run is called with.

By default a model gets its workload's configured variant (``[workloads.W.prompts.MODEL]``);
``swapsafe eval run --prompt MODEL=FILE`` tries a variant before it is configured: ``FILE``
replaces the system prompt for ``MODEL`` in that run only. The run records each model's variant
(label and digest) in its settings, so two runs of one model with different variants are told
apart and compared case by case (``eval compare``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path

from swapsafe.config import Config
from swapsafe.evals.compare import Comparison
from swapsafe.exceptions import ConfigError
from swapsafe.store.records import EvalRun
from swapsafe.wire.prompt_variant import PromptVariant


def variant_from_file(path: Path) -> PromptVariant:
    """A variant that replaces the system prompt with the text of ``path``."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"--prompt: {path} does not exist; check the path") from None
    except UnicodeDecodeError:
        raise ConfigError(f"--prompt: {path} is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"--prompt: {path} cannot be read ({exc.strerror or exc})") from None
    if not text:
        raise ConfigError(f"--prompt: {path} is empty; write the system prompt to try in it")
    return PromptVariant.of(path.name, system=text)


def parse_prompt_options(options: Sequence[str], config: Config) -> dict[str, PromptVariant]:
    """``["new=prompts/v2.txt"]`` -> model name -> variant (paths relative to the current
    directory). Raises ConfigError naming the bad option."""
    out: dict[str, PromptVariant] = {}
    for option in options:
        model, sep, file = option.partition("=")
        model, file = model.strip(), file.strip()
        if not sep or not model or not file:
            raise ConfigError(f"--prompt {option!r}: use MODEL=FILE, e.g. --prompt new=v2.txt")
        if model not in config.models:
            known = ", ".join(sorted(config.models))
            raise ConfigError(f"--prompt {option!r}: unknown model {model!r}; models: {known}")
        if model in out:
            raise ConfigError(f"--prompt: model {model!r} is given twice; give it once")
        out[model] = variant_from_file(Path(file))
    return out


def eval_variants(
    config: Config,
    workload: str,
    models: Sequence[str],
    overrides: Mapping[str, PromptVariant] | None = None,
) -> dict[str, PromptVariant]:
    """Model -> the variant it is called with in an eval of ``workload`` (models without one
    are left out): ``overrides`` (``--prompt``) first, then the workload's configured ones."""
    wl = config.workloads[workload]
    out: dict[str, PromptVariant] = {}
    for model in models:
        variant = (overrides or {}).get(model) or wl.prompt_variant(model)
        if variant is not None:
            out[model] = variant
    return out


def run_variant(run: EvalRun, model: str) -> dict[str, str] | None:
    """The prompt variant (``{"label", "digest"}``) ``model`` ran with in ``run``, if any."""
    models = (run.settings or {}).get("models") or {}
    recorded = (models.get(model) or {}).get("prompt_variant")
    return dict(recorded) if isinstance(recorded, dict) else None


def model_label(run: EvalRun, model: str) -> str:
    """``new`` or ``new [support-v2.txt a1b2c3d4]``: a model as it ran in ``run``."""
    variant = run_variant(run, model)
    if variant is None:
        return model
    return f"{model} [{variant.get('label', '?')} {variant.get('digest', '?')}]"


def label_variants(cmp: Comparison, base_run: EvalRun, cand_run: EvalRun) -> Comparison:
    """``cmp`` with each side named by its model and prompt variant, so a comparison of two
    variants of one model reads ``new [v2.txt ...] vs new [v1.txt ...]``."""
    base = model_label(base_run, cmp.baseline.model)
    cand = model_label(cand_run, cmp.candidate.model)
    if base == cand and base_run.id != cand_run.id:
        base, cand = f"{base} (run {base_run.id})", f"{cand} (run {cand_run.id})"
    return dataclasses.replace(
        cmp,
        baseline=dataclasses.replace(cmp.baseline, model=base),
        candidate=dataclasses.replace(cmp.candidate, model=cand),
    )


def prompt_reason(variants: Mapping[str, PromptVariant]) -> str | None:
    """Why a run with ``--prompt`` is ad hoc (never gate evidence): it tried an unconfigured
    prompt. None without ``--prompt``."""
    if not variants:
        return None
    return "--prompt " + ", ".join(f"{m}={v.label}" for m, v in sorted(variants.items()))


def prompt_variants(
    options: Sequence[str], config: Config, resumed: EvalRun | None = None
) -> dict[str, PromptVariant]:
    """``--prompt`` options parsed (:func:`parse_prompt_options`); for a resumed run, also
    checked against the variants the run was started with, so one run never mixes two prompts.
    """
    variants = parse_prompt_options(options, config)
    if resumed is None or resumed.workload not in config.workloads:
        return variants
    now = eval_variants(config, resumed.workload, resumed.models or [], variants)
    for model in resumed.models or []:
        before = run_variant(resumed, model)
        digest = now[model].digest if model in now else None
        if (before or {}).get("digest") != digest:
            was = f"prompt variant {before['label']!r} ({before['digest']})" if before else "none"
            raise ConfigError(
                f"run {resumed.id} called {model!r} with {was}, and resuming it now would use "
                f"{now[model].describe() if model in now else 'none'}; resume with the same "
                "--prompt (or configured variant), or start a new run"
            )
    return variants
