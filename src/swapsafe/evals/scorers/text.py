"""Text scorers: equals, contains (any/all, case options), regex, starts-with, and the OpenAI
evals ``Match`` / ``Includes`` / ``FuzzyMatch`` semantics (``match``, ``includes``,
``fuzzy-match``).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from typing import Any

from swapsafe.evals.cases import Case
from swapsafe.evals.scorers.base import ModelOutput, Score, ScorerFn, reference_of, scorer


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _strings(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str | int | float) for v in value):
        return [str(v) for v in value]
    raise ValueError(f"{what} needs a string or a list of strings as value")


def _no_reference() -> Score:
    return Score(False, 0.0, "no reference: give a value or an ideal answer")


@scorer(name="equals", needs=("reference",), aliases=("exact",))
def equals(value: Any = None, *, ignore_case: bool = False) -> ScorerFn:
    """The output equals the value (or one of the ideal answers), surrounding whitespace ignored."""

    async def score(output: ModelOutput, case: Case) -> Score:
        refs = reference_of(value, case)
        if not refs:
            return _no_reference()
        got = output.text.strip()
        for ref in refs:
            a, b = (got.lower(), ref.strip().lower()) if ignore_case else (got, ref.strip())
            if a == b:
                return Score(True, 1.0, f'equals "{_short(ref)}"')
        return Score(False, 0.0, f'"{_short(got)}" is not "{_short(refs[0])}"')

    return score


def _contains(value: Any, mode: str, ignore_case: bool, name: str) -> ScorerFn:
    if mode not in ("any", "all"):
        raise ValueError('mode must be "any" or "all"')
    needles = _strings(value, name)

    async def score(output: ModelOutput, case: Case) -> Score:
        hay = output.text.lower() if ignore_case else output.text
        found = [n for n in needles if (n.lower() if ignore_case else n) in hay]
        missing = [n for n in needles if n not in found]
        ok = bool(found) if mode == "any" else not missing
        if ok:
            return Score(True, 1.0, f'contains "{_short(found[0])}"')
        if mode == "all" and found:
            return Score(False, len(found) / len(needles), f'missing "{_short(missing[0])}"')
        shown = " / ".join(f'"{_short(n, 30)}"' for n in needles[:3])
        return Score(False, 0.0, f"contains none of {shown}")

    return score


@scorer(name="contains")
def contains(value: Any, *, mode: str = "any", ignore_case: bool = False) -> ScorerFn:
    """The output contains the value (a list: any of them, or all with ``mode = "all"``)."""
    return _contains(value, mode, ignore_case, "contains")


@scorer(name="icontains")
def icontains(value: Any) -> ScorerFn:
    """Case-insensitive ``contains``."""
    return _contains(value, "any", True, "icontains")


@scorer(name="contains-any")
def contains_any(value: Any, *, ignore_case: bool = False) -> ScorerFn:
    """The output contains at least one of the values."""
    return _contains(value, "any", ignore_case, "contains-any")


@scorer(name="contains-all")
def contains_all(value: Any, *, ignore_case: bool = False) -> ScorerFn:
    """The output contains every value."""
    return _contains(value, "all", ignore_case, "contains-all")


@scorer(name="icontains-any")
def icontains_any(value: Any) -> ScorerFn:
    return _contains(value, "any", True, "icontains-any")


@scorer(name="icontains-all")
def icontains_all(value: Any) -> ScorerFn:
    return _contains(value, "all", True, "icontains-all")


@scorer(name="regex")
def regex(value: str, *, ignore_case: bool = False) -> ScorerFn:
    """The output matches the regular expression (``re.search``)."""
    if not isinstance(value, str):
        raise ValueError("regex needs a pattern string as value")
    try:
        pattern = re.compile(value, re.IGNORECASE if ignore_case else 0)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {value!r}: {exc}") from None

    async def score(output: ModelOutput, case: Case) -> Score:
        m = pattern.search(output.text)
        if m:
            return Score(True, 1.0, f'matches /{_short(value, 40)}/ at "{_short(m.group(0), 40)}"')
        return Score(False, 0.0, f"does not match /{_short(value, 40)}/")

    return score


@scorer(name="starts-with")
def starts_with(value: Any, *, ignore_case: bool = False, lstrip: bool = True) -> ScorerFn:
    """The output (leading whitespace ignored unless ``lstrip`` is false) starts with the value
    (or any of a list)."""
    prefixes = _strings(value, "starts-with")

    async def score(output: ModelOutput, case: Case) -> Score:
        got = output.text.lstrip() if lstrip else output.text
        for p in prefixes:
            if (got.lower().startswith(p.lower())) if ignore_case else got.startswith(p):
                return Score(True, 1.0, f'starts with "{_short(p)}"')
        return Score(
            False, 0.0, f'starts with "{_short(got, 30)}", not "{_short(prefixes[0], 30)}"'
        )

    return score


@scorer(name="match", needs=("reference",))
def match(value: Any = None) -> ScorerFn:
    """OpenAI evals Match: the output, as the model returned it (the registry strips
    nothing), starts with one of the ideal answers, also one that starts with whitespace."""

    async def score(output: ModelOutput, case: Case) -> Score:
        refs = reference_of(value, case)
        if not refs:
            return _no_reference()
        got = output.text
        for ref in refs:
            if got.startswith(ref):
                return Score(True, 1.0, f'starts with ideal "{_short(ref)}"')
        return Score(False, 0.0, f"starts with none of the {len(refs)} ideal answer(s)")

    return score


@scorer(name="includes", needs=("reference",))
def includes(value: Any = None, *, ignore_case: bool = False) -> ScorerFn:
    """OpenAI evals Includes: one of the ideal answers appears in the output."""

    async def score(output: ModelOutput, case: Case) -> Score:
        refs = reference_of(value, case)
        if not refs:
            return _no_reference()
        hay = output.text.lower() if ignore_case else output.text
        for ref in refs:
            if (ref.lower() if ignore_case else ref) in hay:
                return Score(True, 1.0, f'includes ideal "{_short(ref)}"')
        return Score(False, 0.0, f"includes none of the {len(refs)} ideal answer(s)")

    return score


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)


def normalize(text: str) -> str:
    """OpenAI evals normalisation: lower case, no punctuation, no articles, single spaces."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCT)).split())


def f1(prediction: str, reference: str) -> float:
    pred, ref = normalize(prediction).split(), normalize(reference).split()
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


@scorer(name="fuzzy-match", needs=("reference",))
def fuzzy_match(value: Any = None) -> ScorerFn:
    """OpenAI evals FuzzyMatch: after normalising, output and an ideal answer contain each other
    (either way); a miss scores the best token F1."""

    async def score(output: ModelOutput, case: Case) -> Score:
        refs = reference_of(value, case)
        if not refs:
            return _no_reference()
        got = normalize(output.text)
        best = max(f1(output.text, r) for r in refs)
        for ref in refs:
            want = normalize(ref)
            hit = got == want if not got or not want else (got in want or want in got)
            if hit:
                return Score(True, 1.0, f'fuzzy match "{_short(ref)}"', {"f1": round(best, 4)})
        return Score(False, best, f"no fuzzy match (best F1 {best:.2f})")

    return score
