"""What an import produced: the cases, the cases skipped as unsupported, and notes to show.

An importer either honours a construct with the same meaning or raises :class:`Unsupported`
naming the file, the case and the construct. With ``skip_unsupported`` the importer catches it
per case, records the line in ``skipped`` and goes on; without it the import stops there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from swapsafe.evals.cases import Case, DatasetError

T = TypeVar("T")


class Unsupported(DatasetError):
    """A construct swapsafe cannot run with the meaning it has in the source format."""

    def __init__(self, where: str, construct: str) -> None:
        super().__init__(f"{where}: unsupported: {construct}")
        self.where = where
        self.construct = construct


@dataclass
class ImportOutcome:
    cases: list[Case] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the source's own model ids (promptfoo providers), to map onto the workload's models
    providers: list[str] = field(default_factory=list)

    def attempt(self, skip_unsupported: bool, build: Callable[[], T]) -> T | None:
        """``build()``; an Unsupported is re-raised, or recorded when skipping is on."""
        try:
            return build()
        except Unsupported as exc:
            if not skip_unsupported:
                raise
            self.skipped.append(str(exc))
            return None
