"""The plan page in real headless Chromium: tick with a note, progress without reload, export."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.plan.plan_helpers import cli_app
from tests.web.web_helpers import (
    CHROMIUM,
    ENV,
    LiveServer,
    launch_browser,
    login,
    make_config,
    screenshot,
)
from typer.testing import CliRunner

from swapsafe.config import Config
from swapsafe.plan.export import strip_generated
from swapsafe.plan.service import PlanService
from swapsafe.store import open_store
from swapsafe.store.protocol import Store
from swapsafe.web.app import create_web_app

NOTE = 'pentest PT-42 <img src=x onerror="alert(1)">'


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path / "project")


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    s = open_store(config.store.url)
    yield s
    s.close()


@pytest.fixture
def live(config: Config, store: Store) -> Iterator[LiveServer]:
    PlanService(store, config).create(
        "gpt5-swap", from_model="old", to_model="new", workloads=["support", "summarize"]
    )
    with LiveServer(create_web_app(config, store=store)) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    with launch_browser() as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True)
    pg = context.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    context.close()


def test_tick_updates_progress_without_reload_and_export_matches_cli(
    live: LiveServer, page: Any, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(page, live.url)
    page.goto(f"{live.url}/plan")
    page.wait_for_url(f"{live.url}/plan/gpt5-swap")
    # item 3 (quality gate) is done by evidence: both workloads are configured
    assert page.text_content("#progress-overall-text") == "1/12 done (8%)"
    assert page.get_attribute("#progress-phase-2", "value") == "0"
    page.evaluate("window.__noReload = 'still here'")

    row = page.locator("#item-8")
    row.locator('input[name="note"]').fill(NOTE)
    row.locator('button[data-action="tick"]').click()
    expect(page.locator("#progress-overall-text")).to_have_text("2/12 done (17%)")
    assert page.evaluate("window.__noReload") == "still here"  # no page load happened
    assert page.get_attribute("#progress-phase-2", "value") == "1"
    assert page.text_content("#progress-phase-2-text") == "1/4 done"
    assert row.locator('[data-role="state"]').text_content() == "done"
    assert row.locator('[data-role="box"]').is_checked()
    assert "(manual)" in (row.locator('[data-role="status"]').text_content() or "")

    row.locator("summary").click()  # evidence + history expand
    history = row.locator('[data-role="history"] li').last
    assert history.is_visible()
    assert NOTE in (history.text_content() or "")  # shown as text, never as HTML
    screenshot(page, "plan-ticked")

    page.reload()
    assert page.text_content("#progress-overall-text") == "2/12 done (17%)"
    assert page.locator("#item-8 [data-role='state']").text_content() == "done"
    assert NOTE in (page.locator("#item-8 [data-role='note'] span").text_content() or "")
    assert page.locator("#item-8 img").count() == 0
    assert page.dialogs == []

    # an untick without a note is refused in place
    page.locator("#item-8 button[data-action='untick']").click()  # note input is required
    assert page.text_content("#progress-overall-text") == "2/12 done (17%)"

    with page.expect_download() as info:
        page.click("#export")
    download = info.value
    assert download.suggested_filename.startswith("plan-gpt5-swap-")
    web_md = Path(download.path()).read_text(encoding="utf-8")

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli_app(), ["plan", "export", "-c", str(config.path)])
    assert result.exit_code == 0, result.output
    assert strip_generated(web_md) == strip_generated(result.output)
    assert "- [x] **8. Red-team**" in web_md
    assert "(manual)" in web_md and "pentest PT-42" in web_md
