"""An append-only local journal of trace rows: what a ``kill -9`` or power loss cannot take.

The recorder's journal thread appends every recorded row here in batches (one write and one
fsync per batch, every ``[store] journal_interval``) before the writer sends it to the store.
The journal is cut in segments; a segment is deleted once every row in it is settled
(written to the store, spilled or quarantined). Rows settle in the order they were recorded,
so "settled up to row N" is one number. After a crash the next gateway process replays the
dead process's segments (inserts are idempotent on ``request_id``, so rows that had reached
the store are not added twice).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from swapsafe.gateway.spillfiles import make_private_dir, open_private, write_all


class Journal:
    """Segments ``journal-<pid>-<start ns>-<n>.jsonl`` in ``directory``. One thread appends."""

    def __init__(
        self,
        directory: Path,
        *,
        segment_bytes: int = 8 << 20,
        settled_rotate_bytes: int = 1 << 20,
        fsync: bool = True,
    ) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        self.settled_rotate_bytes = settled_rotate_bytes
        self.fsync = fsync
        self._prefix = f"journal-{os.getpid()}-{time.time_ns()}-"
        self._n = 0
        self._fd: int | None = None
        self._path: Path | None = None
        self._size = 0
        #: rows appended so far (sequence number of the next row)
        self.appended = 0
        self._closed: list[tuple[Path, int]] = []  # full segments: (path, end sequence)

    @property
    def paths(self) -> list[Path]:
        """Every segment this journal still has on disk."""
        current = [self._path] if self._path is not None else []
        return [p for p, _ in self._closed] + current

    def append(self, data: bytes, rows: int) -> None:
        """Write ``rows`` rows (their JSON lines in ``data``) and fsync. Raises OSError."""
        if self._fd is None:
            self._open()
        assert self._fd is not None
        write_all(self._fd, data)
        if self.fsync:
            os.fdatasync(self._fd)
        self.appended += rows
        self._size += len(data)
        if self._size >= self.segment_bytes:
            self._rotate()

    def prune(self, settled: int) -> None:
        """Delete segments whose rows are all settled (``settled`` rows, oldest first)."""
        while self._closed and self._closed[0][1] <= settled:
            path, _ = self._closed.pop(0)
            path.unlink(missing_ok=True)
        if (
            self._fd is not None
            and settled >= self.appended
            and self._size >= self.settled_rotate_bytes
        ):
            self._rotate()  # everything in it is settled: start afresh rather than grow
            self.prune(settled)

    def close(self, *, remove: bool) -> None:
        """Close the current segment; ``remove`` deletes every segment (all rows settled)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if remove:
            for path in self.paths:
                path.unlink(missing_ok=True)
            self._closed.clear()
            self._path = None

    def _open(self) -> None:
        make_private_dir(self.directory)
        self._path = self.directory / f"{self._prefix}{self._n}.jsonl"
        self._n += 1
        self._fd = open_private(self._path)
        self._size = 0
        if self.fsync:  # the new name must survive a power loss too
            with contextlib.suppress(OSError):
                dir_fd = os.open(self.directory, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)

    def _rotate(self) -> None:
        assert self._fd is not None and self._path is not None
        os.close(self._fd)
        self._closed.append((self._path, self.appended))
        self._fd = None
        self._path = None
