"""The runner: scripted providers, fake upstreams on both wires, progress, interruption + resume."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from tests.evals.evals_helpers import load

from swapsafe.config import load_config
from swapsafe.evals.cases import Assertion, Case, DatasetError
from swapsafe.evals.runner import EvalJob, Snapshot, run_eval
from swapsafe.store import open_store
from swapsafe.store.protocol import Store
from swapsafe.testing import FakeUpstream, ScriptedProvider, ToolCall

CASES = [
    Case(id=f"c{i}", input=f"ticket {i}", assertions=[Assertion(type="contains", value="ticket")])
    for i in range(5)
] + [Case(id="old-only", input="x", assertions=[Assertion(type="contains", value="[old]")])]


class Recorder:
    def __init__(self) -> None:
        self.starts: list[tuple[int, int, int]] = []  # run_id, total, done
        self.done: list[int] = []
        self.rates: dict[str, float] = {}

    def start(self, snapshot: Snapshot) -> None:
        self.starts.append((snapshot.run_id, snapshot.total, snapshot.done))

    def advance(self, snapshot: Snapshot) -> None:
        self.done.append(snapshot.done)
        self.rates = {m: t.pass_rate for m, t in snapshot.models.items()}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")


async def test_scripted_run_stores_every_pair(tmp_path: Path, store: Store) -> None:
    cfg = load(tmp_path, "sqlite:///unused.db")
    old, new = ScriptedProvider("old"), ScriptedProvider("new")
    progress = Recorder()
    run_id = await run_eval(
        cfg,
        store,
        EvalJob("support", models=None, cases=CASES, concurrency=3, tag="nightly"),
        providers={"old": old, "new": new},
        progress=progress,
    )
    run = store.list_eval_runs("support")[0]
    assert run.id == run_id and run.status == "done" and run.tag == "nightly"
    assert run.models == ["old", "new"]
    settings = run.settings or {}
    assert settings["temperature"] == 0.0 and settings["retries"] == 2
    assert settings["case_ids"] == [c.id for c in CASES]
    assert settings["models"]["new"]["provider"] == "scripted"
    rows = store.eval_results(run_id)
    assert len(rows) == 12
    by = {(r.case_id, r.model): r for r in rows}
    assert by[("old-only", "old")].passed and not by[("old-only", "new")].passed
    reason = by[("old-only", "new")].scores["assertions"][0]["reason"]  # type: ignore[index]
    assert "contains none of" in reason
    c0 = by[("c0", "old")]
    assert c0.output == "[old] ticket 0" and c0.latency_ms is not None and c0.input_tokens
    assert c0.cost_usd is not None and c0.cost_usd > 0  # priced from the config override
    # the workload's system prompt and temperature 0 went out with every request
    sent = old.calls[0].body
    assert sent["temperature"] == 0.0 and sent["messages"][0] == {
        "role": "system",
        "content": "You are a support agent.",
    }
    assert len(progress.starts) == 1 and progress.starts[0][1:] == (12, 0)
    assert sorted(progress.done) == list(range(1, 13))
    assert progress.rates == {"old": 1.0, "new": pytest.approx(5 / 6)}


async def test_errors_are_results_and_tools_are_sent(tmp_path: Path, store: Store) -> None:
    cfg = load(tmp_path, "sqlite:///unused.db")
    old = ScriptedProvider("old", strict=True)
    old.enqueue_error(503, "overloaded")
    old.enqueue(tool_calls=[ToolCall("lookup", {"id": 7})])
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    cases = [
        Case(id="a", input="q"),
        Case(
            id="b",
            input="q2",
            tools=tools,
            assertions=[
                Assertion(type="tool-call", value=[{"name": "lookup", "arguments": {"id": 7}}])
            ],
        ),
    ]
    run_id = await run_eval(
        cfg,
        store,
        EvalJob("support", models=["old"], cases=cases, concurrency=1, tag=None),
        providers={"old": old},
    )
    a, b = store.eval_results(run_id)
    assert not a.passed and a.error and "503" in a.error
    assert (
        b.passed
        and b.scores
        and b.scores["tool_calls"] == [{"name": "lookup", "arguments": {"id": 7}}]
    )
    assert old.calls[1].body["tools"] == tools


async def test_bad_assertion_fails_before_any_call(tmp_path: Path, store: Store) -> None:
    cfg = load(tmp_path, "sqlite:///unused.db")
    old = ScriptedProvider("old", strict=True)
    cases = [Case(id="a", input="q"), Case(id="b", input="q", assertions=[Assertion(type="nope")])]
    with pytest.raises(DatasetError, match=r'case 2 \(b\): unsupported assertion type "nope"'):
        await run_eval(
            cfg,
            store,
            EvalJob("support", models=["old"], cases=cases, concurrency=1, tag=None),
            providers={"old": old},
        )
    assert old.calls == [] and store.list_eval_runs() == []


async def test_llm_judge_through_the_runner(tmp_path: Path, store: Store) -> None:
    cfg = load(tmp_path, "sqlite:///unused.db")
    judge = ScriptedProvider("judge", strict=True)
    judge.enqueue('{"reason": "polite", "pass": true, "score": 0.9}', completion_tokens=12)
    case = Case(id="j", input="hello", assertions=[Assertion(type="llm-judge", value="Polite")])
    run_id = await run_eval(
        cfg,
        store,
        EvalJob("support", models=["old"], cases=[case], concurrency=1, tag=None, judge="judge"),
        providers={"old": ScriptedProvider("old"), "judge": judge},
    )
    (row,) = store.eval_results(run_id)
    score = row.scores["assertions"][0]  # type: ignore[index]
    assert row.passed and score["reason"] == "polite"
    assert score["details"]["judge"] == "judge" and score["details"]["judge_cost_usd"] > 0
    assert "<output>\n[old] hello\n</output>" in judge.calls[0].body["messages"][-1]["content"]


def _fake_config(tmp_path: Path, store_url: str, flavor: str, base_url: str) -> Any:
    provider = "openai-compatible" if flavor == "openai" else "anthropic"
    (tmp_path / "swapsafe.toml").write_text(
        f'[store]\nurl = "{store_url}"\n'
        f'[models.old]\nprovider = "{provider}"\nmodel = "up-old"\nbase_url = "{base_url}"\n'
        f'api_key = "env::FAKE_KEY"\ntimeout = "5s"\n'
        f'[models.new]\nprovider = "{provider}"\nmodel = "up-new"\nbase_url = "{base_url}"\n'
        f'api_key = "env::FAKE_KEY"\n'
        '[workloads.support]\nbaseline = "old"\ncandidate = "new"\nsystem_prompt = "p.txt"\n'
    )
    (tmp_path / "p.txt").write_text("Be brief.")
    return load_config(tmp_path / "swapsafe.toml", env={"FAKE_KEY": "k-test"})


@pytest.mark.parametrize("flavor", ["openai", "anthropic"])
async def test_fake_upstream_both_wires(tmp_path: Path, store: Store, flavor: str) -> None:
    fake = FakeUpstream(flavor, api_key="k-test")  # type: ignore[arg-type]
    fake.enqueue_fault(__import__("swapsafe.testing", fromlist=["Fault"]).Fault(status=429))
    async with fake.serve() as base_url:
        cfg = _fake_config(tmp_path, "sqlite:///unused.db", flavor, base_url)
        run_id = await run_eval(
            cfg, store, EvalJob("support", models=None, cases=CASES, concurrency=4, tag=None)
        )
    rows = store.eval_results(run_id)
    assert len(rows) == 12 and not any(r.error for r in rows)  # the 429 was retried
    by = {(r.case_id, r.model): r for r in rows}
    assert by[("c1", "new")].output == "[up-new] ticket 1" and by[("c1", "new")].passed
    assert by[("c1", "new")].output_tokens
    bodies = [r.body for r in fake.requests]
    assert len(bodies) == 13
    if flavor == "anthropic":
        assert all(
            b["system"] in ("Be brief.", [{"type": "text", "text": "Be brief."}]) for b in bodies
        )
        assert all(isinstance(b["max_tokens"], int) for b in bodies)
    else:
        assert all(b["messages"][0] == {"role": "system", "content": "Be brief."} for b in bodies)
    assert all(b["temperature"] == 0.0 for b in bodies)


async def test_interrupt_then_resume_completes_exactly_the_missing_pairs(
    tmp_path: Path, store_url: str
) -> None:
    cfg = load(tmp_path, store_url)
    store = open_store(store_url)
    cases = [Case(id=f"k{i:02d}", input=f"q{i}") for i in range(20)]
    first = {
        "old": ScriptedProvider("old", latency=0.01),
        "new": ScriptedProvider("new", latency=0.01),
    }
    progress = Recorder()
    task = asyncio.create_task(
        run_eval(
            cfg,
            store,
            EvalJob("support", models=None, cases=cases, concurrency=3, tag="t"),
            providers=first,
            progress=progress,
        )
    )
    while len(progress.done) < 9:
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    run_id = progress.starts[0][0]
    run = store.list_eval_runs("support")[0]
    assert run.status == "interrupted"
    kept = {(r.case_id, r.model) for r in store.eval_results(run_id)}
    assert len(kept) == len(progress.done)  # everything that finished was written
    assert 9 <= len(kept) < 40

    second = {"old": ScriptedProvider("old"), "new": ScriptedProvider("new")}
    resumed = Recorder()
    again = await run_eval(
        cfg,
        store,
        EvalJob("support", models=None, cases=cases, concurrency=3, tag="t", run_id=run_id),
        providers=second,
        progress=resumed,
    )
    assert again == run_id
    calls = {
        (c.body["messages"][-1]["content"], name) for name, p in second.items() for c in p.calls
    }
    expected = {(f"q{int(cid[1:])}", m) for cid in (c.id for c in cases) for m in ("old", "new")}
    assert len(calls) == sum(len(p.calls) for p in second.values()) == 40 - len(kept)
    assert calls == {
        (f"q{int(cid[1:])}", m)
        for cid, m in {(c.id, m) for c in cases for m in ("old", "new")} - kept
    }
    assert calls <= expected
    rows = store.eval_results(run_id)
    assert len(rows) == 40 and len({(r.case_id, r.model) for r in rows}) == 40
    assert store.list_eval_runs("support")[0].status == "done"
    assert resumed.starts[0] == (run_id, 40, len(kept)) and resumed.done[-1] == 40
    assert resumed.rates == {"old": 1.0, "new": 1.0}
    store.close()


class Counting(ScriptedProvider):
    """Counts the calls running on this model, and records how many the other model had
    still to start whenever this one had two running at once."""

    running: dict[str, int] = {}
    started: dict[str, int] = {}
    doubled_while_other_waited: list[str] = []

    async def complete(self, *args: Any, **kwargs: Any) -> Any:
        me = self.name
        other = "new" if me == "old" else "old"
        Counting.started[me] = Counting.started.get(me, 0) + 1
        Counting.running[me] = Counting.running.get(me, 0) + 1
        if Counting.running[me] > 1 and Counting.started.get(other, 0) < len(CASES):
            Counting.doubled_while_other_waited.append(me)
        try:
            return await super().complete(*args, **kwargs)
        finally:
            Counting.running[me] -= 1


async def test_two_workers_call_the_two_models_in_parallel(tmp_path: Path, store: Store) -> None:
    """With two models and concurrency 2, each model has one call running until one of them
    runs out of work: a fast and a slow model never leave the fast one idle while the slow one
    answers twice (a local server answers one call at a time)."""
    cfg = load(tmp_path, "sqlite:///unused.db")
    Counting.running, Counting.started, Counting.doubled_while_other_waited = {}, {}, []
    providers = {"old": Counting("old", latency=0.001), "new": Counting("new", latency=0.02)}
    run_id = await run_eval(
        cfg,
        store,
        EvalJob("support", models=None, cases=CASES, concurrency=2, tag=None),
        providers=providers,
    )
    assert len(store.eval_results(run_id)) == 2 * len(CASES)
    assert Counting.started == {"old": len(CASES), "new": len(CASES)}
    assert Counting.doubled_while_other_waited == []
