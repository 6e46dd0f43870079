"""promptfoo assertions into swapsafe assertions, with the same meaning or refused by name.

Mapped: equals, contains, icontains, contains-any/-all, icontains-any/-all, regex,
starts-with (no whitespace stripped, as promptfoo), is-json, contains-json, llm-rubric
(the LLM judge), similar, cost, latency, python (inline or ``file://x.py[:fn]``, run in a
child process) and their ``not-`` forms; ``weight``, ``metric`` and ``threshold`` are kept;
``$ref: "#/assertionTemplates/name"`` is resolved. Refused with the construct named:
javascript, any other type, ``transform``, ``rubricPrompt``, per-assertion ``config``.
CSV ``__expected`` strings are read by :func:`from_string` as promptfoo's
``assertionFromString`` reads them (``contains:x``, ``grade:...``, ``similar(0.8):x``, ...).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from swapsafe.evals.cases import Assertion
from swapsafe.evals.importers.nunjucks import TemplateUnsupported, render
from swapsafe.evals.importers.outcome import Unsupported

MAPPED = {
    "equals": "equals",
    "contains": "contains",
    "icontains": "icontains",
    "contains-any": "contains-any",
    "contains-all": "contains-all",
    "icontains-any": "icontains-any",
    "icontains-all": "icontains-all",
    "regex": "regex",
    "starts-with": "starts-with",
    "is-json": "is-json",
    "contains-json": "contains-json",
    "llm-rubric": "llm-judge",
    "similar": "similar",
    "cost": "cost",
    "latency": "latency",
    "python": "python-script",
}
# promptfoo's base assertion types (for reading CSV __expected strings).
BASE_TYPES = sorted(
    {
        *MAPPED,
        *[
            "answer-relevance",
            "bleu",
            "classifier",
            "contains-html",
            "contains-sql",
            "contains-xml",
            "context-faithfulness",
            "context-recall",
            "context-relevance",
            "factuality",
            "finish-reason",
            "g-eval",
            "gleu",
            "guardrails",
            "is-html",
            "is-refusal",
            "is-sql",
            "is-valid-function-call",
            "is-valid-openai-function-call",
            "is-valid-openai-tools-call",
            "is-xml",
            "javascript",
            "levenshtein",
            "meteor",
            "model-graded-closedqa",
            "model-graded-factuality",
            "moderation",
            "perplexity",
            "perplexity-score",
            "pi",
            "rouge-n",
            "ruby",
            "select-best",
            "tool-call-f1",
            "webhook",
            "word-count",
            "ends-with",
        ],
    },
    key=len,
    reverse=True,
)
_FROM_STRING = re.compile(
    rf"^(not-)?({'|'.join(map(re.escape, BASE_TYPES))})(?:\((\d+(?:\.\d+)?)\))?(?::([\s\S]*))?$"
)
_THRESHOLD_TYPES = set(
    [
        "answer-relevance",
        "classifier",
        "context-faithfulness",
        "context-recall",
        "context-relevance",
        "cost",
        "latency",
        "levenshtein",
        "perplexity-score",
        "perplexity",
        "rouge-n",
        "similar",
        "starts-with",
    ]
)
_KEYS = {"type", "value", "threshold", "weight", "metric", "provider"}
_NEEDS_VALUE = {"equals", "contains", "icontains", "regex", "starts-with", "llm-judge", "similar"}


def from_string(expected: str) -> dict[str, Any]:
    """promptfoo's ``assertionFromString`` (the CSV ``__expected`` columns)."""
    for prefix in ("javascript:", "fn:", "eval:"):
        if expected.startswith(prefix):
            return {"type": "javascript", "value": expected[len(prefix) :].strip()}
    if expected.startswith(("grade:", "llm-rubric:")):
        return {"type": "llm-rubric", "value": expected.split(":", 1)[1]}
    if expected.startswith("python:") or (
        expected.startswith("file://") and (expected.endswith(".py") or ".py:" in expected)
    ):
        body = expected.split(":", 1)[1] if expected.startswith("python:") else expected
        return {"type": "python", "value": body.strip()}
    if expected.startswith("file://") and re.search(r"\.(js|ts)(:|$)", expected):
        return {"type": "javascript", "value": expected[7:].strip()}
    match = _FROM_STRING.match(expected)
    if not match:
        return {"type": "equals", "value": expected}
    negate, kind, threshold, value = match.groups()
    full = (negate or "") + kind
    value = value.strip() if value is not None else None  # current promptfoo trims the value
    if kind in ("contains-all", "contains-any", "icontains-all", "icontains-any"):
        return {"type": full, "value": [s.strip() for s in (value or "").split(",")]}
    if kind in _THRESHOLD_TYPES:
        default = 0.8 if kind == "similar" else 0.75
        return {"type": full, "value": value, "threshold": float(threshold or 0) or default}
    return {"type": full, "value": value}


