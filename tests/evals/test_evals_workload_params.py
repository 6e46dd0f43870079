"""A workload's ``params`` (what the application sends with every call) go out with every golden
eval and red-team request to the workload's models, never to the judge, and are recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.evals import evals_helpers
from tests.redteam import redteam_helpers

from swapsafe.config import load_config
from swapsafe.evals.datasets import Assertion, Case
from swapsafe.evals.runner import EvalJob, run_eval
from swapsafe.exceptions import ConfigError
from swapsafe.redteam.runner import RedteamJob, run_redteam
from swapsafe.store import open_store
from swapsafe.testing import ScriptedProvider

FORMAT = {"type": "json_object", "schema": {"type": "object", "required": ["label"]}}
PARAMS = (
    'params = { max_tokens = 12, response_format = { type = "json_object", '
    'schema = { type = "object", required = ["label"] } } }\n'
)


def with_params(path: Path, params: str = PARAMS) -> Path:
    text = path.read_text().replace("[workloads.support]\n", "[workloads.support]\n" + params, 1)
    path.write_text(text)
    return path


async def test_eval_requests_carry_the_workload_params_but_not_the_judges(tmp_path: Path) -> None:
    cfg = load_config(with_params(evals_helpers.write_config(tmp_path, "sqlite:///unused.db")))
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    old, judge = ScriptedProvider("old"), ScriptedProvider("judge", strict=True)
    judge.enqueue('{"reason": "fine", "pass": true, "score": 1}')
    case = Case(id="j", input="hello", assertions=[Assertion(type="llm-judge", value="Polite")])
    run_id = await run_eval(
        cfg,
        store,
        EvalJob("support", models=["old"], cases=[case], concurrency=1, tag=None, judge="judge"),
        providers={"old": old, "judge": judge},
    )
    sent = old.calls[0].body
    assert sent["response_format"] == FORMAT and sent["max_tokens"] == 12
    assert sent["temperature"] == 0.0  # evals stay deterministic
    assert "response_format" not in judge.calls[0].body and "max_tokens" not in judge.calls[0].body
    (run,) = store.list_eval_runs("support")
    assert run.id == run_id
    settings = run.settings or {}
    assert settings["models"]["old"]["params"]["response_format"] == FORMAT
    store.close()


async def test_redteam_probes_carry_the_workload_params(tmp_path: Path) -> None:
    cfg = load_config(with_params(redteam_helpers.write_config(tmp_path, "sqlite:///unused.db")))
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    old, new = ScriptedProvider("old"), ScriptedProvider("new")
    await run_redteam(
        cfg, store, RedteamJob("support", suite="leak", limit=2), providers={"old": old, "new": new}
    )
    for provider in (old, new):
        assert provider.calls
        for call in provider.calls:
            assert call.body["response_format"] == FORMAT and call.body["max_tokens"] == 12
            assert call.body["temperature"] == 0.0
    store.close()


@pytest.mark.parametrize("key", ["model", "messages", "stream", "temperature", "tools"])
def test_params_that_swapsafe_sets_itself_are_refused(tmp_path: Path, key: str) -> None:
    path = evals_helpers.write_config(tmp_path, "sqlite:///unused.db")
    with_params(path, f'params = {{ {key} = "x" }}\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert key in str(err.value) and "params" in str(err.value)
