"""``config show`` and ``config check`` mask credentials inside URLs (store, base_url, webhook)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from swapsafe.cli.app import app
from swapsafe.store.engine import mask_url

runner = CliRunner()

#: every one of these is a credential placed somewhere in a URL of the config
SECRETS = {
    "pg": "PgPassw0rd-CANARY",
    "pg_query": "PgQueryPass-CANARY",
    "api_key": "AzureKey-CANARY-1",
    "key": "GoogleKey-CANARY-2",
    "token": "QueryToken-CANARY-3",
    "sig": "SasSig-CANARY-4",
    "amz": "AmzSig-CANARY-5",
    "userinfo": "UserInfoTok-CANARY-6",
    "userpass": "UserInfoPass-CANARY-7",
    "hook": "HookSecret-CANARY-8",
}

CONFIG = f"""\
[store]
url = "{{store}}"

[models.azure]
provider = "openai-compatible"
model = "gpt-4o"
base_url = "https://res.example.com/openai/v1?api-version=2024-10-21&api-key={SECRETS["api_key"]}"

[models.gemini]
provider = "openai-compatible"
model = "gemini"
base_url = "https://{SECRETS["userinfo"]}@gemini.example.com/v1?key={SECRETS["key"]}&alt=sse"

[models.blob]
provider = "openai-compatible"
model = "local"
base_url = "http://u:{SECRETS["userpass"]}@127.0.0.1:8000/v1?sig={SECRETS["sig"]}&X-Amz-Signature={SECRETS["amz"]}&access_token={SECRETS["token"]}"

[workloads.support]
aliases = ["support"]
baseline = "azure"
candidate = "gemini"

[rollout]
webhook_url = "https://hooks.example.com/notify?secret={SECRETS["hook"]}"
"""

STORES = {
    "sqlite": "sqlite:///swapsafe.db",
    "postgres": f"postgresql://swapsafe:{SECRETS['pg']}@db.internal:5432/swapsafe"
    f"?sslmode=require&password={SECRETS['pg_query']}",
}


@pytest.fixture(params=sorted(STORES))
def config_file(request: pytest.FixtureRequest, project: Callable[[str], Path]) -> Path:
    return project(CONFIG.format(store=STORES[request.param]))


def _assert_masked(output: str) -> None:
    leaked = [name for name, secret in SECRETS.items() if secret in output]
    assert not leaked, f"leaked: {leaked}"


def test_config_show_masks_every_url_credential(config_file: Path) -> None:
    toml_out = runner.invoke(app, ["config", "show", "-c", str(config_file)])
    assert toml_out.exit_code == 0, toml_out.output
    _assert_masked(toml_out.output)
    shown = tomllib.loads(toml_out.stdout)  # still valid TOML, the rest of the URL intact
    assert shown["models"]["azure"]["base_url"].endswith("?api-version=2024-10-21&api-key=***")
    assert shown["models"]["gemini"]["base_url"] == (
        "https://***@gemini.example.com/v1?key=***&alt=sse"
    )

    json_out = runner.invoke(app, ["config", "show", "--json", "-c", str(config_file)])
    assert json_out.exit_code == 0, json_out.output
    _assert_masked(json_out.output)
    data = json.loads(json_out.stdout)
    assert data["rollout"]["webhook_url"] == "https://hooks.example.com/notify?secret=***"
    if data["store"]["url"].startswith("postgresql"):
        url = data["store"]["url"]  # SQLAlchemy sorts the query parameters
        assert url.startswith("postgresql://swapsafe:***@db.internal:5432/swapsafe?")
        assert "password=***" in url and "sslmode=require" in url


def test_config_check_masks_base_urls(config_file: Path) -> None:
    result = runner.invoke(app, ["config", "check", "-c", str(config_file)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    _assert_masked(result.output)
    assert "api-key=***" in result.output


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://u:pw@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        (
            "https://h/v1?a=1&Ocp-Apim-Subscription-Key=s",
            "https://h/v1?a=1&Ocp-Apim-Subscription-Key=***",
        ),
        ("https://h/v1?api_key=s;password=p#frag", "https://h/v1?api_key=***;password=***#frag"),
        ("https://tok@h/v1", "https://***@h/v1"),
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
    ],
)
def test_mask_url_is_the_one_rule(url: str, masked: str) -> None:
    assert mask_url(url) == masked
