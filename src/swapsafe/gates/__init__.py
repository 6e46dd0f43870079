"""The quality gates: pure checks (``checks``, ``redteam``), their result type (``result``) and
the evidence they judge, read from the store (``evidence``). One rule per verdict: the plan,
the report, the rollout, the web UI and the CLI all call
:func:`swapsafe.gates.checks.evaluate_gates`."""
