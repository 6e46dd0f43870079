"""Read deadlines and header bounds for uvicorn's httptools protocol (gateway and web UI).

uvicorn waits forever for a request head or body that never completes (its only timer is the
keep-alive one, between requests), and its parser accepts any number and size of headers. Here:

- **read deadlines**: a request head must arrive within ``[gateway] header_timeout`` of its first
  byte (or of the connection opening), and its body within ``body_timeout`` of the end of the
  head. Past it the connection is closed, after a 408 when nothing was answered yet (plain text
  while the head is incomplete; the caller's wire format once the route is known). Time during
  which the server itself is not reading (back-pressure, a pipelined request waiting its turn, a
  body held until ``100 Continue``) does not count against the client. A connection that opened
  and never sent a byte is closed without an answer.
- **header bounds**: more than ``max_headers`` header lines or ``max_header_bytes`` of request
  line and headers get a 431 and a closed connection.

One timer per connection, not per request: each request moves a deadline (a float); the timer
fires at most once per timeout period, re-arms itself for the current deadline and acts only
when the deadline has really passed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from swapsafe.config import GatewayConfig
from swapsafe.gateway.errors import error_response, inbound_for_path

#: phases of the request being received (none: waiting on the server or between requests)
_NONE, _FIRST, _HEAD, _BODY = 0, 1, 2, 3
#: after a refusal, how long unread request bytes are drained before the connection is closed
#: (closing with unread bytes sends a TCP reset, which can destroy the refusal in flight)
LINGER = 2.0


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """The protocol's bounds, from ``[gateway]``."""

    header_timeout: float = 10.0
    body_timeout: float = 60.0
    max_header_bytes: int = 64 * 1024
    max_headers: int = 100

    @classmethod
    def from_config(cls, gw: GatewayConfig) -> HttpLimits:
        return cls(gw.header_timeout, gw.body_timeout, gw.max_header_bytes, gw.max_headers)


def find_limits(app: Any) -> HttpLimits:
    """The limits of an app: its ``http_limits``, or those of the config of the gateway inside
    it (found through ``.app`` / ``.gateway`` like the fast lane finds the gateway)."""
    stack = [app]
    for _ in range(16):
        if not stack:
            break
        node = stack.pop()
        limits = getattr(node, "http_limits", None)
        if isinstance(limits, HttpLimits):
            return limits
        gateway_config = getattr(getattr(node, "config", None), "gateway", None)
        if isinstance(gateway_config, GatewayConfig):
            return HttpLimits.from_config(gateway_config)
        stack += [c for c in (getattr(node, "app", None), getattr(node, "gateway", None)) if c]
    return HttpLimits()


class _HeadRefused(Exception):
    """Raised from a parser callback to stop parsing a request head that is too large."""


