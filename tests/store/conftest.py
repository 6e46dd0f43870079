from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from swapsafe.store import SqlStore, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def wait_for() -> Callable[..., bool]:
    return _wait_for
