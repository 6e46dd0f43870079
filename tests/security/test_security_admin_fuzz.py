"""schemathesis against the admin API's own OpenAPI spec: no generated request gets a 5xx."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from tests.gateway.harness import ADMIN_TOKEN, ENV, write_config

from swapsafe.admin.routing import OPENAPI
from swapsafe.config import load_config
from swapsafe.serve import create_gateway_app

schema = schemathesis.openapi.from_dict(OPENAPI)


@pytest.fixture(scope="module")
def admin_app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    cfg = load_config(write_config(tmp), env=ENV)
    app = create_gateway_app(cfg)
    app.state.runtime.start()
    yield app
    import asyncio

    asyncio.run(app.state.runtime.aclose())


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_admin_api_never_5xx(case, admin_app) -> None:  # type: ignore[no-untyped-def]
    for headers in ({"authorization": f"Bearer {ADMIN_TOKEN}"}, {}):
        response = case.call(app=admin_app, headers=headers)
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)
        if not headers:  # without the token nothing succeeds (405: method not routed at all)
            assert response.status_code in (401, 405), response.status_code
