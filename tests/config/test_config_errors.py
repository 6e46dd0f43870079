"""Every bad-config case: one exact line per problem on stderr, exit code 2, no traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from config_cases import VALID
from typer.testing import CliRunner

from swapsafe.cli.app import app
from swapsafe.config import load_config
from swapsafe.exceptions import ConfigError

runner = CliRunner()


def check(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["config", "check", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def assert_lines(expected: list[str]) -> None:
    code, stdout, stderr = check()
    assert code == 2
    assert stderr.splitlines() == expected
    assert "config OK" not in stdout


def test_valid_config_passes(project: Callable[[str], Path]) -> None:
    project(VALID)
    code, stdout, stderr = check()
    assert code == 0, stderr
    assert "config OK" in stdout
    assert stderr == ""


def test_unknown_key_with_did_you_mean(project: Callable[[str], Path]) -> None:
    project(VALID.replace('baseline = "gpt4o"', 'baselin = "gpt4o"'))
    assert_lines(
        ['swapsafe.toml:13: workloads.support.baselin: unknown key; did you mean "baseline"?']
    )


def test_unknown_section_lists_valid_keys(project: Callable[[str], Path]) -> None:
    project(VALID + "\n[shadoww]\nsample_rate = 0.5\n")
    assert_lines(['swapsafe.toml:18: shadoww: unknown key; did you mean "shadow"?'])


def test_wrong_type(project: Callable[[str], Path]) -> None:
    project(VALID + '\n[shadow]\nsample_rate = 0.5\nmax_concurrency = "lots"\n')
    assert_lines(['swapsafe.toml:20: shadow.max_concurrency: expected an integer, got "lots"'])


def test_toml_types_are_strict(project: Callable[[str], Path]) -> None:
    project(VALID + "\n[shadow]\nsample_rate = true\nmax_concurrency = 2.0\n")
    assert_lines(
        [
            "swapsafe.toml:19: shadow.sample_rate: expected a number, got true",
            "swapsafe.toml:20: shadow.max_concurrency: expected an integer, got 2.0",
        ]
    )


def test_missing_env_var(project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    project(VALID)
    assert_lines(
        [
            "swapsafe.toml:4: models.gpt4o.api_key: environment variable OPENAI_API_KEY is not "
            "set; export it or change the env:: reference"
        ]
    )


def test_workload_names_unknown_model(project: Callable[[str], Path]) -> None:
    project(VALID.replace('candidate = "sonnet"', 'candidate = "sonet"'))
    assert_lines(
        [
            'swapsafe.toml:14: workloads.support.candidate: unknown model "sonet"; '
            "known models: gpt4o, sonnet"
        ]
    )


def test_two_workloads_claim_the_same_alias(project: Callable[[str], Path]) -> None:
    project(VALID + '\n[workloads.faq]\naliases = ["faq", "support"]\nbaseline = "gpt4o"\n')
    assert_lines(
        [
            'swapsafe.toml:19: workloads.faq.aliases: alias "support" is already claimed by '
            'workload "support"; aliases must be unique'
        ]
    )


def test_weight_outside_0_100(project: Callable[[str], Path]) -> None:
    project(
        VALID
        + '\n[rollout]\nsteps = [\n  { weight = 1, hold = "48h" },\n'
        + '  { weight = 10, hold = "24h" },\n'
        + '  { weight = 150, hold = "24h" },\n]\n'
    )
    assert_lines(
        [
            "swapsafe.toml:22: rollout.steps[2].weight: 150 is outside 0-100; "
            "use a percentage like 10"
        ]
    )


def test_weight_in_array_of_tables(project: Callable[[str], Path]) -> None:
    step = '\n[[rollout.steps]]\nweight = {}\nhold = "1h"\n'
    project(VALID + step.format(5) + step.format(-1))
    assert_lines(
        ["swapsafe.toml:23: rollout.steps[1].weight: -1 is outside 0-100; use a percentage like 10"]
    )


def test_golden_path_does_not_exist(project: Callable[[str], Path]) -> None:
    path = project(VALID.replace("golden/support.jsonl", "golden/missing.jsonl"))
    resolved = path.parent.resolve() / "golden" / "missing.jsonl"
    assert_lines(
        [
            "swapsafe.toml:15: workloads.support.golden: file golden/missing.jsonl does not exist "
            f"(resolved to {resolved}); create it or fix the path"
        ]
    )


def test_literal_secret_is_refused(project: Callable[[str], Path]) -> None:
    project(VALID.replace('"env::OPENAI_API_KEY"', '"sk-live-abcdef"'))
    code, stdout, stderr = check()
    assert code == 2
    assert stderr.splitlines() == [
        "swapsafe.toml:4: models.gpt4o.api_key: secrets are never written in the config: "
        'use api_key = "env::OPENAI_API_KEY"'
    ]
    assert "sk-live-abcdef" not in stderr + stdout


def test_literal_client_key_is_refused(project: Callable[[str], Path]) -> None:
    project(VALID + '\n[gateway]\nclient_keys = ["hunter2"]\n')
    assert_lines(
        [
            "swapsafe.toml:19: gateway.client_keys[0]: secrets are never written in the config: "
            'use client_keys = ["env::SWAPSAFE_CLIENT_KEY"]'
        ]
    )


def test_openai_compatible_needs_base_url(project: Callable[[str], Path]) -> None:
    project(VALID + '\n[models.local]\nprovider = "openai-compatible"\n')
    assert_lines(
        [
            'swapsafe.toml:18: models.local.base_url: required for provider "openai-compatible"; '
            'add base_url = "http://127.0.0.1:8000/v1"'
        ]
    )


def test_bad_choice_and_bad_duration(project: Callable[[str], Path]) -> None:
    project(VALID + '\n[store]\nbodies = "redact"\n\n[shadow]\ntimeout = "30 seconds"\n')
    assert_lines(
        [
            'swapsafe.toml:19: store.bodies: expected one of "full", "redacted", "none", '
            'got "redact"; did you mean "redacted"?',
            'swapsafe.toml:22: shadow.timeout: "30 seconds" is not a duration; use a number of '
            'seconds or a string like "500ms", "90s", "15m", "24h", "30d"',
        ]
    )


def test_multiple_problems_give_one_line_each(
    project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    text = VALID.replace('baseline = "gpt4o"', 'baseline = "gpt-4o"')
    project(text + '\n[shadow]\nmax_concurrency = "lots"\nsampel_rate = 0.5\n')
    assert_lines(
        [
            "swapsafe.toml:9: models.sonnet.api_key: environment variable ANTHROPIC_API_KEY is not "
            "set; export it or change the env:: reference",
            'swapsafe.toml:13: workloads.support.baseline: unknown model "gpt-4o"; '
            "known models: gpt4o, sonnet",
            'swapsafe.toml:19: shadow.max_concurrency: expected an integer, got "lots"',
            'swapsafe.toml:20: shadow.sampel_rate: unknown key; did you mean "sample_rate"?',
        ]
    )


def test_missing_file(project: Callable[[str], Path]) -> None:
    assert_lines(["swapsafe.toml: not found; run `swapsafe init` to create one"])


def test_toml_syntax_error_names_the_line(project: Callable[[str], Path]) -> None:
    project(VALID + "\n[shadow]\nsample_rate 0.5\n")
    code, _, stderr = check()
    assert code == 2
    (line,) = stderr.splitlines()
    assert line.startswith("swapsafe.toml:19: invalid TOML: ")
    assert line.endswith("; fix the syntax")


def test_missing_required_key(project: Callable[[str], Path]) -> None:
    project('[models.m]\nmodel = "x"\n')
    assert_lines(
        [
            "swapsafe.toml:1: models.m.provider: required key is missing; add provider = ... "
            '(one of "openai", "anthropic", "openai-compatible", "scripted") to [models.m]'
        ]
    )


def test_no_models(project: Callable[[str], Path]) -> None:
    project("[shadow]\nsample_rate = 0.5\n")
    assert_lines(
        [
            "swapsafe.toml: models: no models are defined; "
            'add a [models.NAME] table with provider = "..."'
        ]
    )


def test_problems_hold_file_key_line_message(project: Callable[[str], Path]) -> None:
    path = project(VALID.replace('candidate = "sonnet"', 'candidate = "sonet"'))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    assert (problem.file, problem.key, problem.line) == (
        str(path),
        "workloads.support.candidate",
        14,
    )
    assert problem.message.startswith('unknown model "sonet"')


def test_config_path_from_env_var(
    project: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project(VALID)
    path.rename(path.parent / "other.toml")
    monkeypatch.setenv("SWAPSAFE_CONFIG", "other.toml")
    code, stdout, _ = check()
    assert code == 0
    assert "config OK" in stdout
