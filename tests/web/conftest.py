"""Web fixtures: a config + store with seeded shadow pairs, the live app, headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.web_helpers import (
    CHROMIUM,
    REVIEWER_TOKEN,
    LiveServer,
    launch_browser,
    make_config,
)

from swapsafe.config import Config
from swapsafe.gates.checks import evaluate_gates
from swapsafe.rollout.operations import GateCheck
from swapsafe.store import open_store
from swapsafe.store.protocol import Store
from swapsafe.web.app import create_web_app


@pytest.fixture
def web_config(tmp_path: Path) -> Config:
    return make_config(tmp_path / "project")


@pytest.fixture
def web_store(web_config: Config) -> Iterator[Store]:
    store = open_store(web_config.store.url)
    yield store
    store.close()


@pytest.fixture
def web_gates() -> GateCheck:
    """The gate check of the live app: the real one (a test module may override this)."""
    return evaluate_gates


@pytest.fixture
def live(web_config: Config, web_store: Store, web_gates: GateCheck) -> Iterator[LiveServer]:
    """The web UI (admin token from the config, one reviewer token) on a loopback port."""
    app = create_web_app(
        web_config, store=web_store, reviewer_tokens=[REVIEWER_TOKEN], gates=web_gates
    )
    with LiveServer(app) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed (apt-get install chromium chromium-driver)")
    with launch_browser() as b:
        yield b


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies). Dialogs are recorded in ``page.dialogs`` and
    dismissed, unless the test sets ``page.accept_dialogs = True``."""
    context = browser.new_context()
    pg = context.new_page()
    dialogs: list[str] = []
    pg.accept_dialogs = False

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        if pg.accept_dialogs:
            dialog.accept()
        else:
            dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.dialogs = dialogs
    yield pg
    context.close()
