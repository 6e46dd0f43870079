"""OpenAI evals ``ModelBasedClassify``: the judge model answers the registry's grading prompt.

``{"type": "modelgraded", "config": {"prompt": ..., "choice_strings": "ABCDE",
"choice_scores": {"A": 1.0, ...}, "eval_type": "cot_classify", "match_fn": ...,
"fields": {"criteria": ...}}}``, as the registry's ``modelgraded/<spec>.yaml`` has them. As the
registry does it: the sample's input (chat turned into text, braces doubled), the output as
``{completion}``, ``{ideal}``, the spec's ``fields`` (its ``args``) and the sample's other
fields fill the prompt with ``str.format``; the answer prompt of ``eval_type`` is appended when
the eval (not the spec) names it (``append_answer_prompt``); the
choice is read from the answer's lines (last line first for ``cot_classify``) with
``match_fn``; an unreadable answer counts as the lowest choice score. The case value is the
choice score scaled to [0, 1]; it passes when it reaches the top score.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Any

from swapsafe.evals.cases import Case
from swapsafe.evals.scorers.base import ModelOutput, Score, ScorerFn, scorer
from swapsafe.evals.scorers.judge import Judge

ANSWER_PROMPTS = {
    "classify": "Answer the question by printing only a single choice from {choices} (without "
    "quotes or punctuation) corresponding to the correct answer with no other text.",
    "classify_cot": "First, answer by printing a single choice from {choices} (without quotes "
    "or punctuation) corresponding to the correct answer. Then, from the next line, explain "
    "your reasonings step by step.",
    "cot_classify": "First, write out in a step by step manner your reasoning to be sure that "
    "your conclusion is correct. Avoid simply stating the correct answer at the outset. Then "
    "print only a single choice from {choices} (without quotes or punctuation) on its own line "
    "corresponding to the correct answer. At the end, repeat just the answer by itself on a "
    "new line.\n\nReasoning:",
}
MATCH_FNS: dict[str, Callable[[str, str], bool]] = {
    "include": lambda line, choice: choice in line,
    "exact": lambda line, choice: line == choice,
    "endswith": lambda line, choice: line.endswith(choice),
    "starts_or_endswith": lambda line, choice: line.startswith(choice) or line.endswith(choice),
}
INVALID = "__invalid__"


def chat_to_text(messages: Any) -> str:
    """The registry's ``chat_prompt_to_text_prompt(..., for_completion=False)``."""
    if isinstance(messages, str):
        return messages
    if len(messages) == 1:
        return str(messages[0]["content"])
    prefixes = {"system": "", "example_user": "User: ", "example_assistant": "Assistant: "}
    text = ""
    for m in messages:
        role = m.get("name") or m["role"]
        text += f"{prefixes.get(role, role.capitalize() + ': ')}{m['content']}\n"
    return text.lstrip()


def choices_of(choice_strings: Any) -> list[str]:
    """``"ABCDE"`` or ``["Y", "N"]``: the choices as a list."""
    return [str(c) for c in choice_strings]


def get_choice(text: str, eval_type: str, match_fn: str, choices: list[str]) -> str:
    lines = text.strip().split("\n")
    if eval_type.startswith("cot_classify"):
        lines = lines[::-1]
    for line in lines:
        line = "".join(c for c in line.strip() if c not in string.punctuation)
        if not line:
            continue
        for choice in choices:
            if MATCH_FNS[match_fn](line, choice):
                return choice
    return INVALID


def grading_messages(
    prompt: Any,
    eval_type: str | None,
    choices: list[str],
    case: Case,
    output: str,
    spec_fields: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The registry's grading prompt for this case and output."""
    fields: dict[str, Any] = {**(spec_fields or {}), **(case.metadata.get("extra") or {})}
    scrubbed = chat_to_text(case.input).replace("{", "{{").replace("}", "}}")
    fields.update(input=scrubbed, completion=output)
    if case.ideal is not None:
        fields["ideal"] = case.ideal[0] if len(case.ideal) == 1 else case.ideal
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
    messages = [dict(m) for m in messages]
    if eval_type:
        answer = ANSWER_PROMPTS[eval_type].format(choices=" or ".join(f'"{c}"' for c in choices))
        messages[-1]["content"] += "\n\n" + answer
    for m in messages:
        keys = [k[1] for k in string.Formatter().parse(m["content"]) if k[1]]
        missing = [k for k in keys if k not in fields]
        if missing:
            raise KeyError(f"the grading prompt needs {missing[0]!r}, which the sample lacks")
        m["content"] = m["content"].format(**{k: fields[k] for k in keys})
    return messages


@scorer(name="modelgraded", needs=("judge",))
def modelgraded(
    *,
    judge: Judge,
    prompt: Any,
    choice_strings: Any,
    choice_scores: Mapping[str, float] | str,
    eval_type: str | None = None,
    match_fn: str = "starts_or_endswith",
    fields: Mapping[str, Any] | None = None,
    append_answer_prompt: bool = True,
) -> ScorerFn:
    """The judge model answers the OpenAI evals model-graded prompt; the choice is scored."""
    choices = choices_of(choice_strings)
    scores = {c: float(c) for c in choices} if choice_scores == "from_strings" else choice_scores
    if not isinstance(scores, Mapping) or not scores:
        raise ValueError("modelgraded needs choice_scores")
    if eval_type is not None and eval_type not in ANSWER_PROMPTS:
        raise ValueError(f"eval_type {eval_type} is not one of {sorted(ANSWER_PROMPTS)}")
    if match_fn not in MATCH_FNS:
        raise ValueError(f"match_fn {match_fn} is not one of {sorted(MATCH_FNS)}")
    low, high = min(scores.values()), max(scores.values())

    async def score(output: ModelOutput, case: Case) -> Score:
        appended = eval_type if append_answer_prompt else None
        messages = grading_messages(prompt, appended, choices, case, output.text, fields)
        answer = await judge.grade(messages)
        details = {"judge": judge.model, "judge_output": answer.text[:2000]}
        if answer.error is not None:
            return Score(False, 0.0, f"judge call failed: {answer.error}", details)
        choice = get_choice(answer.text, eval_type or "classify", match_fn, choices)
        raw = low if choice == INVALID else float(scores[choice])
        value = (raw - low) / (high - low) if high > low else 1.0
        return Score(raw >= high, value, f"judge chose {choice} (score {raw:g})", details)

    return score