def plain_response(status: int, message: str, default_headers: bytes) -> bytes:
    body = message.encode()
    return b"".join(
        (
            STATUS_LINE[status],
            default_headers,
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body),
            body,
        )
    )


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with read deadlines and header bounds (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = find_limits(self.app)
        self._phase = _NONE
        self._deadline = 0.0
        self._deadline_timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0  # when the timer fires
        self._head_bytes = 0  # bytes fed while the current head was incomplete
        self._chunk = 0  # size of the chunk being parsed
        self._refusal: tuple[int, str] | None = None
        self._lingering = False

    # -- deadlines -------------------------------------------------------------------------------
    def _expect(self, phase: int, timeout: float) -> None:
        self._phase = phase
        deadline = self._deadline = self.loop.time() + timeout
        timer = self._deadline_timer
        if timer is None or self._timer_at > deadline:  # else it fires first and re-arms
            if timer is not None:
                timer.cancel()
            self._arm(deadline)

    def _arm(self, when: float) -> None:
        self._timer_at = when
        self._deadline_timer = self.loop.call_at(when, self._deadline_passed)

    def _timeout(self) -> float:
        limits = self.limits
        return limits.body_timeout if self._phase == _BODY else limits.header_timeout

    def _deadline_passed(self) -> None:
        self._deadline_timer = None
        if self._phase == _NONE or self.transport.is_closing():
            return
        now = self.loop.time()
        if now >= self._deadline and (self.flow.read_paused or self._held_by_us()):
            self._deadline = now + self._timeout()  # our wait, not the client's
        if now < self._deadline:
            self._arm(self._deadline)
            return
        if self._phase == _FIRST:
            self.transport.close()  # never sent a byte: nothing to answer
        elif self._phase == _HEAD:
            self._refuse(408, "the request head did not arrive in time")
        else:
            self._body_timed_out()

    def _held_by_us(self) -> bool:
        """A body the client holds back until the server says ``100 Continue``."""
        cycle: Any = self.cycle
        if self._phase != _BODY or cycle is None:
            return False
        return bool(
            getattr(cycle, "waiting_for_100_continue", False)
            or getattr(cycle, "expect_100_continue", False)
        )

    def _body_timed_out(self) -> None:
        cycle: Any = self.cycle
        message = "the request body did not arrive in time"
        if cycle is not None and not cycle.response_complete:
            answered = getattr(cycle, "answered", None)
            inbound = getattr(cycle, "inbound", None)
            if inbound is None:
                inbound = inbound_for_path(cycle.scope["path"])
            if not (answered() if answered is not None else cycle.response_started):
                response = error_response(inbound, 408, message, headers={"connection": "close"})
                head = [STATUS_LINE[408], self._default_head()]
                head += [b"%s: %s\r\n" % (k, v) for k, v in response.raw_headers]
                self.transport.write(b"".join([*head, b"\r\n", bytes(response.body)]))
            cycle.response_complete = cycle.disconnected = True  # the app writes nothing more
            cycle.message_event.set()  # a body reader waiting for more wakes and stops
        self._close_after_answer()

    def _default_head(self) -> bytes:
        return b"".join(b"%s: %s\r\n" % h for h in self.server_state.default_headers)

    def _refuse(self, status: int, message: str) -> None:
        """Answer a request that never reached the app, unless a response is in flight, and
        close the connection."""
        self._phase = _NONE
        cycle = self.cycle
        if not self.transport.is_closing():
            if cycle is None or cycle.response_complete:
                self.transport.write(plain_response(status, message, self._default_head()))
            self._close_after_answer()

    def _close_after_answer(self) -> None:
        """Send what was written, then read and drop what the client still sends for up to
        LINGER seconds (or until it closes), then close: a lingering close, so the answer is not
        lost to a TCP reset."""
        transport = self.transport
        if self._lingering or transport.is_closing():
            return
        if not transport.can_write_eof():
            transport.close()
            return
        self._lingering = True
        transport.write_eof()
        self.flow.resume_reading()
        self.loop.call_later(LINGER, transport.close)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect(_FIRST, self.limits.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._phase = _NONE
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
            self._deadline_timer = None
        super().connection_lost(exc)

    # -- parsing -----------------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # dropped: the connection is closing after a refusal
        self._chunk = len(data)
        super().data_received(data)
        if self._phase == _HEAD and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_header_bytes:
                self._refuse(431, "request headers too large")

    def send_400_response(self, msg: str) -> None:
        refusal, self._refusal = self._refusal, None
        if refusal is None:
            super().send_400_response(msg)
        else:
            self._refuse(*refusal)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._expect(_HEAD, self.limits.header_timeout)

    def on_headers_complete(self) -> None:
        limits = self.limits
        if len(self.headers) > limits.max_headers:
            self._refusal = (431, f"more than {limits.max_headers} request headers")
            raise _HeadRefused
        if self._head_bytes + self._chunk > limits.max_header_bytes:
            size = len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers)
            if size > limits.max_header_bytes:
                self._refusal = (431, "request headers too large")
                raise _HeadRefused
        self._expect(_BODY, limits.body_timeout)
        self.handle_headers()

    def handle_headers(self) -> None:
        """What uvicorn does once a head is complete (subclasses add their own lane)."""
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._phase = _NONE
        super().on_message_complete()


def proxy_header_options(forwarded_allow_ips: str | None) -> dict[str, Any]:
    """uvicorn options for ``X-Forwarded-For/-Proto``: trusted from no address unless some are
    given (``--forwarded-allow-ips``). uvicorn's own default trusts 127.0.0.1 (or
    ``$FORWARDED_ALLOW_IPS``), so any local process could claim HTTPS or another client IP."""
    ips = (forwarded_allow_ips or "").strip()
    return {"proxy_headers": bool(ips), "forwarded_allow_ips": ips or None}
