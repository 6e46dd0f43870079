"""Golden-set evaluation: datasets and importers, scorers (seam), the runner, statistics.

>>> job = EvalJob("support", load_cases("golden/support.jsonl"), concurrency=8,
...               models=["gpt-4o", "sonnet"])
>>> run_id = await run_eval(config, store, job)
"""
