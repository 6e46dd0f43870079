"""The gateway's in-memory copy of routing state, kept fresh by store change notifications.

The request path reads a dict; it never touches the store. A background listener (PostgreSQL
LISTEN/NOTIFY with polling fallback, or polling on SQLite) reloads the states on every change.

Every state read from the store is also saved to a local file (``.swapsafe/routing-state.json``
next to the config, written atomically, only when it changed). A gateway that starts while the
store is unreachable serves with that file's states: never more candidate traffic than the last
state this machine saw. With no file (or one saved for another store URL), every workload
serves its baseline, no canary, no shadow: the state of a workload nobody has changed yet.
``source`` says which of ``store``, ``saved file`` or ``defaults`` the states came from; on
reconnection :meth:`refresh` reads the store before it is reported up, so a rollback written
while this process was cut off is obeyed at once.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import typing
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from swapsafe.store.protocol import Store
from swapsafe.store.records import Mode, RoutingState

log = logging.getLogger("swapsafe.routing")

_MODES: tuple[Mode, ...] = typing.get_args(Mode)


def saved_states(
    path: Path, store_url: str, workloads: Iterable[str]
) -> tuple[dict[str, RoutingState], str]:
    """The states saved in ``path`` for ``store_url``, and when; ({}, why not) when unusable."""
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return {}, "no saved routing state"
    except (OSError, orjson.JSONDecodeError) as exc:
        return {}, f"unreadable saved routing state ({type(exc).__name__})"
    if not isinstance(data, dict) or data.get("store") != store_url:
        return {}, "the saved routing state is for another store"
    raw = data.get("states")
    states: dict[str, RoutingState] = {}
    for name in workloads:
        state = _state(name, raw.get(name) if isinstance(raw, dict) else None)
        if state is not None:
            states[name] = state
    return states, f"saved at {data.get('saved_at', '?')}"


def _state(workload: str, raw: Any) -> RoutingState | None:
    """One saved state, or None (the workload then serves its baseline) when it is not valid."""
    if not isinstance(raw, dict):
        return None
    mode, weight, shadow, version = (raw.get(k) for k in ("mode", "weight", "shadow", "version"))
    if not isinstance(weight, int | float) or isinstance(weight, bool) or not 0 <= weight <= 100:
        return None
    if mode not in _MODES or not isinstance(shadow, bool):
        return None
    return RoutingState(
        workload=workload,
        mode=mode,
        weight=float(weight),
        shadow=shadow,
        version=version if isinstance(version, int) else 0,
    )


def save_states(path: Path, store_url: str, states: dict[str, RoutingState]) -> None:
    """Write the states atomically (a reader sees the old file or the new one, never half)."""
    body = {
        "store": store_url,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "states": {
            name: {k: v for k, v in dataclasses.asdict(s).items() if k != "updated_at"}
            for name, s in sorted(states.items())
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))
    os.replace(tmp, path)


class RoutingCache:
    def __init__(
        self, store: Store, workloads: Iterable[str], *, saved: Path | None = None
    ) -> None:
        self.store = store
        self.workloads = list(workloads)
        self.saved = saved  # the local file of the last states read from the store
        self._states: dict[str, RoutingState] = {}
        self._lock = threading.Lock()
        self._stop: Callable[[], None] | None = None
        self._saved_key: object = None
        self.reloads = 0
        self.source = "defaults"  # where the states in memory come from
        try:
            self.refresh()
        except Exception as exc:
            self._start_without_store(exc)

    def get(self, workload: str) -> RoutingState:
        state = self._states.get(workload)
        return state if state is not None else RoutingState(workload=workload)

    def all(self) -> dict[str, RoutingState]:
        return {w: self.get(w) for w in self.workloads}

    def refresh(self) -> None:
        """Read the states from the store (raises when it cannot) and save them locally."""
        with self._lock:
            states = self.store.get_routing_states()
            self._states = states  # one reference swap: readers never see a half-built dict
            self.source = "store"
            self.reloads += 1
            self._save(states)

    def reload(self) -> None:
        """``refresh`` for the change listener: on failure keep serving the last known state."""
        try:
            self.refresh()
        except Exception as exc:
            log.warning("routing: cannot reload state (%s); keeping the last known", exc)

    def _save(self, states: dict[str, RoutingState]) -> None:
        if self.saved is None:
            return
        key = sorted((n, s.mode, s.weight, s.shadow, s.version) for n, s in states.items())
        if key == self._saved_key:
            return
        try:
            save_states(self.saved, self.store.url, states)
        except OSError as exc:
            log.warning("routing: cannot save the routing state to %s: %s", self.saved, exc)
            return
        self._saved_key = key

    def _start_without_store(self, exc: Exception) -> None:
        if self.saved is None:
            log.warning("routing: no routing state (%s); serving every baseline", exc)
            return
        states, when = saved_states(self.saved, self.store.url, self.workloads)
        if states:
            self._states, self.source = states, "saved file"
            log.warning("routing: serving the routing state %s in %s", when, self.saved)
        else:
            log.warning("routing: %s: serving every baseline until the store answers", when)

    def start(self) -> None:
        if self._stop is None:
            self._stop = self.store.listen_routing_changes(self.reload)
            if self.source == "store":  # else the reconnection refreshes (StoreLink.on_connect)
                self.reload()  # a change between the first load and the subscription is not lost

    def close(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None
