"""The probe seam: named probe sets, each a decorated factory returning probes.

Built-in sets load the bundled data files (``probes/data/``); a plugin adds a set the same way::

    from swapsafe.redteam.probes import Probe, probe_set

    @probe_set("acme-billing")
    def acme_billing() -> list[Probe]:
        return [Probe(id="acme.refund", category="injection", prompt="...", expect=("OK-1",),
                      source="acme-billing")]

A set's name is the data source its probes declare (``Probe.source``), the name listed in the
NOTICE file for bundled data.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable, Sequence

from swapsafe.redteam.probes.base import CATEGORIES, Category, Probe

ProbeFactory = Callable[[], Iterable[Probe]]

_SETS: dict[str, ProbeFactory] = {}
_BUILTINS = ("swapsafe.redteam.probes.builtin",)


def probe_set(name: str) -> Callable[[ProbeFactory], ProbeFactory]:
    """Register ``factory`` as the probe set ``name`` (a later registration replaces it)."""

    def decorate(factory: ProbeFactory) -> ProbeFactory:
        _SETS[name] = factory
        bundled_probes.cache_clear()
        return factory

    return decorate


def _load_builtins() -> None:
    for module in _BUILTINS:
        importlib.import_module(module)


def probe_sets() -> dict[str, ProbeFactory]:
    """Every registered set by name (built-ins included)."""
    _load_builtins()
    return dict(_SETS)


@functools.cache
def bundled_probes() -> tuple[Probe, ...]:
    """Every registered set's probes, in category order; ids are unique."""
    seen: dict[str, str] = {}
    by_category: dict[str, list[Probe]] = {c: [] for c in CATEGORIES}
    for name, factory in probe_sets().items():
        for probe in factory():
            if probe.id in seen:
                raise ValueError(
                    f"probe id {probe.id!r} of set {name!r} is also in set {seen[probe.id]!r}"
                )
            seen[probe.id] = name
            by_category[probe.category].append(probe)
    return tuple(p for c in CATEGORIES for p in by_category[c])


def select(
    probes: Sequence[Probe], categories: Iterable[Category], limit: int | None = None
) -> list[Probe]:
    """The probes of ``categories`` in order; with ``limit``, the first N of each category."""
    wanted = list(categories)
    out: list[Probe] = []
    for category in wanted:
        chosen = [p for p in probes if p.category == category]
        out.extend(chosen[:limit] if limit else chosen)
    return out
