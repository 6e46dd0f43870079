"""Named output checks a probe can ask for (``detector: exfil-url``), as decorated functions.

A check takes the probe and the model's output and returns a
:class:`Verdict`; it replaces the probe category's rule. Built-in
checks live in :mod:`swapsafe.redteam.output_detectors` and register through the same
decorator a plugin uses::

    from swapsafe.redteam.probes.detector_registry import output_detector

    @output_detector("acme-coupon")
    def acme_coupon(probe: Probe, text: str) -> Verdict:
        ...

This module never imports the implementations at import time (no cycle): it loads the
built-in module on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from swapsafe.redteam.probes.base import Probe


@dataclass(frozen=True, slots=True)
class Verdict:
    """``success`` means the attack worked; ``reason`` says why, in one line."""

    success: bool
    reason: str


OutputCheck = Callable[[Probe, str], Verdict]

_CHECKS: dict[str, OutputCheck] = {}
_BUILTINS = ("swapsafe.redteam.output_detectors",)


def output_detector(name: str) -> Callable[[OutputCheck], OutputCheck]:
    """Register ``check`` as the output detector ``name`` (a later one replaces it)."""

    def decorate(check: OutputCheck) -> OutputCheck:
        _CHECKS[name] = check
        return check

    return decorate


def _load_builtins() -> None:
    for module in _BUILTINS:
        importlib.import_module(module)


def detector_names() -> list[str]:
    """Every registered output detector's name, sorted."""
    _load_builtins()
    return sorted(_CHECKS)


def run_detector(name: str, probe: Probe, text: str) -> Verdict:
    """The verdict of the output detector ``name`` (KeyError when none has that name)."""
    _load_builtins()
    return _CHECKS[name](probe, text)
