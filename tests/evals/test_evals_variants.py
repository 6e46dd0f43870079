"""Prompt variants in evals: configured ones, ``eval run --prompt``, and ``eval compare`` of
two variants of one model with the paired statistics."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.evals.evals_helpers import FLIP_CASES, load, write_config
from tests.evals.test_evals_cli import cli
from tests.evals.test_evals_runner import CASES

from swapsafe.evals.caller import ModelCaller
from swapsafe.evals.runner import EvalJob, run_eval
from swapsafe.evals.variants import parse_prompt_options, prompt_variants
from swapsafe.exceptions import ConfigError
from swapsafe.store import open_store
from swapsafe.store.records import EvalRun
from swapsafe.testing import ScriptedProvider

VARIANT = """
[workloads.support.prompts.new]
append = "style.txt"
"""


async def test_configured_variant_reaches_only_its_model_and_is_recorded(tmp_path: Path) -> None:
    (tmp_path / "style.txt").write_text("Answer in one line.")
    cfg = load(tmp_path, "sqlite:///unused.db", extra=VARIANT)
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    old, new = ScriptedProvider("old"), ScriptedProvider("new")
    job = EvalJob("support", CASES[:2], concurrency=1)
    run_id = await run_eval(cfg, store, job, providers={"old": old, "new": new})
    assert old.calls[0].body["messages"][0]["content"] == "You are a support agent."
    sent = new.calls[0].body["messages"][0]["content"]
    assert sent == "You are a support agent.\n\nAnswer in one line."
    (run,) = store.list_eval_runs("support")
    assert run.id == run_id
    models = (run.settings or {})["models"]
    variant = cfg.workloads["support"].prompt_variant("new")
    assert variant is not None
    assert models["new"]["prompt_variant"] == {
        "label": "append style.txt",
        "digest": variant.digest,
    }
    assert "prompt_variant" not in models["old"]


async def test_prompt_option_wins_over_the_configured_variant(tmp_path: Path) -> None:
    (tmp_path / "style.txt").write_text("Answer in one line.")
    (tmp_path / "v2.txt").write_text("You are the new support agent.\n")
    cfg = load(tmp_path, "sqlite:///unused.db", extra=VARIANT)
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    new = ScriptedProvider("new")
    variants = parse_prompt_options([f"new={tmp_path / 'v2.txt'}"], cfg)
    job = EvalJob("support", CASES[:1], concurrency=1, models=["new"], variants=variants)
    await run_eval(cfg, store, job, providers={"new": new})
    assert new.calls[0].body["messages"][0]["content"] == "You are the new support agent."


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("new", "--prompt 'new': use MODEL=FILE, e.g. --prompt new=v2.txt"),
        ("neww=v2.txt", "--prompt 'neww=v2.txt': unknown model 'neww'; models: judge, new, old"),
        ("new=missing.txt", "--prompt: missing.txt does not exist; check the path"),
    ],
)
def test_bad_prompt_options_are_one_clear_error(
    tmp_path: Path, option: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load(tmp_path, "sqlite:///unused.db")
    with pytest.raises(ConfigError) as info:
        parse_prompt_options([option], cfg)
    assert str(info.value) == message


def test_eval_run_prompt_then_compare_two_variants_of_one_model(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, store_url, golden=FLIP_CASES)
    (tmp_path / "v1.txt").write_text("Variant one.")
    (tmp_path / "v2.txt").write_text("Variant two.")
    for n in (1, 2):
        code, out = cli(
            "eval", "run", "-w", "support", "--models", "new", "--prompt", f"new=v{n}.txt",
            "-c", str(config),
        )  # fmt: skip
        assert code == 0, out
        assert f"run {n}: support [ad hoc]" in out
        assert f"ad hoc run (--prompt new=v{n}.txt)" in out
    code, out = cli("eval", "compare", "1", "2", "-c", str(config))
    assert code == 0, out
    assert "new [v2.txt " in out and "new [v1.txt " in out and "McNemar" in out


def test_a_resumed_run_keeps_the_prompt_it_started_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "v1.txt").write_text("Variant one.")
    cfg = load(tmp_path, "sqlite:///unused.db")
    v1 = parse_prompt_options(["new=v1.txt"], cfg)["new"]
    started = EvalRun(
        id=5, workload="support", started_at=datetime.now(UTC), models=["new"],
        settings={"models": {"new": {"prompt_variant": {"label": "v1.txt", "digest": v1.digest}}}},
    )  # fmt: skip
    assert prompt_variants(["new=v1.txt"], cfg, started)["new"] == v1
    with pytest.raises(ConfigError) as info:
        prompt_variants([], cfg, started)
    assert str(info.value).startswith(
        f"run 5 called 'new' with prompt variant 'v1.txt' ({v1.digest}), and resuming it now "
        "would use none; resume with the same --prompt"
    )


async def test_a_judge_that_is_also_evaluated_judges_without_the_variant(tmp_path: Path) -> None:
    (tmp_path / "style.txt").write_text("Answer in one line.")
    cfg = load(tmp_path, "sqlite:///unused.db", extra=VARIANT)
    new = ScriptedProvider("new")
    caller = ModelCaller("new", new, cfg.models["new"], variant=cfg.workloads["support"]
                         .prompt_variant("new"))  # fmt: skip
    await caller.plain().chat([{"role": "system", "content": "Grade this."}])
    await caller.chat([{"role": "system", "content": "Grade this."}])
    assert new.calls[0].body["messages"][0]["content"] == "Grade this."
    assert new.calls[1].body["messages"][0]["content"] == "Grade this.\n\nAnswer in one line."
