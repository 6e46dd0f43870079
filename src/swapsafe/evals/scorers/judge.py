"""LLM-judge scorer: a judge model grades the output against a rubric and answers pass + reason.

``{"type": "llm-judge", "value": "Polite, and names the refund amount"}`` (promptfoo's
``llm-rubric`` is the same). The judge model comes from ``--judge MODEL`` (a model name from the
config). Every judge call is recorded on the score (model, tokens, cost, latency, raw verdict)
and its cost is added to :attr:`Judge.cost_usd`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from swapsafe.evals.cases import Case
from swapsafe.evals.scorers.base import ModelOutput, Score, ScorerFn, scorer
from swapsafe.evals.scorers.json_ import find_json

JUDGE_SYSTEM = (
    "You grade the output of an AI assistant against a rubric. Judge only what the rubric asks. "
    'Answer with one JSON object and nothing else: {"reason": "<one sentence>", '
    '"pass": true or false, "score": <number from 0 to 1>}.'
)

CallFn = Callable[[list[dict[str, Any]]], Awaitable[ModelOutput]]


@dataclass
class Judge:
    """A judge model: ``call`` sends chat messages to it (temperature 0) and returns its output."""

    model: str
    call: CallFn
    calls: int = 0
    cost_usd: float = 0.0

    async def grade(self, messages: list[dict[str, Any]]) -> ModelOutput:
        out = await self.call(messages)
        self.calls += 1
        self.cost_usd += out.cost_usd or 0.0
        return out


def judge_messages(rubric: str, output: str, case: Case) -> list[dict[str, Any]]:
    parts = [f"<rubric>\n{rubric}\n</rubric>"]
    if isinstance(case.input, str):
        parts.append(f"<input>\n{case.input}\n</input>")
    if case.ideal:
        parts.append(f"<reference>\n{case.ideal[0]}\n</reference>")
    parts.append(f"<output>\n{output}\n</output>")
    return [
        {"role": "system", "content": JUDGE_SYSTEM},
        {"role": "user", "content": "\n".join(parts)},
    ]


def parse_verdict(text: str, threshold: float) -> tuple[bool, float, str] | None:
    """(pass, score, reason) from the judge's answer, or None when it is unreadable."""
    for data in find_json(text):
        if not isinstance(data, dict) or not ({"pass", "score"} & set(data)):
            continue
        raw_score = data.get("score")
        score = float(raw_score) if isinstance(raw_score, int | float) else None
        verdict = data.get("pass")
        if not isinstance(verdict, bool):
            if score is None:
                continue
            verdict = score >= threshold
        if score is None:
            score = 1.0 if verdict else 0.0
        return verdict, min(max(score, 0.0), 1.0), str(data.get("reason", "")).strip()
    return None


@scorer(name="llm-judge", needs=("judge",), aliases=("llm-rubric",))
def llm_judge(value: str, *, judge: Judge, threshold: float = 0.5) -> ScorerFn:
    """A judge model grades the output against the rubric in ``value``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("llm-judge needs the rubric text as value")

    async def score(output: ModelOutput, case: Case) -> Score:
        answer = await judge.grade(judge_messages(value, output.text, case))
        details: dict[str, Any] = {
            "judge": judge.model,
            "judge_cost_usd": answer.cost_usd,
            "judge_input_tokens": answer.input_tokens,
            "judge_output_tokens": answer.output_tokens,
            "judge_latency_ms": answer.latency_ms,
            "judge_output": answer.text[:2000],
        }
        if answer.error is not None:
            return Score(False, 0.0, f"judge call failed: {answer.error}", details)
        verdict = parse_verdict(answer.text, threshold)
        if verdict is None:
            return Score(
                False, 0.0, "the judge's answer was not the JSON verdict asked for", details
            )
        passed, value_, reason = verdict
        return Score(passed, value_, reason or ("pass" if passed else "fail"), details)

    return score
