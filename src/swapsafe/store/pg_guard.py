"""PostgreSQL connections that never wait forever for the server (psycopg 3, optional)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg


class GuardedConnection(psycopg.Connection[Any]):
    """A psycopg connection that waits at most ``answer_timeout`` s for the server each time.

    On a timeout the connection is closed (its state is unknown) and OperationalError raised,
    so SQLAlchemy drops it from the pool like any lost connection.
    """

    answer_timeout: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        limit = self.answer_timeout if timeout is None else timeout
        try:
            return super().wait(gen, interval, limit)
        except _WAIT_TIMEOUT:
            if timeout is not None:  # psycopg's own limit (a cancel, a close): its to handle
                raise
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the server did not answer within {limit:g} s (timed out)"
            ) from None


_WAIT_TIMEOUT: type[Exception] = getattr(psycopg.errors, "_WaitTimeout", psycopg.OperationalError)


def guarded_connect(answer_timeout: float) -> Callable[..., Any]:
    def connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> GuardedConnection:
        conn = GuardedConnection.connect(*cargs, **cparams)
        conn.answer_timeout = answer_timeout
        return conn

    return connect
