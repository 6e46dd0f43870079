"""Human review of shadow pairs: agreement metrics, sampling, verdicts, results, export."""
