"""Scenarios and the planner name the request adapter (profile) a model swap needs."""

from __future__ import annotations

from pathlib import Path

from tests.plan.test_plan_scenarios import here, run  # noqa: F401  (fixture)

from swapsafe.config import config_from_dict
from swapsafe.plan.adaptation import SCENARIO_CHANGES, adaptation
from swapsafe.plan.export import outlook_lines
from swapsafe.plan.outlook import Outlook
from swapsafe.plan.scenarios import SCENARIOS, resolve_model


def test_every_scenario_names_its_request_changes() -> None:
    assert set(SCENARIO_CHANGES) == {s.key for s in SCENARIOS}
    assert "max_completion_tokens" in SCENARIO_CHANGES["upgrade"]
    assert 'profile = "openai-reasoning"' in SCENARIO_CHANGES["upgrade"]
    assert 'profile = "anthropic-4.5"' in SCENARIO_CHANGES["upgrade"]


def test_the_pair_names_the_profile_and_whether_it_is_configured(tmp_path: Path) -> None:
    raw = adaptation(resolve_model("gpt-5", None))
    assert raw.profile == "openai-reasoning" and not raw.configured
    assert raw.line().startswith('gpt-5 needs profile "openai-reasoning" (GPT-5 and o-series')
    assert raw.line().endswith(
        'not configured: add [models.NEW.request] profile = "openai-reasoning"'
    )
    assert adaptation(resolve_model("gpt-4o-mini", None)).profile is None
    config = config_from_dict(
        {
            "models": {
                "old": {"provider": "openai", "model": "gpt-4o"},
                "new": {"provider": "anthropic", "model": "claude-sonnet-4-5",
                        "request": {"profile": "anthropic-4.5"}},
            }
        },
        path=tmp_path / "swapsafe.toml",
    )  # fmt: skip
    done = adaptation(resolve_model("new", config))
    assert done.profile == "anthropic-4.5" and done.configured
    assert done.line().endswith("; configured")
    look = Outlook(resolve_model("old", config), resolve_model("new", config), (), None, "x")
    assert '- **Request adapter:** new needs profile "anthropic-4.5"' in "\n".join(
        outlook_lines(look)
    )


def test_scenarios_cli_shows_the_request_changes_and_the_adapter(here: Path) -> None:  # noqa: F811
    code, out = run("scenarios", "--from", "gpt-4o", "--to", "gpt-5", "--requests-per-day", "100",
                    "--input-tokens", "100", "--output-tokens", "10")  # fmt: skip
    assert code == 0, out
    flat = " ".join(out.split())
    assert "request changes" in flat
    assert 'request adapter: gpt-5 needs profile "openai-reasoning"' in flat
    assert 'add [models.NEW.request] profile = "openai-reasoning"' in flat
