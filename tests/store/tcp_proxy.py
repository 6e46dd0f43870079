"""A :class:`~swapsafe.testing.FaultyTcpProxy` in front of the PostgreSQL server of a URL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import make_url

from swapsafe.testing import FaultyTcpProxy
from swapsafe.testing.tcp_proxy import Mode


def via(proxy: FaultyTcpProxy, url: str) -> str:
    """``url`` with its host and port replaced by the proxy's."""
    u = make_url(url).set(host="127.0.0.1", port=proxy.port)
    return u.render_as_string(hide_password=False)


@contextlib.contextmanager
def proxy_for(url: str, mode: Mode = "forward") -> Iterator[tuple[FaultyTcpProxy, str]]:
    """A proxy in front of the PostgreSQL server of ``url``, and ``url`` through it."""
    u = make_url(url)
    with FaultyTcpProxy((u.host or "127.0.0.1", u.port or 5432), mode) as proxy:
        yield proxy, via(proxy, url)
