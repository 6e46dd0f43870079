"""``swapsafe demo --quick`` for real: llama.cpp servers, the two packaged models, every phase.

Skipped with a reason when the ``[local]`` extra is not installed; CI installs it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from swapsafe.demo.models import missing_modules

pytestmark = pytest.mark.slow


def _skip_reason() -> str | None:
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama_cpp is not importable: pip install 'swapsafe[local]' to run the real demo"
    missing = missing_modules()
    if missing:
        return f"the [local] extra is incomplete ({', '.join(missing)} missing)"
    return None


@pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")
def test_quick_demo_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    env = {
        **os.environ,
        "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "swapsafe", "demo", "--quick", "--dir", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**env, "COLUMNS": "160"},
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    report = (out / "report.md").read_text()
    plan = (out / "plan.md").read_text()
    assert len(report) > 1000 and "GO" in report  # GO, NO-GO or NOT YET: whatever they scored
    assert report.startswith("> Produced by `swapsafe demo`")
    assert all(w in report for w in ("ticket-sentiment", "order-extract", "quick-facts"))
    assert len(plan) > 1000 and "demo-smollm2-to-gemma3" in plan
    for name in ("swapsafe.toml", "swapsafe.db"):
        assert (out / name).is_file()
    assert "demo finished in" in proc.stdout
    # nothing is left running: the servers' ports no longer answer
    assert "failed:" not in proc.stdout, proc.stdout[-4000:]
    # the old model's golden pass rate is reported for every workload, with a verdict
    for workload in ("ticket-sentiment", "order-extract", "quick-facts"):
        section = report[report.index(f"## {workload}:") :]
        golden = next(line for line in section.splitlines() if "golden_pass_rate" in line)
        assert "pass rate" in golden and " vs " in golden, golden
    # two candidates judged: Gemma on every workload (its report kept), then the old model with
    # order-extract's prompt v2, each gate with a verdict
    first = (out / "report-gemma3-270m.md").read_text()
    assert first.count("gemma3-270m") >= 3 and "smollm2-135m-v2" not in first
    section = report[report.index("## order-extract:") :]
    assert "smollm2-135m-v2" in section.split("## ", 2)[1]
    for gate in ("golden_pass_rate", "p95_latency", "error_rate", "redteam", "review"):
        line = next(x for x in section.splitlines() if gate in x)
        assert any(word in line.lower() for word in ("pass", "fail", "inconclusive")), line
    # streamed answers arrive whole (llama-cpp-python's server would cut one off when the next
    # request arrived): every streamed answer the gateway served has its finish reason
    db = sqlite3.connect(out / "swapsafe.db")
    rows = db.execute(
        "select response_body from traces where role = 'served' and status = 'ok' "
        "and request_body like '%\"stream\":true%'"
    ).fetchall()
    db.close()
    assert rows and all(json.loads(b)["choices"][0]["finish_reason"] for (b,) in rows)
    # the run ends with its story: the verdict first, the second candidate, the files
    tail = proc.stdout[proc.stdout.rindex("demo finished in") :]
    assert any(tail.count(word) for word in ("Blocked:", "Passed:", "Not yet:"))
    assert "prompt v2 on SmolLM2-135M is " in tail
    assert "Report: " in tail and "Web UI: swapsafe serve -c" in tail
