"""What ``swapsafe config check`` points out without refusing: advice, not errors.

A model whose upstream name matches a built-in request profile (``gpt-5*``, ``o1``/``o3``/
``o4*``, ``claude-sonnet-4-5*``, ...) but sets none will most likely reject some requests the
old model accepted: the check names the profile and how to set it, or to silence the advice
with ``profile = "none"``.
"""

from __future__ import annotations

from swapsafe.config.locate import KeyIndex
from swapsafe.config.models import Config
from swapsafe.exceptions import ConfigProblem
from swapsafe.wire.request_rules import profile_for


def profile_advice(config: Config, text: str = "", display: str = "") -> list[ConfigProblem]:
    """One warning per model a known profile applies to that does not set one (``text`` is the
    file's TOML, for line numbers; ``display`` the file name to show)."""
    index = KeyIndex(text)
    out: list[ConfigProblem] = []
    for name, model in config.models.items():
        if model.request.profile is not None:
            continue
        profile = profile_for(model.model)
        if profile is None:
            continue
        message = (
            f'upstream model "{model.model}" matches the built-in profile "{profile.name}" '
            f'({profile.summary}); add [models.{name}.request] profile = "{profile.name}", '
            'or profile = "none" if the model needs no adapter'
        )
        loc = ("models", name)
        where = display or config.path.name
        out.append(ConfigProblem(where, f"models.{name}", message, index.find_line(loc)))
    return out
