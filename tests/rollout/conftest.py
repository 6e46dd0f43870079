from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.gateway.harness import harness, harness_transport, make_harness  # noqa: F401

from swapsafe.store import SqlStore, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[SqlStore]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()


from tests.web.conftest import (  # noqa: E402,F401
    browser,
    live,
    page,
    web_config,
    web_gates,
    web_store,
)
