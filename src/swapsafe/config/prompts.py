"""``[workloads.W.prompts.MODEL]``: the prompt variant a workload sends one model.

Each key names a text file (relative to the config file): ``system`` replaces the system
prompt, ``prepend`` / ``append`` add to it. The files are read once, when the config loads, so a
missing or unreadable file is a config error with its line, never a failed request.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator

from swapsafe.config.values import ExistingFile, final_error
from swapsafe.wire.prompt_variant import PromptVariant


class PromptVariantConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    system: ExistingFile | None = None
    prepend: ExistingFile | None = None
    append: ExistingFile | None = None
    _variant: PromptVariant | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _read(self) -> PromptVariantConfig:
        files = {"system": self.system, "prepend": self.prepend, "append": self.append}
        if not any(files.values()):
            raise final_error(
                'names no file; add system = "prompts/NAME.txt" (replace the system prompt), '
                "or prepend / append"
            )
        texts = {key: _read_text(path, key) for key, path in files.items()}
        label = " + ".join(
            path.name if key == "system" else f"{key} {path.name}"
            for key, path in files.items()
            if path is not None
        )
        self._variant = PromptVariant.of(label, **texts)
        return self

    @property
    def variant(self) -> PromptVariant:
        """The variant with the files' texts (read when the config was loaded)."""
        assert self._variant is not None
        return self._variant


def _read_text(path: Path | None, key: str) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise final_error(f"{path} is not UTF-8 text; save it as UTF-8", at=(key,)) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise final_error(f"{path} cannot be read ({reason})", at=(key,)) from None
