"""promptfoo prompts: reading ``prompts:`` entries and rendering one for a test's vars.

Entries, as promptfoo reads them: an inline template; ``file://path`` (globs allowed) to a
``.txt`` (several prompts separated by a line ``---``), ``.md``, ``.j2``, ``.json`` or
``.yaml``/``.yml`` file (a chat prompt: a list of ``{role, content}`` or a mapping with
``messages:``); ``{raw|id: ..., label: ...}``; a mapping of file to label. Code prompts
(``.py``, ``.js``), CSV/JSONL prompt files and per-prompt ``config`` are refused.

Rendering follows promptfoo's ``renderPrompt`` and its OpenAI provider: a prompt that parses
as JSON has each string rendered; otherwise the text is rendered and then read as chat
messages when it is a JSON list (or YAML starting ``- role:``), else sent as one user message.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from swapsafe.evals.importers.nunjucks import TemplateUnsupported, render
from swapsafe.evals.importers.outcome import Unsupported

_TEXT = {".txt", ".md", ".j2", ".jinja", ".jinja2", ""}
_CODE = {".py", ".js", ".mjs", ".cjs", ".ts"}


@dataclass(frozen=True)
class Prompt:
    label: str
    raw: str


def _split_txt(text: str) -> list[str]:
    prompts: list[str] = []
    buffer: list[str] = []
    for line in text.splitlines():
        if line.strip() == "---":
            prompts.append("\n".join(buffer).strip())
            buffer = []
        else:
            buffer.append(line)
    prompts.append("\n".join(buffer).strip())
    return [p for p in prompts if p]


def _file_prompts(base: Path, ref: str, label: str | None, where: str) -> list[Prompt]:
    pattern = ref.removeprefix("file://")
    if any(pattern.endswith(s) or f"{s}:" in pattern for s in _CODE):
        raise Unsupported(where, f"prompt function {ref} (code prompts are not run)")
    paths = sorted(glob.glob(str(base / pattern))) if any(c in pattern for c in "*?[") else []
    targets = [Path(p) for p in paths] or [base / pattern]
    prompts: list[Prompt] = []
    for target in targets:
        try:
            text = target.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise Unsupported(where, f"cannot read {ref} ({exc.strerror})") from None
        suffix = target.suffix.lower()
        name = label or target.stem
        if suffix in _TEXT:
            parts = _split_txt(text) if suffix == ".txt" else [text]
            prompts += [
                Prompt(name if len(parts) == 1 else f"{name}-{i}", raw)
                for i, raw in enumerate(parts, start=1)
            ]
        elif suffix == ".json":
            try:
                raw = json.dumps(json.loads(text))
            except ValueError:
                raw = text  # a Nunjucks template producing JSON, as promptfoo keeps it
            prompts.append(Prompt(name, raw))
        elif suffix in (".yaml", ".yml"):
            try:
                parsed = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise Unsupported(where, f"{ref} is not valid YAML ({exc})") from None
            prompts.append(Prompt(name, json.dumps(parsed)))
        else:
            raise Unsupported(where, f"prompt file type {suffix} ({ref})")
    return prompts


def _entry(item: Any, base: Path, number: int, where: str) -> list[Prompt]:
    label: str | None = None
    if isinstance(item, Mapping):
        if item.get("config"):
            raise Unsupported(where, "per-prompt config")
        label = item.get("label") or item.get("id")
        label = str(label) if label is not None else None
        item = item.get("raw", item.get("id"))
    if not isinstance(item, str) or not item.strip():
        raise Unsupported(where, "a prompt must be a template string or file://path")
    if item.startswith("file://"):
        return _file_prompts(base, item, label if label != item else None, where)
    return [Prompt(label or f"prompt-{number}", item)]


def load_prompts(data: Any, base: Path, path: Path) -> list[Prompt]:
    """Every prompt of a config's ``prompts:`` value."""
    if isinstance(data, Mapping):  # {file://a.txt: label, ...}
        data = [{"id": key, "label": value} for key, value in data.items()]
    raw = data if isinstance(data, list) else [data]
    prompts: list[Prompt] = []
    for number, item in enumerate(raw, start=1):
        prompts += _entry(item, base, number, f"{path}: prompt {number}")
    if not prompts:
        raise Unsupported(f"{path}: prompts", "at least one prompt is needed")
    labels = [p.label for p in prompts]
    if len(set(labels)) < len(labels):
        prompts = [Prompt(f"prompt-{i}", p.raw) for i, p in enumerate(prompts, start=1)]
    return prompts


def _render_tree(value: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return render(value, variables)
    if isinstance(value, list):
        return [_render_tree(v, variables) for v in value]
    if isinstance(value, Mapping):
        return {k: _render_tree(v, variables) for k, v in value.items()}
    return value


def _chat(value: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(value, Mapping) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if (
        isinstance(value, list)
        and value
        and all(isinstance(m, Mapping) and isinstance(m.get("role"), str) for m in value)
    ):
        for m in value:
            if set(m) - {"role", "content", "name"}:
                extra = sorted(set(m) - {"role", "content", "name"})[0]
                raise Unsupported(where, f'chat message field "{extra}"')
            for block in m.get("content") if isinstance(m.get("content"), list) else []:
                extra_keys = (
                    sorted(set(block) - {"type", "text"}) if isinstance(block, Mapping) else []
                )
                if extra_keys:
                    raise Unsupported(where, f'chat content block field "{extra_keys[0]}"')
        return [dict(m) for m in value]
    raise Unsupported(where, "a JSON/YAML prompt that is not a list of chat messages")


def render_prompt(
    prompt: Prompt, variables: Mapping[str, Any], where: str
) -> str | list[dict[str, Any]]:
    """What promptfoo would send for ``prompt`` with ``variables``: text or chat messages."""
    try:
        try:
            parsed = json.loads(prompt.raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, list | dict):
            return _chat(_render_tree(parsed, variables), where)
        text = render(render(prompt.raw, variables), variables)
    except TemplateUnsupported as exc:
        raise Unsupported(where, str(exc)) from None
    stripped = text.strip()
    if stripped.startswith("- role:"):
        return _chat(yaml.safe_load(text), where)
    try:
        parsed = json.loads(text)
    except ValueError:
        if (stripped.startswith("[") and stripped.endswith("]")) or (
            stripped.startswith("{") and stripped.endswith("}")
        ):
            raise Unsupported(where, "the rendered prompt looks like JSON but is not") from None
        return text
    if isinstance(parsed, list | dict):
        return _chat(parsed, where)
    return text
