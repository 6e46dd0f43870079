"""Shared helpers for the evals tests: a real swapsafe.toml with scripted models."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import orjson

from swapsafe.config import Config, load_config


def write_golden(path: Path, cases: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(c) + b"\n" for c in cases))
    return path


def write_config(
    tmp_path: Path,
    store_url: str,
    *,
    golden: list[dict[str, Any]] | None = None,
    system_prompt: str | None = "You are a support agent.",
    extra: str = "",
) -> Path:
    """swapsafe.toml with scripted models "old" and "new" (and "judge") and workload "support"."""
    lines = [f'[store]\nurl = "{store_url}"\n']
    for name in ("old", "new", "judge"):
        lines.append(
            f'[models.{name}]\nprovider = "scripted"\nprice = {{ input = 1.0, output = 2.0 }}\n'
        )
    workload = '[workloads.support]\nbaseline = "old"\ncandidate = "new"\n'
    if golden is not None:
        write_golden(tmp_path / "support.jsonl", golden)
        workload += 'golden = "support.jsonl"\n'
    if system_prompt is not None:
        (tmp_path / "support.txt").write_text(system_prompt)
        workload += 'system_prompt = "support.txt"\n'
    lines.append(workload)
    lines.append('[workloads.faq]\nbaseline = "old"\n')
    lines.append(textwrap.dedent(extra))
    path = tmp_path / "swapsafe.toml"
    path.write_text("\n".join(lines))
    return path


def load(tmp_path: Path, store_url: str, **kwargs: Any) -> Config:
    return load_config(write_config(tmp_path, store_url, **kwargs))


#: cases where the echo of "old" passes and "new" fails (contains "[old]"), plus shared passes
FLIP_CASES: list[dict[str, Any]] = [
    {"id": f"c{i}", "input": f"question {i}", "assert": [{"type": "contains", "value": "question"}]}
    for i in range(6)
] + [
    {"id": f"f{i}", "input": f"flip {i}", "assert": [{"type": "contains", "value": "[old]"}]}
    for i in range(2)
]
