"""Probes: what a probe is, the registry of probe sets, and the bundled data."""

from swapsafe.redteam.probes.base import (
    CATEGORIES,
    CATEGORY_TITLES,
    SUITES,
    Category,
    Channel,
    Probe,
    suite_categories,
)
from swapsafe.redteam.probes.registry import bundled_probes, probe_set, probe_sets, select

__all__ = [
    "CATEGORIES",
    "CATEGORY_TITLES",
    "SUITES",
    "Category",
    "Channel",
    "Probe",
    "bundled_probes",
    "probe_set",
    "probe_sets",
    "select",
    "suite_categories",
]
