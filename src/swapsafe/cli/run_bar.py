"""The live progress bar of ``eval run`` and ``redteam run``, and their clean interruption:
Ctrl-C or SIGTERM keeps what finished, prints how to resume, and exits 130."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from swapsafe.cli.common import sigterm_cancels
from swapsafe.cli.output import err
from swapsafe.evals.engine import Snapshot

R = TypeVar("R")


class RunBar:
    """A run's bar: pairs done / total, a label (rates so far) and the ETA."""

    def __init__(
        self,
        progress: Progress,
        label: Callable[[Any], str],
        completed: Callable[[Any], int] = lambda s: s.done,
    ) -> None:
        self.progress = progress
        self.label = label
        self.completed = completed
        self.task: TaskID | None = None
        self.run_id: int | None = None

    def start(self, snapshot: Snapshot[Any]) -> None:
        self.run_id = snapshot.run_id
        self.task = self.progress.add_task(
            self.label(snapshot), total=snapshot.total, completed=snapshot.done
        )

    def advance(self, snapshot: Snapshot[Any]) -> None:
        if self.task is not None:
            self.progress.update(
                self.task, completed=self.completed(snapshot), description=self.label(snapshot)
            )


def run_with_bar(
    bar: Callable[[Progress], RunBar],
    start: Callable[[RunBar], Awaitable[R]],
    *,
    kept: str,
    command: str,
) -> R:
    """``start(view)`` under a live bar; on Ctrl-C or SIGTERM says which run keeps its
    ``kept`` rows and how to resume it with ``swapsafe COMMAND run --resume``, then exits 130."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=False) as progress:
        view = bar(progress)

        async def main() -> R:
            task = asyncio.current_task()
            assert task is not None
            with sigterm_cancels(task):
                return await start(view)

        try:
            return asyncio.run(main())
        except (KeyboardInterrupt, asyncio.CancelledError):
            progress.stop()
            which = f"run {view.run_id}" if view.run_id else "the run"
            err.print(
                f"[yellow]interrupted; finished {kept} of {which} are kept. "
                f"Resume with: swapsafe {command} run --resume {view.run_id}[/]"
            )
            raise typer.Exit(130) from None
