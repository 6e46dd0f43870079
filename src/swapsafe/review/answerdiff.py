"""How the review page compares two answers (pure): word diff, plain, or structural diff.

* **Word diff** only when the answers are similar enough: :func:`swapsafe.review.agreement.
  similarity` (difflib ratio over word tokens) of at least :data:`WORD_DIFF_MIN_SIMILARITY`
  (0.5). That is the same measure and threshold below which shadow agreement flags a ``text``
  disagreement: under it the answers are unrelated, and a word diff would strike through the
  whole old answer, so both are shown plainly side by side instead.
* **Structural diff** when both answers are JSON: one row per leaf path (``$.items[0].sku``)
  marked same, changed, added or removed, so a changed value is not lost in re-indented text.
  Tool calls are compared the same way, call by call in order: the name, then the arguments.
* **Plain** when a side failed (there is nothing to diff against).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any, Literal

import orjson

from swapsafe.review.agreement import DEFAULT_THRESHOLDS, looks_like_json, parse_json, similarity
from swapsafe.review.textdiff import Segment, word_diff

#: the word diff is shown from this similarity on (the agreement's "text" threshold)
WORD_DIFF_MIN_SIMILARITY = DEFAULT_THRESHOLDS.similarity_min
MAX_CHANGES = 400  # rows of a structural diff shown; more are summed up in one line

Mode = Literal["words", "plain", "json"]
ChangeOp = Literal["same", "changed", "added", "removed"]


@dataclass(frozen=True)
class Change:
    """One leaf of a structural diff; values are compact JSON text (None: absent)."""

    path: str
    op: ChangeOp
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ToolCallDiff:
    old_name: str | None  # None: the old answer made fewer calls
    new_name: str | None
    changes: list[Change]

    @property
    def same(self) -> bool:
        return self.old_name == self.new_name and all(c.op == "same" for c in self.changes)


@dataclass(frozen=True)
class AnswerDiff:
    mode: Mode
    similarity: float | None
    old_segments: list[Segment] = field(default_factory=list)
    new_segments: list[Segment] = field(default_factory=list)
    json_changes: list[Change] = field(default_factory=list)
    more_changes: int = 0  # structural rows left out past MAX_CHANGES
    tool_calls: list[ToolCallDiff] = field(default_factory=list)


def _text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b  # 42 and 42.0 are the same number
    return type(a) is type(b) and a == b


def json_diff(old: Any, new: Any, path: str = "$") -> list[Change]:
    """Leaf-by-leaf comparison of two JSON values (objects by key, arrays by index)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[Change] = []
        for key in [*old, *(k for k in new if k not in old)]:
            sub = f"{path}.{key}"
            if key not in new:
                out.append(Change(sub, "removed", _text(old[key]), None))
            elif key not in old:
                out.append(Change(sub, "added", None, _text(new[key])))
            else:
                out += json_diff(old[key], new[key], sub)
        return out
    if isinstance(old, list) and isinstance(new, list):
        out = []
        missing = object()
        for i, (a, b) in enumerate(zip_longest(old, new, fillvalue=missing)):
            sub = f"{path}[{i}]"
            if b is missing:
                out.append(Change(sub, "removed", _text(a), None))
            elif a is missing:
                out.append(Change(sub, "added", None, _text(b)))
            else:
                out += json_diff(a, b, sub)
        return out
    return [Change(path, "same" if _same(old, new) else "changed", _text(old), _text(new))]


def _arguments(text: str) -> Any:
    ok, value = parse_json(text or "{}")
    return value if ok else text


def tool_call_diff(
    old: Sequence[tuple[str, str]], new: Sequence[tuple[str, str]]
) -> list[ToolCallDiff]:
    """Calls ``(name, arguments JSON)`` compared in order; a missing call is all added/removed."""
    out = []
    for a, b in zip_longest(old, new):
        old_args = _arguments(a[1]) if a else {}
        new_args = _arguments(b[1]) if b else {}
        changes = json_diff(old_args, new_args, "arguments")
        out.append(ToolCallDiff(a[0] if a else None, b[0] if b else None, changes))
    return out


def _both_json(old: str, new: str) -> tuple[Any, Any] | None:
    if not (looks_like_json(old) and looks_like_json(new)):
        return None
    (ok_a, a), (ok_b, b) = parse_json(old), parse_json(new)
    return (a, b) if ok_a and ok_b else None


def answer_diff(
    old: str | None,
    new: str | None,
    old_calls: Sequence[tuple[str, str]] = (),
    new_calls: Sequence[tuple[str, str]] = (),
) -> AnswerDiff:
    """Pick the comparison for two answers (``None``: that side failed)."""
    calls = tool_call_diff(old_calls, new_calls) if old is not None and new is not None else []
    if old is None or new is None:
        return AnswerDiff("plain", None)
    sim = similarity(old, new)
    values = _both_json(old, new)
    if values is not None:
        changes = json_diff(*values)
        shown = changes[:MAX_CHANGES]
        return AnswerDiff(
            "json",
            sim,
            json_changes=shown,
            more_changes=len(changes) - len(shown),
            tool_calls=calls,
        )
    if sim >= WORD_DIFF_MIN_SIMILARITY:
        left, right = word_diff(old, new)
        return AnswerDiff("words", sim, left, right, tool_calls=calls)
    return AnswerDiff("plain", sim, tool_calls=calls)
