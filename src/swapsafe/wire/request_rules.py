"""Model adapters: request rules that make a body acceptable to one model (pure).

Rules are written in the field names of the body as it goes to the upstream (after any
translation between vendors). They run in this order, each kind in the order written:

========== ================================================= ==================================
rule       what it does                                      fires when
========== ================================================= ==================================
rename     ``max_tokens`` -> ``max_completion_tokens``       the old name is present (an
                                                             existing new name wins)
drop       removes ``temperature``                           the field is present
exclusive  of ``["temperature", "top_p"]`` keeps the first   two or more of them are present
           present, drops the others
clamp      caps ``max_tokens`` at N                          the value is a number above N
default    ``reasoning_effort = "low"`` when absent          the field is absent
set        ``reasoning_effort = "low"`` always               the value differs
========== ================================================= ==================================

A field name may be a dotted path into nested objects (``"reasoning.effort"``). Rules after a
rename name the field by its new name. Every rule that changed the body is reported by a
label (``drop:temperature``), which the trace of the call records.

Built-in profiles (:data:`PROFILES`) bundle the rules a model family needs; a model's own rules
run after its profile's.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Pairs = tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class RequestRules:
    """One model's request rules (see the module docstring for the order they run in)."""

    rename: tuple[tuple[str, str], ...] = ()
    drop: tuple[str, ...] = ()
    exclusive: tuple[tuple[str, ...], ...] = ()
    clamp: tuple[tuple[str, float], ...] = ()
    default: Pairs = ()
    set: Pairs = ()

    def __bool__(self) -> bool:
        return any((self.rename, self.drop, self.exclusive, self.clamp, self.default, self.set))

    def then(self, other: RequestRules) -> RequestRules:
        """These rules followed by ``other``'s (kind by kind)."""
        return RequestRules(
            rename=self.rename + other.rename,
            drop=self.drop + other.drop,
            exclusive=self.exclusive + other.exclusive,
            clamp=self.clamp + other.clamp,
            default=self.default + other.default,
            set=self.set + other.set,
        )

    def describe(self) -> list[str]:
        """One line per rule, in the order they run (docs and ``config show``)."""
        lines = [f"rename {a} -> {b}" for a, b in self.rename]
        lines += [f"drop {f}" for f in self.drop]
        lines += [f"exclusive {', '.join(g)} (keep the first present)" for g in self.exclusive]
        lines += [f"clamp {f} <= {_show(n)}" for f, n in self.clamp]
        lines += [f"default {f} = {_show(v)}" for f, v in self.default]
        lines += [f"set {f} = {_show(v)}" for f, v in self.set]
        return lines


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


@dataclass(frozen=True, slots=True)
class Profile:
    """A built-in bundle of rules for a model family; ``models`` are upstream-name patterns."""

    name: str
    summary: str
    rules: RequestRules
    models: tuple[str, ...] = field(default=())


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "openai-reasoning",
            "GPT-5 and o-series reasoning models on Chat Completions: max_completion_tokens "
            "instead of max_tokens, only the default temperature / top_p, no penalties or "
            "logprobs (reasoning_effort is accepted: add it with default or set)",
            RequestRules(
                rename=(("max_tokens", "max_completion_tokens"),),
                drop=(
                    "temperature",
                    "top_p",
                    "presence_penalty",
                    "frequency_penalty",
                    "logprobs",
                    "top_logprobs",
                ),
            ),
            # not gpt-5-chat-latest: the chat model takes temperature like gpt-4o
            models=(
                "gpt-5",
                "gpt-5-20*",
                "gpt-5-mini*",
                "gpt-5-nano*",
                "gpt-5-pro*",
                "gpt-5-codex*",
                "gpt-5.[0-9]",
                "gpt-5.[0-9]-20*",
                "o1*",
                "o3*",
                "o4*",
            ),
        ),
        Profile(
            "anthropic-4.5",
            "Claude Sonnet 4.5, Haiku 4.5, Opus 4.1 and later: temperature and top_p are not "
            "accepted together, so top_p is dropped when both are sent",
            RequestRules(exclusive=(("temperature", "top_p"),)),
            models=(
                "claude-sonnet-4-5*",
                "claude-haiku-4-5*",
                "claude-opus-4-1*",
                "claude-opus-4-5*",
                "claude-sonnet-4-6*",
                "claude-opus-4-6*",
            ),
        ),
    )
}
#: ``profile = "none"``: no profile, and ``config check`` stops suggesting one
NO_PROFILE = "none"
PROFILE_NAMES = (*PROFILES, NO_PROFILE)


def profile_for(upstream_model: str) -> Profile | None:
    """The built-in profile whose model patterns match ``upstream_model``, if any."""
    name = upstream_model.lower().rsplit("/", 1)[-1]
    for profile in PROFILES.values():
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in profile.models):
            return profile
    return None


# --- application ------------------------------------------------------------------------------

_MISSING = object()


def _get(body: dict[str, Any], path: str) -> Any:
    node: Any = body
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _parent(body: dict[str, Any], path: str, create: bool) -> tuple[dict[str, Any], str] | None:
    """The (copied) dict holding the last part of ``path`` in ``body``, which is updated in
    place: every dict on the path is replaced by a copy, so the caller's nested objects stay
    untouched."""
    *parents, last = path.split(".")
    node = body
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            if not create or child is not None:
                return None
            child = {}
        node[part] = child = dict(child)
        node = child
    return node, last


def _pop(body: dict[str, Any], path: str) -> Any:
    if _get(body, path) is _MISSING:
        return _MISSING
    found = _parent(body, path, create=False)
    assert found is not None
    node, last = found
    return node.pop(last)


def _put(body: dict[str, Any], path: str, value: Any) -> bool:
    found = _parent(body, path, create=True)
    if found is None:
        return False
    node, last = found
    node[last] = value
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def apply_rules(rules: RequestRules, body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``body`` adapted by ``rules`` (a copy; the input is never changed) and the labels of
    the rules that changed it, in the order they ran."""
    out = dict(body)
    fired: list[str] = []
    for old, new in rules.rename:
        value = _pop(out, old)
        if value is not _MISSING:
            if _get(out, new) is _MISSING:
                _put(out, new, value)
            fired.append(f"rename:{old}>{new}")
    for name in rules.drop:
        if _pop(out, name) is not _MISSING:
            fired.append(f"drop:{name}")
    for group in rules.exclusive:
        fired += _exclusive(out, group)
    for name, limit in rules.clamp:
        value = _get(out, name)
        if _is_number(value) and value > limit:
            _put(out, name, int(limit) if isinstance(value, int) else limit)
            fired.append(f"clamp:{name}")
    for name, value in rules.default:
        if _get(out, name) is _MISSING and _put(out, name, value):
            fired.append(f"default:{name}")
    for name, value in rules.set:
        if _get(out, name) != value and _put(out, name, value):
            fired.append(f"set:{name}")
    return out, fired


def _exclusive(body: dict[str, Any], group: Iterable[str]) -> list[str]:
    present = [name for name in group if _get(body, name) is not _MISSING]
    for name in present[1:]:
        _pop(body, name)
    return [f"exclusive:{name}" for name in present[1:]]
