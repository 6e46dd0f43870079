from tests.gateway.harness import harness, make_harness  # noqa: F401  (fixtures)
