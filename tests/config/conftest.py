"""Fixtures for config tests: a scratch project directory holding swapsafe.toml."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from config_cases import ANTHROPIC_KEY, OPENAI_KEY


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Write swapsafe.toml (plus a golden set and a prompt) into a fresh cwd; return its path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.delenv("SWAPSAFE_CONFIG", raising=False)
    (tmp_path / "golden").mkdir()
    (tmp_path / "golden" / "support.jsonl").write_text('{"id": "1", "input": "hi"}\n')
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "support.txt").write_text("You are helpful.\n")

    def write(text: str) -> Path:
        path = tmp_path / "swapsafe.toml"
        path.write_text(text)
        return path

    return write
