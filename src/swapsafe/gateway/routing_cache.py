"""The gateway's in-memory copy of routing state, kept fresh by store change notifications.

The request path reads a dict; it never touches the store. A background listener (PostgreSQL
LISTEN/NOTIFY with polling fallback, or polling on SQLite) reloads the states on every change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from swapsafe.store.protocol import Store
from swapsafe.store.records import RoutingState

log = logging.getLogger("swapsafe.routing")


class RoutingCache:
    def __init__(self, store: Store, workloads: Iterable[str]) -> None:
        self.store = store
        self.workloads = list(workloads)
        self._states: dict[str, RoutingState] = {}
        self._lock = threading.Lock()
        self._stop: Callable[[], None] | None = None
        self.reloads = 0
        self.reload()

    def get(self, workload: str) -> RoutingState:
        state = self._states.get(workload)
        return state if state is not None else RoutingState(workload=workload)

    def all(self) -> dict[str, RoutingState]:
        return {w: self.get(w) for w in self.workloads}

    def reload(self) -> None:
        with self._lock:
            try:
                states = self.store.get_routing_states()
            except Exception as exc:  # keep serving with the last known state
                log.warning("routing: cannot reload state (%s); keeping the last known", exc)
                return
            self._states = states  # one reference swap: readers never see a half-built dict
            self.reloads += 1

    def start(self) -> None:
        if self._stop is None:
            self._stop = self.store.listen_routing_changes(self.reload)
            self.reload()  # a change between the first load and the subscription is not lost

    def close(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None
