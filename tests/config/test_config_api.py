"""``[models.X] api``: which OpenAI APIs an upstream offers (defaults, and refusals)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from config_cases import VALID
from test_config_errors import assert_lines

from swapsafe.config import load_config


def test_defaults_by_provider(project: Callable[[str], Path]) -> None:
    extra = (
        '\n[models.local]\nprovider = "openai-compatible"\nbase_url = "http://127.0.0.1:8000/v1"\n'
    )
    extra += '\n[models.pro]\nprovider = "openai"\nmodel = "gpt-5-pro"\napi = "responses"\n'
    config = load_config(project(VALID + extra))
    assert {name: m.api for name, m in config.models.items()} == {
        "gpt4o": "both",
        "sonnet": None,
        "local": "chat",
        "pro": "responses",
    }


def test_api_is_refused_for_other_providers_and_misspellings(
    project: Callable[[str], Path],
) -> None:
    text = VALID.replace(
        'model = "claude-sonnet-4-5"\n', 'model = "claude-sonnet-4-5"\napi = "chat"\n'
    )
    project(text.replace('model = "gpt-4o"\n', 'model = "gpt-4o"\napi = "respones"\n'))
    assert_lines(
        [
            'swapsafe.toml:4: models.gpt4o.api: expected one of "chat", "responses", "both", '
            'got "respones"; did you mean "responses"?',
            "swapsafe.toml:10: models.sonnet.api: applies to OpenAI-wire models only (provider "
            '"openai" or "openai-compatible"), not provider "anthropic"; remove it',
        ]
    )
