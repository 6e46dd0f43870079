"""Loading: defaults, durations, relative paths, secrets, aliases, line lookup."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest
from config_cases import ANTHROPIC_KEY, OPENAI_KEY, VALID

from swapsafe.config import (
    Config,
    ConfigError,
    ModelConfig,
    Secret,
    WorkloadConfig,
    load_config,
    parse_duration,
    resolve_store_url,
)
from swapsafe.config.locate import KeyIndex


def copy_template(dest: Path) -> Path:
    root = resources.files("swapsafe").joinpath("templates")
    with resources.as_file(root) as src:
        shutil.copytree(src / "example", dest, dirs_exist_ok=True)
        shutil.copy(src / "swapsafe.example.toml", dest / "swapsafe.toml")
    return dest / "swapsafe.toml"


def test_template_loads_with_no_env(tmp_path: Path) -> None:
    cfg = load_config(copy_template(tmp_path), env={})
    assert list(cfg.models) == ["old", "new"]
    assert {m.provider for m in cfg.models.values()} == {"openai-compatible"}
    assert list(cfg.workloads) == ["support", "summarize"]
    assert cfg.workloads["support"].candidate == "new"
    assert cfg.workloads["summarize"].sticky_key == "header:x-swapsafe-user"
    assert cfg.workloads["summarize"].gates.pass_rate_margin == 5.0
    assert cfg.root == tmp_path.resolve()
    assert cfg.workloads["support"].system_prompt_text()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("24h", 86400),
        ("30d", 2592000),
        ("500ms", 0.5),
        ("1.5h", 5400),
        ("2w", 1209600),
        (12, 12),
        (0.25, 0.25),
        ("45", 45),
    ],
)
def test_parse_duration(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["soon", "10 years", "-5s", -1, "h"])
def test_parse_duration_rejects(bad: str | float) -> None:
    with pytest.raises(ValueError, match="not a duration|negative"):
        parse_duration(bad)


def test_defaults_and_durations(project: Callable[[str], Path]) -> None:
    path = project(
        VALID
        + '\n[workloads.support.triggers]\np95_above = "2s"\n'
        + '\n[rollout]\nretain_old_for = "7d"\nsteps = [{ weight = 5, hold = "90m" }]\n'
        + "\n[shadow]\ntimeout = 1.5\n"
    )
    cfg = load_config(path)
    assert cfg.workloads["support"].triggers.p95_above == 2.0
    assert cfg.workloads["support"].triggers.min_samples == 50
    assert cfg.rollout.retain_old_for == 7 * 86400
    assert [(s.weight, s.hold) for s in cfg.rollout.steps] == [(5, 5400)]
    assert cfg.rollout.interval == 300
    assert cfg.shadow.timeout == 1.5
    assert cfg.models["gpt4o"].timeout == 60
    assert cfg.models["gpt4o"].default_max_tokens == 4096
    assert cfg.gateway.listen == "127.0.0.1:8787"
    assert cfg.gateway.max_body_bytes == 10 * 1024 * 1024
    assert cfg.evals.schedule == "0 2 * * *"
    assert cfg.store.bodies == "full"


def test_default_rollout_steps() -> None:
    steps = Config().rollout.steps
    assert [(s.weight, s.hold) for s in steps] == [
        (1, 48 * 3600),
        (10, 24 * 3600),
        (50, 24 * 3600),
        (100, 0),
    ]


def test_relative_paths_resolve_against_the_config_file(
    project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = project(VALID)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    cfg = load_config(path)
    root = path.parent.resolve()
    assert cfg.path == path.resolve()
    assert cfg.workloads["support"].golden == root / "golden" / "support.jsonl"
    assert cfg.workloads["support"].system_prompt_text() == "You are helpful.\n"
    assert cfg.store.url == f"sqlite:///{root}/swapsafe.db"


def test_config_directory_means_its_swapsafe_toml(project: Callable[[str], Path]) -> None:
    path = project(VALID)
    assert load_config(path.parent).path == path.resolve()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///data/s.db", "sqlite:////r/data/s.db"),
        ("sqlite+aiosqlite:///s.db?mode=rwc", "sqlite+aiosqlite:////r/s.db?mode=rwc"),
        ("sqlite:////abs/s.db", "sqlite:////abs/s.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql+psycopg://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
    ],
)
def test_store_url_resolution(url: str, expected: str) -> None:
    assert resolve_store_url(url, Path("/r")) == expected


def test_secrets_are_resolved_once_and_masked(project: Callable[[str], Path]) -> None:
    cfg = load_config(project(VALID))
    key = cfg.models["gpt4o"].api_key
    assert isinstance(key, Secret)
    assert key.ref == "OPENAI_API_KEY"
    assert key.reveal() == OPENAI_KEY
    assert key.matches(OPENAI_KEY) and not key.matches("nope")
    assert repr(key) == str(key) == f"env::OPENAI_API_KEY (set, {len(OPENAI_KEY)} chars)"
    for text in (repr(cfg), str(cfg), cfg.model_dump_json(), str(cfg.model_dump())):
        assert OPENAI_KEY not in text
        assert ANTHROPIC_KEY not in text


def test_env_mapping_is_used_instead_of_os_environ(project: Callable[[str], Path]) -> None:
    path = project(VALID)
    cfg = load_config(path, env={"OPENAI_API_KEY": "a" * 30, "ANTHROPIC_API_KEY": "b" * 30})
    assert cfg.models["sonnet"].api_key is not None
    assert cfg.models["sonnet"].api_key.reveal() == "b" * 30
    with pytest.raises(ConfigError, match="OPENAI_API_KEY is not set"):
        load_config(path, env={"ANTHROPIC_API_KEY": "x"})


def test_alias_map_and_workload_for_model(project: Callable[[str], Path]) -> None:
    cfg = load_config(
        project(VALID + '\n[workloads.faq]\nbaseline = "gpt4o"\nsticky_key = "header:X-User"\n')
    )
    assert cfg.alias_map() == {"support": "support", "faq": "faq", "support-triage": "support"}
    assert cfg.workloads["faq"].aliases == ["faq"]
    assert cfg.workloads["faq"].sticky_key == "header:x-user"
    assert cfg.workload_for_model("support-triage") is cfg.workloads["support"]
    assert cfg.workload_for_model("gpt-4o") is None
    assert cfg.models["gpt4o"].name == "gpt4o"
    assert cfg.models["gpt4o"].model == "gpt-4o"


def test_model_defaults_upstream_name_to_table_key(project: Callable[[str], Path]) -> None:
    cfg = load_config(project(VALID.replace('model = "gpt-4o"\n', "")))
    assert cfg.models["gpt4o"].model == "gpt4o"


def test_programmatic_construction(tmp_path: Path) -> None:
    cfg = Config(
        root=tmp_path,
        models={"a": ModelConfig(name="a", provider="scripted"), "b": {"provider": "scripted"}},
        workloads={"w": {"baseline": "a", "candidate": "b", "aliases": ["w1"]}},
    )
    assert isinstance(cfg.workloads["w"], WorkloadConfig)
    assert cfg.alias_map() == {"w": "w", "w1": "w"}
    assert cfg.store.url == f"sqlite:///{tmp_path.resolve()}/swapsafe.db"
    with pytest.raises(ValueError, match='unknown model "c"'):
        Config(models={"a": {"provider": "scripted"}}, workloads={"w": {"baseline": "c"}})


def test_key_index_finds_lines() -> None:
    text = (
        '[store]\nurl = \'x\'  # = not a key\n\n[models."my.model"]\nprovider = "openai"\n'
        "[workloads.w]\ngates = { confidence = 0.9,\n  pass_rate_margin = 2 }\n"
        "triggers.min_samples = 3\n[[rollout.steps]]\nweight = 1\n[[rollout.steps]]\nweight = 2\n"
    )
    index = KeyIndex(text)
    assert index.find_line(("store", "url")) == 2
    assert index.find_line(("models", "my.model", "provider")) == 5
    assert index.find_line(("models", "my.model", "api_key")) == 4
    assert index.find_line(("workloads", "w", "gates", "pass_rate_margin")) == 8
    assert index.find_line(("workloads", "w", "triggers", "min_samples")) == 9
    assert index.find_line(("rollout", "steps", 1, "weight")) == 13
    assert index.find_line(("shadow", "timeout")) is None
