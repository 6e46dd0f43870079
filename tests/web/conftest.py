"""Web fixtures: a config + store with seeded shadow pairs, the live app, headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from swapsafe.config import Config
from swapsafe.store import open_store
from swapsafe.store.protocol import Store
from swapsafe.web.app import create_web_app
from tests.web.web_helpers import (
    CHROMIUM,
    REVIEWER_TOKEN,
    LiveServer,
    launch_browser,
    make_config,
)


@pytest.fixture
def web_config(tmp_path: Path) -> Config:
    return make_config(tmp_path / "project")


@pytest.fixture
def web_store(web_config: Config) -> Iterator[Store]:
    store = open_store(web_config.store.url)
    yield store
    store.close()


@pytest.fixture
def live(web_config: Config, web_store: Store) -> Iterator[LiveServer]:
    """The web UI (admin token from the config, one reviewer token) on a loopback port."""
    app = create_web_app(web_config, store=web_store, reviewer_tokens=[REVIEWER_TOKEN])
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
    """A fresh browser context (no cookies) whose dialogs are recorded in ``page.dialogs``."""
    context = browser.new_context()
    pg = context.new_page()
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.dialogs = dialogs
    yield pg
    context.close()
