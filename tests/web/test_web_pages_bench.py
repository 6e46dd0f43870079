"""bench/web_pages.py, as documented in docs/performance.md, runs end to end on a tiny store
(the numbers are the benchmark's business; this checks the command works and reports)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_web_pages_bench_runs_on_a_tiny_store() -> None:
    cmd = [sys.executable, str(ROOT / "bench/web_pages.py")]
    cmd += ["--rows", "3000", "--baseline-rows", "1000", "--loads", "2"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    for page in ("/rollout", "/report", "p95 @1,000", "slowest page p95", "warm-up of the gates"):
        assert page in out.stdout
    assert "judged" in out.stdout and "shadow pairs once" in out.stdout
