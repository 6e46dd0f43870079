"""``[models.NAME.request]``: model adapters in the config, their errors, check and show."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from config_cases import VALID
from test_config_errors import assert_lines, check
from typer.testing import CliRunner

from swapsafe.cli.app import app
from swapsafe.config import load_config
from swapsafe.wire.request_rules import apply_rules

REQUEST = """
[models.gpt4o.request]
profile = "openai-reasoning"
default = { reasoning_effort = "low" }
clamp = { max_completion_tokens = 2048 }
"""
SONNET_SILENCED = '\n[models.sonnet.request]\nprofile = "none"\n'


def test_rules_load_profile_first(project: Callable[[str], Path]) -> None:
    config = load_config(project(VALID + REQUEST))
    rules = config.models["gpt4o"].request.rules()
    assert rules.describe() == [
        "rename max_tokens -> max_completion_tokens",
        "drop temperature",
        "drop top_p",
        "drop presence_penalty",
        "drop frequency_penalty",
        "drop logprobs",
        "drop top_logprobs",
        "clamp max_completion_tokens <= 2048",
        "default reasoning_effort = 'low'",
    ]
    assert not config.models["sonnet"].request.rules()


def test_unknown_profile_suggests_the_close_one(project: Callable[[str], Path]) -> None:
    project(VALID + REQUEST.replace('"openai-reasoning"', '"openai-reasoner"'))
    assert_lines(
        [
            'swapsafe.toml:19: models.gpt4o.request.profile: unknown profile "openai-reasoner"; '
            'did you mean "openai-reasoning"? profiles: "openai-reasoning", "anthropic-4.5", '
            '"none"'
        ]
    )


def test_unknown_rule_name_suggests_the_close_one(project: Callable[[str], Path]) -> None:
    project(VALID + REQUEST.replace("default =", "defualt ="))
    assert_lines(
        ['swapsafe.toml:20: models.gpt4o.request.defualt: unknown key; did you mean "default"?']
    )


def test_a_rule_on_a_field_the_profile_renamed_is_refused(project: Callable[[str], Path]) -> None:
    project(VALID + REQUEST.replace("max_completion_tokens = 2048", "max_tokens = 2048"))
    assert_lines(
        [
            'swapsafe.toml:21: models.gpt4o.request.clamp: "max_tokens" is renamed to '
            '"max_completion_tokens" before clamp runs; name it "max_completion_tokens" here'
        ]
    )


def test_bad_rule_values(project: Callable[[str], Path]) -> None:
    project(
        VALID + '\n[models.gpt4o.request]\nclamp = { max_tokens = "lots" }\nexclusive = [["a"]]\n'
    )
    code, _, stderr = check()
    assert code == 2
    assert 'models.gpt4o.request.clamp.max_tokens: expected a number, got "lots"' in stderr
    assert "models.gpt4o.request.exclusive[0]: a group needs two fields or more" in stderr


def test_check_warns_when_a_known_profile_applies_and_is_not_set(
    project: Callable[[str], Path],
) -> None:
    project(VALID.replace('model = "gpt-4o"', 'model = "gpt-5"'))
    code, stdout, stderr = check()
    assert code == 0 and stderr == "" and "config OK" in stdout
    warnings = [line for line in stdout.splitlines() if line.startswith("warning")]
    assert len(warnings) == 2
    assert warnings[0].startswith(
        'warning: swapsafe.toml:1: models.gpt4o: upstream model "gpt-5" matches the built-in '
        'profile "openai-reasoning"'
    )
    assert 'models.sonnet: upstream model "claude-sonnet-4-5"' in warnings[1]
    project(VALID + SONNET_SILENCED)
    _, stdout, _ = check()
    assert "warning" not in stdout


def test_show_lists_every_rule_of_the_profile(project: Callable[[str], Path]) -> None:
    project(VALID + REQUEST)
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "[models.gpt4o.request]" in out and 'profile = "openai-reasoning"' in out
    assert "#   rename max_tokens -> max_completion_tokens" in out
    assert "#   drop temperature" in out and "#   clamp max_completion_tokens <= 2048" in out
    assert 'default = { reasoning_effort = "low" }' in out


def test_the_documented_example_loads_and_adapts(project: Callable[[str], Path]) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "adapters.md").read_text()
    example = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    path = project(VALID + "\n" + example)
    rules = load_config(path).models["new"].request.rules()
    out, fired = apply_rules(rules, {"max_tokens": 9000, "temperature": 0, "messages": []})
    assert out == {"max_completion_tokens": 4096, "reasoning_effort": "low", "messages": []}
    assert fired == [
        "rename:max_tokens>max_completion_tokens",
        "drop:temperature",
        "clamp:max_completion_tokens",
        "default:reasoning_effort",
    ]
