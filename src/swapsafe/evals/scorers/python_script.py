"""promptfoo ``python`` assertions, run in a separate Python process with a timeout.

Two forms, as promptfoo has them:

- inline code: one line is an expression (``return <line>``); several lines are the body of
  ``def main(output, context)``;
- a file: ``{"type": "python-script", "file": "checks.py", "function": "get_assert"}`` calls
  ``get_assert(output, context)`` from that file.

``context`` is ``{"vars": ..., "prompt": ..., "test": {"description": ...}}``. The result is
read as promptfoo reads it: ``True``/``False`` (or the strings), a number (passes when above 0,
or at ``threshold``), or a ``{"pass", "score", "reason"}`` dict (a score under ``threshold``
fails). The child runs isolated (``python -I``, only PATH/HOME/locale from the environment, so
no API key reaches imported code) with the case as JSON on stdin; a crash, a non-JSON result or
the timeout fails that assertion with the reason, never the run.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from swapsafe.evals.cases import Case
from swapsafe.evals.scorers.base import ModelOutput, Score, ScorerFn, scorer

#: the only environment the child sees: no API keys or other secrets of this process
_CHILD_ENV = {"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "SYSTEMROOT"}

_RUNNER = r"""
import json, sys, runpy
job = json.load(sys.stdin)
if job.get("file"):
    ns = runpy.run_path(job["file"])
    fn = ns.get(job.get("function") or "get_assert")
    if fn is None:
        raise SystemExit("function %r not found in %s" % (job.get("function"), job["file"]))
else:
    ns = {}
    exec(compile(job["script"], "<python assertion>", "exec"), ns)
    fn = ns["main"]
result = fn(job["output"], job["context"])
sys.stdout.write("\n__SWAPSAFE_RESULT__" + json.dumps(result, default=str))
"""


def inline_script(code: str) -> str:
    """The ``main(output, context)`` promptfoo builds around inline code."""
    if "\n" not in code:
        return f"import json\n\ndef main(output, context):\n    return {code}\n"
    indent = "    "
    for line in code.split("\n"):
        stripped = line.lstrip()
        if stripped and line != stripped:
            indent = line[: len(line) - len(stripped)]
            break
    body = "\n".join(indent + line for line in code.split("\n"))
    return f"import json\n\ndef main(output, context):\n{body}\n"


def read_result(result: Any, threshold: float | None) -> Score:
    """promptfoo's reading of what the function returned."""
    if isinstance(result, str) and result.lower() in ("true", "false"):
        result = result.lower() == "true"
    if isinstance(result, str) and result.startswith("{"):
        result = json.loads(result)
    if isinstance(result, bool):
        return Score(result, 1.0 if result else 0.0, f"python returned {result}")
    if isinstance(result, dict):
        if not isinstance(result.get("pass"), bool) or "score" not in result:
            raise ValueError(f"python returned a dict without pass/score: {result!r}")
        value = float(result["score"])
        passed, reason = bool(result["pass"]), str(result.get("reason", ""))
        if threshold is not None and value < threshold:
            passed, reason = False, f"python score {value:g} is under threshold {threshold:g}"
        return Score(passed, value, reason or f"python returned pass={passed}")
    value = float(result)
    passed = value > 0 if threshold is None else value >= threshold
    return Score(passed, value, f"python returned {value:g}")


async def run_script(job: dict[str, Any], limit_s: float) -> Any:
    """Run one job in a child interpreter; the value it returned, or an exception."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",
        "-c",
        _RUNNER,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if k in _CHILD_ENV},
    )
    try:
        out, err = await asyncio.wait_for(
            proc.communicate(json.dumps(job).encode()), timeout=limit_s
        )
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise TimeoutError(f"python assertion timed out after {limit_s:g}s") from None
    text = out.decode("utf-8", "replace")
    marker = text.rfind("\n__SWAPSAFE_RESULT__")
    if proc.returncode != 0 or marker < 0:
        last = (err.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"python assertion failed: {last}")
    return json.loads(text[marker + len("\n__SWAPSAFE_RESULT__") :])


@scorer(name="python-script")
def python_script(
    value: str | None = None,
    *,
    file: str | None = None,
    function: str | None = None,
    threshold: float | None = None,
    timeout: float = 30.0,
) -> ScorerFn:
    """Runs promptfoo-style Python (inline code or a file's function) in a child process."""
    if (value is None) == (file is None):
        raise ValueError('python-script needs inline code as "value" or a "file"')
    if file is not None and not Path(file).is_file():
        raise ValueError(f"python file {file} does not exist")
    base: dict[str, Any] = (
        {"file": str(Path(file).resolve()), "function": function}
        if file is not None
        else {"script": inline_script(str(value))}
    )

    async def score(output: ModelOutput, case: Case) -> Score:
        context = {
            "vars": case.metadata.get("vars", case.vars),
            "prompt": case.metadata.get("prompt_text", ""),
            "test": {"description": case.metadata.get("description", "")},
        }
        result = await run_script({**base, "output": output.text, "context": context}, timeout)
        return read_result(result, threshold)

    return score
