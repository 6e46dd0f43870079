"""Rollout and routing states in words, for every view (CLI, web pages): one place, so no
page shows an enum name (``rolled_back``) or a weight that does not apply (``0%``)."""

from __future__ import annotations

from typing import Any

_STATUS = {
    "none": "no rollout",
    "running": "running",
    "paused": "paused",
    "done": "done",
    "rolled_back": "rolled back",
    "aborted": "aborted",
}


def status_words(status: str) -> str:
    return _STATUS.get(status, status.replace("_", " "))


def routing_words(routing: dict[str, Any]) -> str:
    """``baseline only``, ``shadow (baseline serves)``, ``canary 10 %``, ``candidate serves
    100 %``, ``rolled back (baseline serves)``."""
    mode, weight = routing.get("mode"), float(routing.get("weight") or 0.0)
    shadow = " + shadow" if routing.get("shadow") and mode != "shadow" else ""
    if mode == "canary":
        return f"canary {weight:g} % to the candidate{shadow}"
    if mode == "promoted":
        return f"candidate serves 100 %{shadow}"
    if mode == "rolled_back":
        return "rolled back: the baseline serves 100 %"
    if mode == "shadow":
        return "shadow: the baseline serves, the candidate runs alongside"
    return f"baseline serves 100 %{shadow}"
