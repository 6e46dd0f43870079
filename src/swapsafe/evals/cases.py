"""Golden-set cases: the case and assertion model, id checks and {{var}} templates (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from swapsafe.exceptions import SwapsafeError

_VAR = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


class DatasetError(SwapsafeError):
    """A golden-set or import file is malformed; the message names the file and the case."""


@dataclass
class Assertion:
    """One check on a model output: ``type`` names a registered scorer (``not-`` inverts it)."""

    type: str
    value: Any = None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def negate(self) -> bool:
        return self.type.startswith("not-")

    @property
    def scorer_name(self) -> str:
        return self.type[4:] if self.negate else self.type

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type}
        if self.value is not None:
            data["value"] = self.value
        data.update(self.config)
        return data

    @classmethod
    def from_json(cls, data: Any, where: str) -> Assertion:
        if isinstance(data, str):
            return cls(type=data)
        if not isinstance(data, Mapping) or not isinstance(data.get("type"), str):
            raise DatasetError(f'{where}: each assertion needs a "type", e.g. {{"type": "equals"}}')
        rest = {k: v for k, v in data.items() if k not in ("type", "value")}
        return cls(type=str(data["type"]), value=data.get("value"), config=rest)


@dataclass
class Case:
    """One golden-set case."""

    id: str
    input: str | list[dict[str, Any]]
    ideal: list[str] | None = None
    tools: list[dict[str, Any]] | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    assertions: list[Assertion] = field(default_factory=list)
    threshold: float | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "input": self.input}
        if self.tools:
            data["tools"] = self.tools
        if self.ideal is not None:
            data["ideal"] = self.ideal[0] if len(self.ideal) == 1 else self.ideal
        if self.vars:
            data["vars"] = self.vars
        if self.metadata:
            data["metadata"] = self.metadata
        if self.assertions:
            data["assert"] = [a.to_json() for a in self.assertions]
        if self.threshold is not None:
            data["threshold"] = self.threshold
        return data

    def content_key(self) -> bytes:
        """Canonical bytes of what is sent (input, tools, vars): equal keys = duplicate cases."""
        return orjson.dumps(
            {"input": self.input, "tools": self.tools or [], "vars": self.vars},
            option=orjson.OPT_SORT_KEYS,
        )


def check_unique_ids(cases: list[Case], path: Path | str) -> None:
    seen: dict[str, int] = {}
    for number, case in enumerate(cases, start=1):
        if case.id in seen:
            raise DatasetError(
                f'{path}: case {number}: id "{case.id}" is already used by case {seen[case.id]}'
            )
        seen[case.id] = number


def render_template(text: str, variables: Mapping[str, Any]) -> str:
    """Fill ``{{name}}`` placeholders; unknown names are left as written."""
    if "{{" not in text:
        return text

    def repl(match: re.Match[str]) -> str:
        value: Any = variables
        for part in match.group(1).split("."):
            if not isinstance(value, Mapping) or part not in value:
                return match.group(0)
            value = value[part]
        return value if isinstance(value, str) else orjson.dumps(value).decode()

    return _VAR.sub(repl, text)
