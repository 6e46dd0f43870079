"""What the candidate's failed golden answers have in common, in plain words (pure).

A NO-GO says *that* the new model is worse; a reader also wants to know *how*. These checks look
at the candidate's answers in the eval run the golden gate used and name a pattern only when the
data show it in a large share of the failures:

- **off-task continuation**: the answer repeats or continues the system prompt (six or more
  consecutive words of it), as a base model that was never instruction-tuned does;
- **one answer for everything**: most answers are the same text whatever the input;
- **empty answers**.

Each finding is one sentence with its count and an example, so it can be checked by eye.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

_WORD = re.compile(r"[a-z0-9']+")
RUN = 6  # consecutive words shared with the system prompt that count as a continuation
MIN_SHARE = 0.3  # a pattern is named when it covers at least this share of the failures


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


def continues_prompt(answer: str, system_prompt: str) -> bool:
    """True when ``answer`` shares ``RUN`` or more consecutive words with the system prompt."""
    prompt = _shingles(_words(system_prompt))
    return bool(prompt) and not prompt.isdisjoint(_shingles(_words(answer)))


def _example(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def likely_causes(
    system_prompt: str | None, answers: Sequence[str], failed: Sequence[str]
) -> list[str]:
    """Plain-word findings about ``failed`` (the failed answers) among all ``answers``."""
    if not failed:
        return []
    out: list[str] = []
    n = len(failed)
    if system_prompt:
        echoes = [a for a in failed if continues_prompt(a, system_prompt)]
        if len(echoes) >= MIN_SHARE * n:
            out.append(
                f"{len(echoes)} of {n} failed answers repeat or continue the system prompt "
                f"(off-task continuations, as from a base model), e.g. “{_example(echoes[0])}”"
            )
    common, count = Counter(" ".join(a.split()) for a in answers).most_common(1)[0]
    if common and len(answers) >= 4 and count >= 0.6 * len(answers):
        out.append(
            f"{count} of {len(answers)} answers are the same text whatever the input: "
            f"“{_example(common)}”"
        )
    empty = sum(1 for a in failed if not a.strip())
    if empty >= MIN_SHARE * n:
        out.append(f"{empty} of {n} failed answers are empty")
    return out
