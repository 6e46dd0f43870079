"""The whole demo pipeline against fake OpenAI-compatible servers (no llama.cpp needed).

The model files and the llama.cpp command are swapped for echo servers
(``python -m swapsafe.testing``); everything else is the real demo: config, gateway in shadow
mode, the OpenAI SDK replay, evals, review, canary, rehearsal, report and plan.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from tests.demo.demo_helpers import fake_model, fake_server_argv, pid_alive

from swapsafe.demo import orchestrate
from swapsafe.demo.context import DemoOptions, ModelSource
from swapsafe.demo.orchestrate import Phase, phases, run_demo
from swapsafe.demo.servers import stop_all
from swapsafe.demo.ui import DemoUI
from swapsafe.demo.verdict_rule import REVIEWER
from swapsafe.store import open_store
from swapsafe.store.records import TraceQuery

pytestmark = pytest.mark.slow


@pytest.fixture
def fake_models(tmp_path: Path) -> ModelSource:
    """Files of the test's own and echo servers (python -m swapsafe.testing) for llama.cpp."""

    def argv(path: Path, *, port: int, **kwargs: Any) -> list[str]:
        return fake_server_argv(port)

    return ModelSource(
        require=lambda: None,
        old=lambda: fake_model(tmp_path, "old"),
        new=lambda cache=None: fake_model(tmp_path, "new"),
        server_argv=argv,
    )


def _run(
    tmp_path: Path, source: ModelSource, plan: list[Phase] | None = None, **options: Any
) -> tuple[orchestrate.DemoContext, str]:
    out = io.StringIO()
    ui = DemoUI(Console(file=out, width=160, color_system=None))
    opts = DemoOptions(dir=tmp_path / "demo", quick=True, models=source, **options)
    return run_demo(opts, ui, plan), out.getvalue()


def test_quick_demo_runs_every_phase_on_fake_servers(
    tmp_path: Path, fake_models: ModelSource
) -> None:
    ctx, text = _run(tmp_path, fake_models)
    outcomes = {key: status for key, status, _ in ctx.outcomes}
    assert [k for k, _, _ in ctx.outcomes][:4] == ["models", "servers", "config", "shadow"]
    assert all(outcomes[k] == "done" for k in ("models", "servers", "config", "shadow"))
    for key, status, note in ctx.outcomes:  # later phases ran, or say why not
        assert status in ("done", "skipped", "failed"), key
        if status == "skipped":
            assert "not available in this build" in text
    ws = ctx.values["workspace"]
    for name in ("swapsafe.toml", "swapsafe.db"):
        assert (ws.root / name).is_file()
    assert (ws.root / "prompts").is_dir() and (ws.root / "golden").is_dir()
    assert "Phase 1/" in text and "demo finished in" in text

    store = open_store(f"sqlite:///{ws.db}")
    try:
        served = store.count_traces(TraceQuery(role="served"))
        shadow = store.count_traces(TraceQuery(role="shadow"))
        assert served >= 12 and shadow >= 12  # the replay went through the gateway, shadowed
        if outcomes.get("evals") == "done":
            runs = sorted(store.list_eval_runs(), key=lambda r: r.id or 0)
            assert len(runs) == 4 and all(
                set(r.models or []) == {"smollm2-135m", "gemma3-270m"} for r in runs[:3]
            )
            # the second act: order-extract's old model against the old model with prompt v2
            assert runs[3].workload == "order-extract"
            assert set(runs[3].models or []) == {"smollm2-135m", "smollm2-135m-v2"}
        if outcomes.get("review") == "done":
            verdicts = store.list_review_verdicts(limit=1000)
            assert verdicts and {v.reviewer for v in verdicts} == {REVIEWER}
            assert all((v.note or "").startswith("demo rule:") for v in verdicts)
        if outcomes.get("rehearsal") == "done":
            assert any(e.action == "rollback.rehearsal" for e in store.list_audit(limit=1000))
    finally:
        store.close()
    assert outcomes["decision"] == "done" and outcomes["second"] == "done"
    assert ws.candidate_report("gemma3-270m").is_file()
    if outcomes.get("report") == "done":
        report = ws.report.read_text()
        assert report.startswith("> Produced by `swapsafe demo`")
        assert "### Human review" not in report
    if outcomes.get("plan") == "done":
        assert "demo-smollm2-to-gemma3" in ws.plan.read_text()


def test_servers_are_stopped_when_a_phase_is_interrupted(
    tmp_path: Path, fake_models: ModelSource
) -> None:
    seen: dict[str, Any] = {}

    def interrupted(ctx: orchestrate.DemoContext) -> None:
        seen["pids"] = [s.pid for s in ctx.servers.servers] if ctx.servers else []
        raise KeyboardInterrupt

    plan = [
        Phase(p.key, p.title, interrupted, required=True) if p.key == "config" else p
        for p in phases()
    ]
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, fake_models, plan)
    assert len(seen["pids"]) == 3  # old, new, and the old model again for prompt v2
    assert not any(pid_alive(p) for p in seen["pids"])
    stop_all()


def test_serve_phase_serves_the_web_ui_until_ctrl_c(tmp_path: Path) -> None:
    import httpx

    from swapsafe.demo import phases_outputs, workspace

    ws = workspace.prepare(tmp_path / "demo")
    config = workspace.write(
        ws,
        workspace.Settings(
            old_base_url="http://127.0.0.1:9/v1", new_base_url="http://127.0.0.1:9/v1"
        ),
    )
    out = io.StringIO()
    seen: dict[str, Any] = {}

    def look_then_interrupt() -> None:
        web = ctx.values["web"]
        seen["login"] = httpx.get(f"{web.url}/login", timeout=10).status_code
        raise KeyboardInterrupt

    ctx = orchestrate.DemoContext(
        DemoOptions(dir=ws.root, serve=True, idle=look_then_interrupt),
        orchestrate.QUICK,
        DemoUI(Console(file=out, width=200, color_system=None)),
        values={"config": config, "workspace": ws},
    )
    phases_outputs.serve(ctx)
    orchestrate.close(ctx)
    assert seen["login"] == 200
    token_file = ws.root / ".admin-token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert token_file.read_text().strip() not in out.getvalue()  # never printed
    assert "web UI: http://127.0.0.1:" in out.getvalue()
