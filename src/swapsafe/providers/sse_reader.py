"""A small incremental server-sent-events decoder for upstream streams.

Feed it raw byte chunks as they arrive; it returns the complete events in each chunk and keeps
the unfinished tail. Only ``event:`` and ``data:`` fields matter here; comments, ``id:`` and
``retry:`` are skipped. Records without data are dropped (as the SSE spec says).
"""

from __future__ import annotations

from swapsafe.providers.base import SSEEvent


class SSEDecoder:
    """Incremental SSE decoder. Not thread-safe; one per stream."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Add bytes; return the events completed by them (possibly none)."""
        buf = self._buf + chunk if self._buf else chunk
        if b"\r" in buf:
            # Normalise CRLF / CR line ends; keep a trailing CR, its LF may be in the next chunk.
            tail = b"\r" if buf.endswith(b"\r") else b""
            if tail:
                buf = buf[:-1]
            buf = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n") + tail
        end = buf.rfind(b"\n\n")
        if end < 0:
            self._buf = buf
            return []
        self._buf = buf[end + 2 :]
        events: list[SSEEvent] = []
        for record in buf[:end].split(b"\n\n"):
            event = _parse_record(record)
            if event is not None:
                events.append(event)
        return events

    def pending(self) -> bytes:
        """Bytes received but not yet part of a complete event."""
        return self._buf


def _parse_record(record: bytes) -> SSEEvent | None:
    # Fast path: the common single "data: ..." line (OpenAI) or "event: x\ndata: ..." (Anthropic).
    if record.startswith(b"data: ") and b"\n" not in record:
        return SSEEvent(None, record[6:])
    name: str | None = None
    data: list[bytes] = []
    for line in record.split(b"\n"):
        if not line or line[0] == 0x3A:  # empty or ":" comment
            continue
        field, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if field == b"data":
            data.append(value)
        elif field == b"event":
            name = value.decode("utf-8", "replace")
    if not data:
        return None
    return SSEEvent(name, data[0] if len(data) == 1 else b"\n".join(data))
