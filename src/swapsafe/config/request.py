"""``[models.NAME.request]``: the request rules (model adapter) applied to every call of a model.

The rules themselves and the built-in profiles live in :mod:`swapsafe.wire.request_rules`;
this table only validates them::

    [models.new.request]
    profile = "openai-reasoning"             # built-in rules, run first
    rename = { max_tokens = "max_completion_tokens" }
    drop = ["temperature", "top_p"]
    exclusive = [["temperature", "top_p"]]   # keep the first present
    clamp = { max_completion_tokens = 4096 }
    default = { reasoning_effort = "low" }   # only when absent
    set = { reasoning_effort = "low" }       # always
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    field_validator,
    model_validator,
)

from swapsafe.config.values import final_error, show_value
from swapsafe.wire.request_rules import NO_PROFILE, PROFILE_NAMES, PROFILES, RequestRules


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise final_error(f"expected a number, got {show_value(value)}")
    return value


#: a TOML integer or float, kept as written (a clamp keeps an integer field an integer)
Number = Annotated[float, PlainValidator(_number)]


class RequestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    profile: str | None = None
    rename: dict[str, str] = Field(default_factory=dict)
    drop: list[str] = Field(default_factory=list)
    exclusive: list[list[str]] = Field(default_factory=list)
    clamp: dict[str, Number] = Field(default_factory=dict)
    default: dict[str, Any] = Field(default_factory=dict)
    set: dict[str, Any] = Field(default_factory=dict)

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str | None) -> str | None:
        if value is None or value in PROFILE_NAMES:
            return value
        close = difflib.get_close_matches(value, PROFILE_NAMES, n=1, cutoff=0.5)
        known = ", ".join(f'"{p}"' for p in PROFILE_NAMES)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        raise final_error(f'unknown profile "{value}"; {hint}profiles: {known}')

    @field_validator("exclusive")
    @classmethod
    def _groups(cls, value: list[list[str]]) -> list[list[str]]:
        for i, group in enumerate(value):
            if len(group) < 2:
                raise final_error(
                    'a group needs two fields or more, e.g. exclusive = [["temperature", "top_p"]]',
                    at=(i,),
                )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RequestConfig:
        for path, message in _conflicts(self):
            raise final_error(message, at=path)
        return self

    def profile_rules(self) -> RequestRules:
        """The rules of the configured profile (none for no profile or ``"none"``)."""
        if self.profile is None or self.profile == NO_PROFILE:
            return RequestRules()
        return PROFILES[self.profile].rules

    def own_rules(self) -> RequestRules:
        return RequestRules(
            rename=tuple(self.rename.items()),
            drop=tuple(self.drop),
            exclusive=tuple(tuple(g) for g in self.exclusive),
            clamp=tuple(self.clamp.items()),
            default=tuple(self.default.items()),
            set=tuple(self.set.items()),
        )

    def rules(self) -> RequestRules:
        """Every rule, in the order they run: the profile's first, then this table's."""
        return self.profile_rules().then(self.own_rules())


def _conflicts(table: RequestConfig) -> list[tuple[tuple[str | int, ...], str]]:
    """Rules that cannot mean what they say: a later rule naming a field a rename took away,
    or one field both set and defaulted, or dropped and set."""
    out: list[tuple[tuple[str | int, ...], str]] = []
    renamed = dict(table.profile_rules().rename) | table.rename
    for kind in ("drop", "clamp", "default", "set"):
        names: list[str] = list(getattr(table, kind))
        for name in names:
            if name in renamed:
                out.append(
                    (
                        (kind,),
                        f'"{name}" is renamed to "{renamed[name]}" before {kind} runs; '
                        f'name it "{renamed[name]}" here',
                    )
                )
    for name in set(table.default) & set(table.set):
        out.append((("default",), f'"{name}" is in both default and set; keep one'))
    for name in set(table.drop) & (set(table.set) | set(table.default)):
        out.append((("drop",), f'"{name}" is dropped and then added back; keep one'))
    return out
