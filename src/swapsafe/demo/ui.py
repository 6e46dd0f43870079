"""What the demo shows while it runs: phase headers, steps, progress bars and elapsed time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)


class Advance(Protocol):
    """Moves a progress bar on by ``n`` (default 1)."""

    def __call__(self, n: int = 1) -> None: ...


def fmt_seconds(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s"


class DemoUI:
    """Console output of one demo run; every line carries the elapsed time of the whole run."""

    def __init__(
        self, console: Console | None = None, *, clock: Callable[[], float] = time.monotonic
    ):
        self.console = console or Console(highlight=False)
        self._clock = clock
        self.started = clock()
        self.phase_started = self.started

    def elapsed(self) -> float:
        return self._clock() - self.started

    def _stamp(self) -> str:
        return f"[dim]{fmt_seconds(self.elapsed()):>7}[/]"

    def title(self, text: str) -> None:
        self.console.rule(f"[bold]{escape(text)}[/]")

    def phase(self, number: int, total: int, title: str) -> None:
        self.phase_started = self._clock()
        self.console.print()
        self.console.print(
            f"{self._stamp()} [bold cyan]Phase {number}/{total}[/] [bold]{escape(title)}[/]"
        )

    def step(self, text: str) -> None:
        self.console.print(f"{self._stamp()}   [green]✓[/] {escape(text)}")

    def info(self, text: str) -> None:
        self.console.print(f"{self._stamp()}     {escape(text)}")

    def warn(self, text: str) -> None:
        self.console.print(f"{self._stamp()}   [yellow]![/] {escape(text)}")

    def skipped(self, text: str) -> None:
        self.console.print(f"{self._stamp()}   [yellow]skipped:[/] {escape(text)}")

    def failed(self, text: str) -> None:
        self.console.print(f"{self._stamp()}   [red]failed:[/] {escape(text)}")

    def phase_done(self) -> None:
        took = fmt_seconds(self._clock() - self.phase_started)
        self.console.print(f"{self._stamp()}   [dim]phase took {took}[/]")

    @contextmanager
    def progress(self, description: str, total: int) -> Iterator[Advance]:
        """A progress bar; yields ``advance(n=1)``."""
        with Progress(
            SpinnerColumn(),
            TextColumn("  {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        ) as bar:
            task = bar.add_task(escape(description), total=total)

            def advance(n: int = 1) -> None:
                bar.advance(task, n)

            yield advance