def resolve_ref(raw: Any, root: Mapping[str, Any], where: str) -> Any:
    """``{"$ref": "#/assertionTemplates/x"}`` -> the template it points to."""
    if not (isinstance(raw, Mapping) and "$ref" in raw):
        return raw
    ref = raw["$ref"]
    if not isinstance(ref, str) or not ref.startswith("#/"):
        raise Unsupported(where, f"$ref {ref!r} (only local #/... references are read)")
    node: Any = root
    for part in ref[2:].split("/"):
        if not isinstance(node, Mapping) or part not in node:
            raise Unsupported(where, f"$ref {ref} points to nothing")
        node = node[part]
    return node


def _templated(value: Any, variables: Mapping[str, Any], where: str) -> Any:
    try:
        if isinstance(value, str):
            return render(value, variables)
        if isinstance(value, list):
            return [render(v, variables) if isinstance(v, str) else v for v in value]
    except TemplateUnsupported as exc:
        raise Unsupported(where, str(exc)) from None
    return value


def _python(value: Any, base: Path, where: str) -> dict[str, Any]:
    if not isinstance(value, str) or not value.strip():
        raise Unsupported(where, "python assertion without code")
    if value.startswith("file://"):
        ref, _, function = value[7:].partition(":")
        target = base / ref
        if not target.is_file():
            raise Unsupported(where, f"python file {ref} does not exist")
        return {"file": str(target.resolve()), **({"function": function} if function else {})}
    return {"value": value}


def _file_value(value: str, base: Path, where: str) -> Any:
    target = base / value[7:]
    try:
        text = target.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise Unsupported(where, f"cannot read {value} ({exc.strerror})") from None
    if target.suffix in (".json",):
        return json.loads(text)
    if target.suffix in (".yaml", ".yml"):
        return yaml.safe_load(text)
    if target.suffix in (".py", ".js", ".ts", ".mjs"):
        raise Unsupported(where, f"assertion value from code file {value}")
    return text


def precheck(raw: Any, root: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """The assertion (``$ref`` resolved) if its type and options can be honoured."""
    raw = resolve_ref(raw, root, where)
    if not isinstance(raw, Mapping) or not isinstance(raw.get("type"), str):
        raise Unsupported(where, 'an assert entry without a "type"')
    kind = str(raw["type"])
    plain = kind[4:] if kind.startswith("not-") else kind
    if plain == "javascript":
        raise Unsupported(where, f'assertion type "{kind}" (JavaScript is not run; use python)')
    if plain not in MAPPED:
        raise Unsupported(where, f'assertion type "{kind}"')
    extra = sorted(set(raw) - _KEYS)
    if extra:
        hint = " (JavaScript is not run)" if extra[0] == "transform" else ""
        raise Unsupported(where, f'assertion "{kind}" option "{extra[0]}"{hint}')
    return raw


def convert(
    raw: Any, variables: Mapping[str, Any], base: Path, root: Mapping[str, Any], where: str
) -> Assertion:
    """One promptfoo assertion as a swapsafe :class:`Assertion`, or Unsupported."""
    raw = precheck(raw, root, where)
    kind = str(raw["type"])
    negate = kind.startswith("not-")
    plain = kind[4:] if negate else kind
    ours = MAPPED[plain]
    config: dict[str, Any] = {k: raw[k] for k in ("weight", "metric") if raw.get(k) is not None}
    value = raw.get("value")
    if ours == "python-script":
        config.update(_python(_templated(value, variables, where), base, where))
        value = config.pop("value", None)
    elif isinstance(value, str) and value.startswith("file://"):
        value = _file_value(value, base, where)
    value = _templated(value, variables, where) if ours != "python-script" else value
    if ours in ("cost", "latency"):
        if raw.get("threshold") is None:
            raise Unsupported(where, f'assertion "{kind}" without a threshold')
        value = None
    elif value is None and ours in _NEEDS_VALUE | {"contains-any", "contains-all"}:
        raise Unsupported(where, f'assertion "{kind}" without a value')
    if raw.get("threshold") is not None:
        if ours not in ("similar", "cost", "latency", "llm-judge", "python-script"):
            raise Unsupported(where, f'assertion "{kind}" with a threshold')
        config["threshold"] = raw["threshold"]
    if ours == "starts-with":
        config["lstrip"] = False
    return Assertion(type=("not-" if negate else "") + ours, value=value, config=config)
