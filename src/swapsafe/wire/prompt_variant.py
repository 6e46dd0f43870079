"""Candidate prompt variants: how a variant changes the system prompt of a request (pure).

A variant is what ``[workloads.W.prompts.MODEL]`` configures: ``system`` replaces the system
prompt, ``prepend`` / ``append`` add text before / after it (after a replacement, when both are
set). Pieces are joined with a blank line. :meth:`PromptVariant.rewrite` is the one rule; the
per-wire functions below only find where a body keeps its system prompt:

- OpenAI chat: the first ``system`` or ``developer`` message (its text parts joined); without
  one, a ``system`` message is inserted first. Later system messages are left alone.
- Anthropic messages: top-level ``system`` (a string, or text blocks: a prepend / append is
  added as its own block so ``cache_control`` on the others survives).
- OpenAI Responses: ``instructions``.

A variant is identified by :attr:`PromptVariant.digest`, a short hash of its texts: traces and
eval runs record it, so results of two variants of one model can be told apart and compared.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

#: hex digits of the variant hash shown and stored
DIGEST_CHARS = 8
_SEP = "\n\n"
_SYSTEM_ROLES = ("system", "developer")


@dataclass(frozen=True, slots=True)
class PromptVariant:
    """A prompt variant: ``label`` names it for people (file names), ``digest`` for machines."""

    label: str
    digest: str
    system: str | None = None
    prepend: str | None = None
    append: str | None = None

    @classmethod
    def of(
        cls,
        label: str,
        *,
        system: str | None = None,
        prepend: str | None = None,
        append: str | None = None,
    ) -> PromptVariant:
        """A variant with its digest computed from the texts (not from the label)."""
        payload = json.dumps([system, prepend, append], ensure_ascii=False).encode("utf-8")
        digest = hashlib.sha256(payload).hexdigest()[:DIGEST_CHARS]
        return cls(label, digest, system=system, prepend=prepend, append=append)

    def rewrite(self, text: str | None) -> str:
        """The system prompt this variant makes of ``text`` (None: the request had none)."""
        base = self.system if self.system is not None else (text or "")
        return _SEP.join(p for p in (self.prepend, base, self.append) if p)

    def describe(self) -> str:
        """``prompt variant `support-gpt5.txt` (a1b2c3d4)``: how reports name it."""
        return f"prompt variant `{self.label}` ({self.digest})"


def apply_variant(variant: PromptVariant, body: dict[str, Any], wire: str) -> dict[str, Any]:
    """A copy of ``body`` (in ``wire`` format) whose system prompt ``variant`` rewrote."""
    if wire == "anthropic":
        return _anthropic(variant, body)
    if wire == "responses":
        return {**body, "instructions": variant.rewrite(_text(body.get("instructions")))}
    return _openai(variant, body)


def _text(content: object) -> str | None:
    """A system prompt's text: a string, or the text of its text parts / blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") in ("text", "input_text")
        ]
        return _SEP.join(texts) if texts else None
    return None


def _openai(variant: PromptVariant, body: dict[str, Any]) -> dict[str, Any]:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return body
    out = list(messages)
    for i, message in enumerate(out):
        if isinstance(message, dict) and message.get("role") in _SYSTEM_ROLES:
            out[i] = {**message, "content": variant.rewrite(_text(message.get("content")))}
            return {**body, "messages": out}
    text = variant.rewrite(None)
    if text:
        out.insert(0, {"role": "system", "content": text})
    return {**body, "messages": out}


def _anthropic(variant: PromptVariant, body: dict[str, Any]) -> dict[str, Any]:
    system = body.get("system")
    if isinstance(system, list) and variant.system is None:
        blocks = [{"type": "text", "text": variant.prepend}] if variant.prepend else []
        blocks += system
        if variant.append:
            blocks.append({"type": "text", "text": variant.append})
        return {**body, "system": blocks}
    text = variant.rewrite(_text(system))
    out = dict(body)
    if text:
        out["system"] = text
    return out
