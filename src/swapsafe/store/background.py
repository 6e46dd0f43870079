"""Background threads that must not delay the event loop serving requests.

A gateway worker often has one core. Its trace writer and routing poll share that core with
the event loop, and the kernel (EEVDF since Linux 6.6) lets a running thread finish its slice
before a request that just arrived gets the core: a batch insert then adds milliseconds to
that request. Two tools, both per thread and Linux only (elsewhere they do nothing):

- :func:`lower_this_thread`: nice 19, for threads that need little CPU (routing poll);
- :class:`IdlePriority`: the ``SCHED_IDLE`` policy, which any runnable request preempts at once,
  for the trace writer. A starved writer must be able to catch up, so it is used only where
  the process may switch the thread back to normal priority (``CAP_SYS_NICE``, or
  ``RLIMIT_NICE`` >= 20): the writer is raised again while its backlog is long.
"""

from __future__ import annotations

import os
import resource
import sys
import threading
from pathlib import Path

#: niceness of light background threads
BACKGROUND_NICE = 19
_CAP_SYS_NICE = 23
_LINUX = sys.platform.startswith("linux")


def lower_this_thread() -> bool:
    """Give the calling thread nice 19 (Linux); True if it took."""
    if not _LINUX:
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
    except OSError:
        return False
    return True


def may_leave_idle_policy() -> bool:
    """Whether this process can move a thread from SCHED_IDLE back to SCHED_OTHER."""
    if not _LINUX:
        return False
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NICE)
        if soft == resource.RLIM_INFINITY or soft >= 20:
            return True
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) >> _CAP_SYS_NICE & 1)
    except (OSError, ValueError):
        pass
    return False


class IdlePriority:
    """Switches one thread between SCHED_IDLE and normal priority, from any thread."""

    def __init__(self) -> None:
        self.enabled = may_leave_idle_policy()
        self.tid: int | None = None
        self.idle = False

    def attach(self) -> None:
        """Called by the thread to manage; it starts idle."""
        self.tid = threading.get_native_id()
        self.set(idle=True)

    def set(self, *, idle: bool) -> None:
        if not self.enabled or self.tid is None or idle == self.idle:
            return
        policy = os.SCHED_IDLE if idle else os.SCHED_OTHER
        try:
            os.sched_setscheduler(self.tid, policy, os.sched_param(0))
        except OSError:  # the thread ended, or the permission went away: stop trying
            self.enabled = False
            return
        self.idle = idle
