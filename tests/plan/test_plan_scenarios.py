"""Migration scenarios, the cost projection, and the unknown-model message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.plan.plan_helpers import cli_app
from typer.testing import CliRunner

from swapsafe.config import config_from_dict
from swapsafe.exceptions import ConfigError
from swapsafe.plan.outlook import observed_volume, outlook
from swapsafe.plan.scenarios import Volume, classify, price_of, project, resolve_model
from swapsafe.store import open_store
from swapsafe.store.records import TraceRecord

runner = CliRunner()
NOW = datetime(2026, 12, 10, 12, tzinfo=UTC)


def keys(old: str, new: str) -> list[str]:
    a, b = resolve_model(old, None), resolve_model(new, None)
    return [s.key for s in classify(a, b, price_of(a), price_of(b))]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("gpt-4o", "gpt-5", ["upgrade"]),
        ("claude-opus-4-1", "claude-sonnet-4-5", ["downsize", "partial_routing"]),
        ("gpt-4o", "gpt-4o-mini", ["downsize", "partial_routing"]),
        ("gpt-5", "claude-sonnet-4-5", ["cross_vendor"]),
        ("claude-sonnet-4-5", "gpt-4o-mini", ["cross_vendor", "downsize", "partial_routing"]),
        ("llama-3.1-70b", "qwen3-8b", ["cross_vendor"]),  # unpriced: names decide
    ],
)
def test_classify_pairs(old: str, new: str, expected: list[str]) -> None:
    assert keys(old, new) == expected


def test_projection_at_a_given_volume() -> None:
    p = project(
        resolve_model("gpt-4o", None),
        resolve_model("claude-sonnet-4-5", None),
        Volume(10_000, 1000, 200),
    )
    assert p.old_per_day == pytest.approx(45.0)
    assert p.new_per_day == pytest.approx(60.0)
    assert p.delta_percent == pytest.approx(100 / 3)
    assert "+15.00 USD/day, +450 USD/30 days (+33%)" in p.line()


def test_unknown_model_names_the_price_override() -> None:
    with pytest.raises(ConfigError) as info:
        project(resolve_model("gpt-4o", None), resolve_model("my-finetune", None), Volume(1, 1, 1))
    assert str(info.value) == (
        "no price known for model 'my-finetune' (upstream 'my-finetune'); add "
        "[models.my-finetune.price] input = ..., output = ... (USD per million tokens) "
        "to swapsafe.toml"
    )


def test_configured_price_override_wins(tmp_path: Path) -> None:
    cfg = config_from_dict(
        {
            "models": {
                "local": {
                    "provider": "openai-compatible",
                    "base_url": "http://127.0.0.1:8000/v1",
                    "model": "qwen3-8b",
                    "price": {"input": 0.1, "output": 0.2},
                },
            }
        },
        path=tmp_path / "swapsafe.toml",
    )
    p = project(resolve_model("gpt-4o", cfg), resolve_model("local", cfg), Volume(1000, 1000, 1000))
    assert p.new_per_day == pytest.approx(1000 * (1000 * 0.1 + 1000 * 0.2) / 1e6)
    assert resolve_model("local", cfg).vendor == "qwen"


def _trace(i: int, model: str, hours_ago: float, workload: str = "support") -> TraceRecord:
    return TraceRecord(
        request_id=f"r{i}-{model}",
        pair_id=f"p{i}",
        ts=NOW - timedelta(hours=hours_ago),
        workload=workload,
        role="served",
        model=model,
        provider="openai",
        status="ok",
        input_tokens=900 + i % 3 * 100,
        output_tokens=200,
    )


def test_observed_volume_from_the_last_7_days(store_url: str) -> None:
    store = open_store(store_url)
    try:
        assert observed_volume(store, NOW, models=["old"]) is None
        rows = [_trace(i, "old", hours_ago=1 + i * 8) for i in range(9)]  # spans 2.7 days
        rows.append(_trace(99, "old", hours_ago=24 * 8))  # older than the window
        rows.append(_trace(98, "other", hours_ago=2, workload="search"))
        store.insert_traces(rows)
        v = observed_volume(store, NOW, models=["old"])
        assert v is not None
        assert v.requests_per_day == pytest.approx(9 / ((1 + 8 * 8) / 24))
        assert v.input_tokens == pytest.approx(1000)
        assert v.output_tokens == 200
        assert v.source.startswith("observed: 9 requests in the last 2.7 days")
        by_workload = observed_volume(store, NOW, workloads=["support", "search"])
        assert by_workload is not None and by_workload.source.startswith("observed: 10 requests")
        look = outlook(
            store, None, from_model="gpt-4o", to_model="gpt-5", now=NOW, workloads=["support"]
        )
        assert look.projection is not None and look.problem is None
    finally:
        store.close()


def test_observed_volume_of_busy_traffic_is_the_rate_of_its_newest_traces(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the trace cap (10,000; 4 here) the rate is the newest traces over their own span:
    the page reads a few rows, not a week of a busy store."""
    import swapsafe.plan.outlook as outlook_module

    monkeypatch.setattr(outlook_module, "_RATE_TRACES", 4)
    store = open_store(store_url)
    try:
        # one call every 3 hours for 2 days: 8 per day
        store.insert_traces([_trace(i, "old", hours_ago=3 * i + 3) for i in range(16)])
        v = observed_volume(store, NOW, models=["old"])
        assert v is not None
        assert v.requests_per_day == pytest.approx(4 / (12 / 24))  # newest 4 span 12 hours
        assert v.source == "observed: 4 requests in the last 0.5 days"
    finally:
        store.close()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(cli_app(), list(args))
    return result.exit_code, result.output


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SWAPSAFE_CONFIG", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # Rich reads it when printing
    return tmp_path


