"""Word-level diff of two texts for side-by-side display (pure).

Returns segments, never markup: templates render each segment's text escaped inside
``<del>``/``<ins>``/plain spans, so model output can never inject HTML.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

_WORDS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
MAX_TOKENS = 4000

Op = Literal["same", "del", "ins"]


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


def split_words(text: str) -> list[str]:
    """Words, whitespace runs and punctuation; joining them gives the text back."""
    return _WORDS.findall(text)


def _merge(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for s in segments:
        if out and out[-1].op == s.op:
            out[-1] = Segment(s.op, out[-1].text + s.text)
        elif s.text:
            out.append(s)
    return out


def word_diff(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    """(segments of the old text, segments of the new text): ``del`` marks words only in the
    old text, ``ins`` words only in the new one. Very long texts are shown without a diff."""
    a, b = split_words(old), split_words(new)
    if len(a) > MAX_TOKENS or len(b) > MAX_TOKENS:
        return [Segment("same", old)], [Segment("same", new)]
    left: list[Segment] = []
    right: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            left.append(Segment("same", "".join(a[i1:i2])))
            right.append(Segment("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            left.append(Segment("del", "".join(a[i1:i2])))
        if j2 > j1:
            right.append(Segment("ins", "".join(b[j1:j2])))
    return _merge(left), _merge(right)
