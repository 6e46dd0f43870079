"""Red-team probes against a workload's real system prompt: run, detect, report.

- :func:`swapsafe.redteam.runner.run_redteam` sends every probe to each model and stores
  findings (resumable).
- :func:`swapsafe.redteam.report.redteam_summary` gives per-category attack success rates with
  Wilson CIs and the regressions of the newest run (read by the gates).
"""