def test_scenarios_cli_lists_the_four_scenarios(here: Path) -> None:
    code, out = run("scenarios")
    assert code == 0, out
    for title in (
        "Same-family upgrade",
        "Bigger -> smaller",
        "Cross-vendor swap",
        "confidence gate",
    ):
        assert title in out


def test_scenarios_cli_projects_a_given_volume(here: Path) -> None:
    code, out = run(
        "scenarios",
        "--from",
        "gpt-4o",
        "--to",
        "claude-sonnet-4-5",
        "--requests-per-day",
        "10000",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "200",
    )
    assert code == 0, out
    flat = " ".join(out.split())
    assert "gpt-4o → claude-sonnet-4-5 (openai → anthropic): cross-vendor swap" in flat
    assert "tool-call diffing" in flat
    assert "$45.00/day on gpt-4o -> $60.00/day on claude-sonnet-4-5" in flat


def test_scenarios_cli_unknown_model_exits_2_with_the_hint(here: Path) -> None:
    code, out = run(
        "scenarios",
        "--from",
        "gpt-4o",
        "--to",
        "my-finetune",
        "--requests-per-day",
        "10",
        "--input-tokens",
        "10",
        "--output-tokens",
        "10",
    )
    assert code == 2
    assert "[models.my-finetune.price] input = ..., output = ..." in " ".join(out.split())
    assert "Traceback" not in out


def test_scenarios_cli_without_traffic_asks_for_a_volume(here: Path) -> None:
    code, out = run("scenarios", "--from", "gpt-4o", "--to", "gpt-5")
    assert code == 2
    assert "no traffic in the last 7 days" in " ".join(out.split())
    code, out = run("scenarios", "--from", "gpt-4o", "--to", "gpt-5", "--requests-per-day", "5")
    assert code == 2 and "give all three" in out


def test_plan_show_includes_the_projection(here: Path) -> None:
    store = open_store(f"sqlite:///{here / 'swapsafe.db'}")
    now = datetime.now(UTC)
    store.insert_traces(
        [
            TraceRecord(
                f"r{i}",
                f"p{i}",
                now - timedelta(hours=i + 1),
                "support",
                "served",
                "gpt-4o",
                "openai",
                "ok",
                input_tokens=1000,
                output_tokens=200,
            )
            for i in range(24)
        ]
    )
    store.close()
    assert (
        run("plan", "new", "m", "--from", "gpt-4o", "--to", "gpt-5", "--workloads", "support")[0]
        == 0
    )
    code, out = run("plan", "show")
    assert code == 0, out
    flat = " ".join(out.split())
    assert "Same-family upgrade" in flat
    assert "Projected cost:" in flat and "on gpt-5" in flat
    code, md = run("plan", "export")
    assert "- **Projected cost:** $" in md
    assert "observed: 24 requests" in md
