"""Rollout: canary steps driven by a controller that compares cohorts against the triggers.

Pure parts: ``state`` (transitions), ``analysis`` (cohort comparison). I/O parts: ``controller``
(store + routing + notifications), ``lock`` (one active controller), ``rehearsal``, ``retention``.
"""
