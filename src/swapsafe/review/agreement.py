"""Shadow agreement: cheap, reference-free comparison of the two answers of a shadow pair (pure).

This is the one "shadow agreement" in swapsafe: the overview, the go/no-go report, the rollout
page, ``swapsafe rollout status`` and review sampling all count a pair as agreeing by
:attr:`Agreement.agree` (both calls succeeded and no disagreement below was found), and the
share of agreeing pairs by :func:`agreement_counts`.

For every pair: did both succeed, is the JSON valid on both sides and of the same shape, do
the tool calls agree (same tools, same arguments after normalisation), did only one side
refuse, how long is the new answer relative to the old one, and how similar are the texts
(difflib ratio over word tokens). :func:`compare` returns an :class:`Agreement` whose
``disagreements`` name what differs; :func:`aggregate` rolls them up per workload and day.
"""

from __future__ import annotations

import difflib
import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

#: disagreement types, in the order they are reported
KINDS = ("error", "json", "schema", "tools", "refusal", "length", "text")

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n?(.*?)\n?```\s*$", re.DOTALL | re.IGNORECASE)
_REFUSAL = re.compile(
    r"\b(?:i\s*(?:am|'m)\s*(?:sorry|afraid)[^.]{0,40}\b(?:can(?:no|')t|unable|not able|won't)"
    r"|i\s*(?:can(?:no|')t|won't|will not|am unable to|'m unable to|am not able to)"
    r"\s+(?:help|assist|comply|provide|do that|fulfil|fulfill|share|answer|support)"
    r"|(?:cannot|can't|unable to) (?:help|assist) with (?:that|this)"
    r"|as an ai\b[^.]{0,60}\b(?:can(?:no|')t|unable))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Thresholds:
    """Where a difference becomes a disagreement."""

    length_ratio_low: float = 0.5
    length_ratio_high: float = 2.0
    similarity_min: float = 0.5
    max_tokens_compared: int = 3000


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Output:
    """One side of a pair, reduced to what agreement needs."""

    ok: bool
    text: str = ""
    tool_calls: tuple[tuple[str, str], ...] = ()  # (name, normalised JSON arguments)
    finish_reason: str | None = None


@dataclass(frozen=True)
class Agreement:
    both_ok: bool
    old_ok: bool
    new_ok: bool
    old_json: bool | None  # None when neither answer looks like JSON
    new_json: bool | None
    schema_agree: bool | None  # both valid JSON of the same shape
    tools_agree: bool | None  # None when neither side called a tool
    old_refused: bool
    new_refused: bool
    length_ratio: float | None  # new chars / old chars
    similarity: float | None  # 0..1 over word tokens; None when a side failed
    disagreements: tuple[str, ...] = field(default_factory=tuple)

    @property
    def agree(self) -> bool:
        """Both calls succeeded and nothing differs: two failures are no agreement."""
        return self.both_ok and not self.disagreements

    def as_dict(self) -> dict[str, Any]:
        return {
            "types": list(self.disagreements),
            "both_ok": self.both_ok,
            "old_ok": self.old_ok,
            "new_ok": self.new_ok,
            "old_json": self.old_json,
            "new_json": self.new_json,
            "schema_agree": self.schema_agree,
            "tools_agree": self.tools_agree,
            "old_refused": self.old_refused,
            "new_refused": self.new_refused,
            "length_ratio": self.length_ratio,
            "similarity": self.similarity,
        }


def strip_fence(text: str) -> str:
    m = _FENCE.match(text)
    return m.group(1) if m else text


def looks_like_json(text: str) -> bool:
    s = strip_fence(text).lstrip()
    return s.startswith(("{", "["))


def parse_json(text: str) -> tuple[bool, Any]:
    try:
        return True, orjson.loads(strip_fence(text).strip())
    except orjson.JSONDecodeError:
        return False, None


def shape(value: Any) -> Any:
    """The structure of a JSON value: key names and value kinds, not the values."""
    if isinstance(value, dict):
        return tuple(sorted((k, shape(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", shape(value[0]) if value else None)
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return "string"


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return " ".join(value.split())
    return value


def normalise_arguments(arguments: str) -> str:
    """Tool-call arguments as canonical JSON (sorted keys, 1.0 == 1, collapsed whitespace)."""
    ok, value = parse_json(arguments or "{}")
    if not ok:
        return " ".join((arguments or "").split())
    return orjson.dumps(_canonical(value), option=orjson.OPT_SORT_KEYS).decode()


def is_refusal(text: str, finish_reason: str | None = None) -> bool:
    if finish_reason == "content_filter":
        return True
    return bool(_REFUSAL.search(text[:400]))


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def similarity(a: str, b: str, limit: int = DEFAULT_THRESHOLDS.max_tokens_compared) -> float:
    """difflib ratio over word tokens (1.0 for two empty texts)."""
    ta, tb = tokens(a)[:limit], tokens(b)[:limit]
    if not ta and not tb:
        return 1.0
    return difflib.SequenceMatcher(None, ta, tb, autojunk=False).ratio()


def compare(old: Output, new: Output, th: Thresholds = DEFAULT_THRESHOLDS) -> Agreement:
    """Compare two answers to the same request."""
    kinds: set[str] = set()
    both_ok = old.ok and new.ok
    if old.ok != new.ok:
        kinds.add("error")
    old_json = new_json = schema_agree = tools_agree = None
    old_refused = old.ok and is_refusal(old.text, old.finish_reason)
    new_refused = new.ok and is_refusal(new.text, new.finish_reason)
    ratio = sim = None
    if both_ok:
        if looks_like_json(old.text) or looks_like_json(new.text):
            old_json, old_value = parse_json(old.text)
            new_json, new_value = parse_json(new.text)
            if old_json != new_json:
                kinds.add("json")
            elif old_json and new_json:
                schema_agree = shape(old_value) == shape(new_value)
                if not schema_agree:
                    kinds.add("schema")
        if old.tool_calls or new.tool_calls:
            tools_agree = Counter(old.tool_calls) == Counter(new.tool_calls)
            if not tools_agree:
                kinds.add("tools")
        if old_refused != new_refused:
            kinds.add("refusal")
        old_len, new_len = len(old.text.strip()), len(new.text.strip())
        if old_len or new_len:
            ratio = new_len / old_len if old_len else float("inf")
            if not th.length_ratio_low <= ratio <= th.length_ratio_high:
                kinds.add("length")
        sim = similarity(old.text, new.text, th.max_tokens_compared)
        if sim < th.similarity_min and not (tools_agree and not old.text and not new.text):
            kinds.add("text")
    return Agreement(
        both_ok=both_ok,
        old_ok=old.ok,
        new_ok=new.ok,
        old_json=old_json,
        new_json=new_json,
        schema_agree=schema_agree,
        tools_agree=tools_agree,
        old_refused=old_refused,
        new_refused=new_refused,
        length_ratio=ratio if ratio is None or ratio != float("inf") else None,
        similarity=sim,
        disagreements=tuple(k for k in KINDS if k in kinds),
    )


# -- aggregation -------------------------------------------------------------------------------


def agreement_counts(agreements: Iterable[Agreement]) -> tuple[int, int]:
    """(agreeing pairs, pairs): the shadow agreement rate is their ratio."""
    agree = total = 0
    for a in agreements:
        agree += a.agree
        total += 1
    return agree, total


@dataclass(frozen=True)
class DailyAgreement:
    """Agreement of one workload on one (UTC) day."""

    workload: str
    day: date
    pairs: int
    agree: int
    both_ok: int
    by_kind: dict[str, int]
    mean_similarity: float | None
    median_length_ratio: float | None

    @property
    def agree_rate(self) -> float:
        return self.agree / self.pairs if self.pairs else 0.0

    @property
    def both_ok_rate(self) -> float:
        return self.both_ok / self.pairs if self.pairs else 0.0


def aggregate(items: Iterable[tuple[str, date, Agreement]]) -> list[DailyAgreement]:
    """Roll agreements up per (workload, day), sorted by workload then day."""
    groups: dict[tuple[str, date], list[Agreement]] = {}
    for workload, day, agreement in items:
        groups.setdefault((workload, day), []).append(agreement)
    out = []
    for (workload, day), rows in sorted(groups.items()):
        sims = [a.similarity for a in rows if a.similarity is not None]
        ratios = [a.length_ratio for a in rows if a.length_ratio is not None]
        kinds = Counter(k for a in rows for k in a.disagreements)
        agree, pairs = agreement_counts(rows)
        out.append(
            DailyAgreement(
                workload=workload,
                day=day,
                pairs=pairs,
                agree=agree,
                both_ok=sum(a.both_ok for a in rows),
                by_kind={k: kinds[k] for k in KINDS if kinds[k]},
                mean_similarity=statistics.fmean(sims) if sims else None,
                median_length_ratio=statistics.median(ratios) if ratios else None,
            )
        )
    return out
