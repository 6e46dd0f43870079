"""Scorers (extension seam): decorated factories returning ``async (output, case) -> Score``.

Families: ``text`` (equals, contains…, regex, starts-with, match, includes, fuzzy-match),
``json_`` (is-json, contains-json, json-schema), ``tools`` (tool-call), ``numeric`` (numeric,
cost, latency), ``python_fn`` (python), ``judge`` (llm-judge / llm-rubric), ``similarity``
(similar). Register your own with :func:`scorer`.
"""

from swapsafe.evals.scorers.base import (
    CaseScore,
    ModelOutput,
    Resources,
    Score,
    Scorer,
    ScorerFn,
    ScorerInfo,
    build,
    default_assertions,
    lookup,
    reference_of,
    registry,
    score_case,
    scorer,
    supported_types,
)

__all__ = [
    "CaseScore",
    "ModelOutput",
    "Resources",
    "Score",
    "Scorer",
    "ScorerFn",
    "ScorerInfo",
    "build",
    "default_assertions",
    "lookup",
    "reference_of",
    "registry",
    "score_case",
    "scorer",
    "supported_types",
]
