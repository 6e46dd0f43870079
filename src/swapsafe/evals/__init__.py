"""Golden-set evaluation: datasets and importers, scorers (seam), the runner, statistics.

>>> run_id = await run_eval(config, store, "support", models=["gpt-4o", "sonnet"],
...                         cases=load_cases("golden/support.jsonl"), concurrency=8, tag=None)
"""
