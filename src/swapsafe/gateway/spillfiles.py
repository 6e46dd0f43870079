"""The recorder's local files: spill, journal and quarantine files of trace rows (JSON lines).

Every file is created 0600 (rows hold request and response bodies). Names carry the pid of
the process that owns them, so a restarted gateway can claim the files of processes that are
gone (crash, ``kill -9``) while leaving a live sibling worker's files alone:

- ``spill-<pid>.jsonl``: rows moved out of memory (store down, or unwritten at shutdown);
- ``journal-<pid>-<n>.jsonl``: every row, appended as it is recorded (see ``journal.py``);
- ``quarantine-<pid>.jsonl``: rows the store refused, one ``{"row", "error"}`` per line;
- ``<file>.replay-<pid>-<ns>`` and ``orphan-<pid>-<ns>.claim``: files being replayed.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from swapsafe.store.records import TraceRecord

log = logging.getLogger("swapsafe.recorder")

#: glob patterns of the files a restarted process may claim from a dead one
ORPHAN_PATTERNS = ("spill-*.jsonl", "journal-*.jsonl", "*.replay-*", "orphan-*.claim")
_SURROGATE = re.compile("[\ud800-\udfff]")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_pid(name: str) -> int | None:
    """The pid of the process that owns a spill/journal/replay/claim file, from its name."""
    if ".replay-" in name:
        token = name.split(".replay-", 1)[1].split("-", 1)[0]
    elif name.startswith(("spill-", "orphan-", "journal-")):
        token = name.split("-", 1)[1].split("-", 1)[0].split(".", 1)[0]
    else:
        return None
    return int(token) if token.isdigit() else None


def _clean(value: Any) -> Any:
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def row_to_json(row: TraceRecord) -> bytes:
    """One JSON line (with its newline); text UTF-8 cannot encode is replaced, not fatal."""
    try:
        return orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate, a value of an odd type
        data = {k: _clean(v) for k, v in dataclasses.asdict(row).items()}
        return orjson.dumps(data, option=orjson.OPT_APPEND_NEWLINE, default=str)


def rows_to_json(rows: Iterable[TraceRecord]) -> bytes:
    return b"".join(row_to_json(r) for r in rows)


def row_from_json(line: bytes) -> TraceRecord:
    data = orjson.loads(line)
    data["ts"] = datetime.fromisoformat(data["ts"])
    return TraceRecord(**data)


def read_rows(path: Path) -> list[TraceRecord]:
    """The rows of a JSON-lines file; an unreadable line (a torn last write) is skipped."""
    rows: list[TraceRecord] = []
    skipped = 0
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                try:
                    rows.append(row_from_json(line))
                except (ValueError, TypeError, KeyError):
                    skipped += 1
    if skipped:
        log.error("recorder: skipped %d unreadable row(s) in %s", skipped, path.name)
    return rows


def make_private_dir(directory: Path) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)


def open_private(path: Path) -> int:
    """A file descriptor appending to ``path``, created 0600 if it does not exist."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def append_private(path: Path, data: bytes) -> None:
    """Append ``data`` to ``path`` (0600) and fsync it. Raises OSError."""
    make_private_dir(path.parent)
    fd = open_private(path)
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def quarantine_line(row: TraceRecord, error: str) -> bytes:
    row_json = row_to_json(row).rstrip(b"\n")
    return b'{"row":' + row_json + b',"error":' + orjson.dumps(error) + b"}\n"


def claim_orphans(directory: Path, own: Iterable[Path]) -> list[Path]:
    """Rename the files of dead processes to claims of this one (atomic: one claimant each)."""
    if not directory.is_dir():
        return []
    mine = set(own)
    candidates = sorted({p for pattern in ORPHAN_PATTERNS for p in directory.glob(pattern)})
    claimed: list[Path] = []
    for path in candidates:
        if path in mine:
            continue
        owner = owner_pid(path.name)
        if owner is not None and (owner == os.getpid() or alive(owner)):
            continue
        claim = path.with_name(f"orphan-{os.getpid()}-{time.time_ns()}.claim")
        try:
            os.replace(path, claim)
        except OSError:
            continue
        claimed.append(claim)
    return claimed
