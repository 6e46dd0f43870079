"""docs/responses.md: its example runs as written and prints what the page says it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "responses.md").read_text()


def test_the_example_runs_and_prints_what_the_page_shows(tmp_path: Path) -> None:
    (code,) = re.findall(r"```python\n(.*?)```", PAGE, re.S)
    (expected,) = re.findall(r"It prints:\n\n```text\n(.*?)```", PAGE, re.S)
    script = tmp_path / "example.py"
    script.write_text(code)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == expected
    assert "Traceback" not in out.stderr


def test_the_page_is_in_the_site_and_linked_from_the_gateway_page() -> None:
    assert "responses.md" in (ROOT / "mkdocs.yml").read_text()
    assert "(responses.md)" in (ROOT / "docs" / "gateway.md").read_text()
