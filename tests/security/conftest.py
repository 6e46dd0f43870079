import pytest
from tests.gateway.harness import harness, make_harness  # noqa: F401  (fixtures)


@pytest.fixture(params=["asgi", "socket"])
def harness_transport(request: pytest.FixtureRequest) -> str:
    """Every gateway test runs in process (ASGI) and over a socket (the gateway's protocol)."""
    return str(request.param)
