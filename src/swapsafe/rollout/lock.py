"""Exactly one active rollout controller across replicas: the store's leader lock for the
``controller`` role (:mod:`swapsafe.store.leader`, shared with the nightly scheduler)."""

from swapsafe.store.leader import ControllerLock, FileLock, PgAdvisoryLock, controller_lock

__all__ = ["ControllerLock", "FileLock", "PgAdvisoryLock", "controller_lock"]
