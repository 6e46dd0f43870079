"""The demo's automatic review verdicts: a fixed rule, never a human (pure).

Real migrations have people judge sampled shadow pairs side by side. The demo has nobody to
ask, so it fills the queue with verdicts from a rule that checks whether each answer has the
form the workload asks for. They are recorded under the reviewer name :data:`REVIEWER`, with a
note starting ``demo rule:``, so nothing downstream can take them for human review.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable

REVIEWER = "demo-rule (not a human)"
LABELS = ("positive", "negative", "neutral")
_STRIP = string.whitespace + string.punctuation


def sentiment_ok(text: str) -> tuple[bool, str]:
    """One label, as a bare word or as the JSON object the workload asks for."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        label = data.get("sentiment")
        if isinstance(label, str) and label in LABELS:
            return True, f"JSON with one label ({label})"
        return False, 'JSON without a "sentiment" of positive/negative/neutral'
    word = text.strip(_STRIP).lower()
    if word in LABELS:
        return True, f"one label ({word})"
    return False, "not exactly one of positive/negative/neutral"


def extraction_ok(text: str) -> tuple[bool, str]:
    try:
        data = json.loads(text)
    except ValueError:
        return False, "not a JSON object"
    if not isinstance(data, dict):
        return False, "JSON but not an object"
    if not isinstance(data.get("name"), str) or not isinstance(data.get("product"), str):
        return False, "name/product missing or not strings"
    quantity = data.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        return False, "quantity missing or not an integer"
    return True, "JSON with name, product and integer quantity"


def short_answer_ok(text: str) -> tuple[bool, str]:
    words = text.split()
    if not words:
        return False, "empty answer"
    if len(words) > 12:
        return False, f"{len(words)} words, not a short answer"
    if text.rstrip().endswith("?"):
        return False, "answers with a question"
    return True, f"short answer ({len(words)} words)"


RULES: dict[str, Callable[[str], tuple[bool, str]]] = {
    "ticket-sentiment": sentiment_ok,
    "order-extract": extraction_ok,
    "quick-facts": short_answer_ok,
}


def judge(workload: str, old: str | None, new: str | None) -> tuple[str, str]:
    """(verdict, note) for one pair; ``None`` means the call failed."""
    rule = RULES.get(workload, short_answer_ok)
    old_ok, old_why = (False, "call failed") if old is None else rule(old)
    new_ok, new_why = (False, "call failed") if new is None else rule(new)
    if old_ok and new_ok:
        verdict = "same"
    elif old_ok:
        verdict = "old_better"
    elif new_ok:
        verdict = "new_better"
    else:
        verdict = "both_bad"
    return verdict, f"demo rule: old {old_why}; new {new_why}"
