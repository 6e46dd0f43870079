"""The bundled demo data: config template, prompts, golden sets, traffic; and the workspace."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from swapsafe.config import load_config
from swapsafe.demo import replay, workspace
from swapsafe.demo.workspace import MARKER, WORKLOAD_FILES, data_dir
from swapsafe.evals.datasets import load_cases
from swapsafe.evals.runner import compile_scorers
from swapsafe.evals.scorers.base import Resources
from swapsafe.exceptions import ConfigError

SETTINGS = workspace.Settings(
    old_base_url="http://127.0.0.1:9001/v1",
    new_base_url="http://127.0.0.1:9002/v1",
    tuned_base_url="http://127.0.0.1:9003/v1",
)


def _write(tmp_path: Path, **kwargs: int | None) -> tuple[workspace.Workspace, object]:
    ws = workspace.prepare(tmp_path / "demo")
    config = workspace.write(ws, SETTINGS, **kwargs)
    return ws, config


def test_template_renders_a_config_that_loads(tmp_path: Path) -> None:
    ws, config = _write(tmp_path)
    text = ws.config_path.read_text()
    assert text.startswith(MARKER)
    loaded = load_config(ws.config_path)
    assert set(loaded.workloads) == set(WORKLOAD_FILES)
    assert loaded.models["smollm2-135m"].provider == "openai-compatible"
    assert loaded.models["smollm2-135m"].base_url == "http://127.0.0.1:9001/v1"
    assert loaded.models["gemma3-270m"].base_url == "http://127.0.0.1:9002/v1"
    assert loaded.models["smollm2-135m-v2"].base_url == "http://127.0.0.1:9003/v1"
    for wl in loaded.workloads.values():
        assert wl.baseline == "smollm2-135m" and wl.candidate == "gemma3-270m"
        assert wl.golden is not None and wl.golden.is_file()
        assert (wl.system_prompt_text() or "").strip()
    assert loaded.store.url.endswith(str(ws.db))


def test_the_second_act_moves_order_extract_to_the_old_model_with_prompt_v2(
    tmp_path: Path,
) -> None:
    ws, first = _write(tmp_path)
    second = workspace.rewrite_config(
        ws, replace(SETTINGS, extract_candidate=workspace.TUNED_ALIAS)
    )
    wl = second.workloads["order-extract"]
    assert wl.candidate == "smollm2-135m-v2" and wl.baseline == "smollm2-135m"
    variant = wl.prompt_variant("smollm2-135m-v2")
    v1 = wl.system_prompt_text() or ""
    assert variant is not None and variant.system and variant.system != v1
    assert wl.prompt_variant("smollm2-135m") is None  # the old model keeps prompt v1
    others = {n: w.candidate for n, w in second.workloads.items() if n != "order-extract"}
    assert set(others.values()) == {"gemma3-270m"}
    assert second.models["smollm2-135m-v2"].model == second.models["smollm2-135m"].model


@pytest.mark.parametrize("golden", sorted(g for _, g in WORKLOAD_FILES.values()))
def test_every_golden_set_has_30_valid_scored_cases(golden: str) -> None:
    cases = load_cases(data_dir() / "golden" / golden)
    assert len(cases) >= 30
    assert len({c.id for c in cases}) == len(cases)
    compiled = compile_scorers(cases, Resources(), golden)  # every assertion builds
    assert all(compiled[c.id] for c in cases)  # and every case is really scored


def test_quick_golden_sets_are_cut(tmp_path: Path) -> None:
    ws, _ = _write(tmp_path, golden_limit=5)
    for _, golden in WORKLOAD_FILES.values():
        assert len(load_cases(ws.root / "golden" / golden)) == 5


def test_traffic_covers_every_workload_and_streams_some() -> None:
    rows = replay.load_traffic(data_dir() / "traffic.jsonl")
    aliases = {r["model"] for r in rows}
    assert aliases == set(WORKLOAD_FILES)
    assert len(rows) >= 60
    assert any(r.get("stream") for r in rows) and not all(r.get("stream") for r in rows)
    assert all(m["role"] != "system" for r in rows for m in r["messages"])


def test_pick_takes_each_workloads_first_requests_one_workload_after_the_other() -> None:
    rows = [
        {"model": m, "messages": [{"role": "user", "content": str(i)}]}
        for i, m in enumerate("aaabbc")
    ]
    picked = replay.pick(rows, {"a": 2, "b": 1, "c": 5})
    assert [(r["model"], r["messages"][0]["content"]) for r in picked] == [
        ("a", "0"),
        ("a", "1"),
        ("b", "3"),
        ("c", "5"),
    ]
    assert len(replay.pick(rows, {"a": 100, "b": 100, "c": 100})) == 6
    assert replay.pick(rows, {"z": 3}) == []


def test_prepare_adds_the_system_prompt_and_bounds_output() -> None:
    body = {"model": "quick-facts", "messages": [{"role": "user", "content": "Capital of Peru?"}]}
    out = replay.prepare(body, {"quick-facts": "Answer briefly."}, {"quick-facts": 12})
    assert out["messages"][0] == {"role": "system", "content": "Answer briefly."}
    assert out["max_tokens"] == 12 and out["temperature"] == 0.0
    assert body["messages"][0]["role"] == "user"  # the original is untouched


def test_a_bad_traffic_line_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(
        '{"model": "x", "messages": [{"role": "user", "content": "hi"}]}\n{"model": "x"}\n'
    )
    with pytest.raises(ConfigError, match=r"line 2: needs \"model\" and \"messages\""):
        replay.load_traffic(path)


def test_workspace_refuses_a_real_project(tmp_path: Path) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / "swapsafe.toml").write_text("[store]\n")
    with pytest.raises(ConfigError, match="did not write"):
        workspace.prepare(project)
    (project / "swapsafe.toml").unlink()
    (project / "main.py").write_text("print('my app')\n")
    with pytest.raises(ConfigError, match="not empty"):
        workspace.prepare(project)  # other files in it
    assert (project / "main.py").read_text() == "print('my app')\n"  # untouched


def test_workspace_resets_a_previous_demo(tmp_path: Path) -> None:
    ws, _ = _write(tmp_path)
    ws.db.write_bytes(b"old run")
    ws.report.write_text("old report")
    again = workspace.prepare(ws.root)
    assert not again.db.exists() and not again.report.exists()
    assert not (again.root / "golden").exists()
