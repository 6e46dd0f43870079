"""Server-sent events: an incremental decoder and the two vendors' encoders.

The decoder accepts any split of the byte stream (a record, a line or a ``\\r\\n`` pair may be
cut anywhere), ``\\n`` or ``\\r\\n`` line ends, multi-line ``data`` (joined with ``\\n``), comment
lines (``:`` ...) and ignores ``id`` / ``retry``. A record without ``data`` is not dispatched.
"""

from __future__ import annotations

from typing import Any

import orjson

OPENAI_DONE = b"data: [DONE]\n\n"


class SSEDecoder:
    """Feed raw bytes as they arrive; get back complete ``(event name or None, data)`` records."""

    __slots__ = ("_buf", "_data", "_event")

    def __init__(self) -> None:
        self._buf = b""
        self._event: str | None = None
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[tuple[str | None, bytes]]:
        buf = self._buf + chunk if self._buf else chunk
        lines = buf.split(b"\n")
        self._buf = lines.pop()  # incomplete last line (b"" when chunk ended with \n)
        out: list[tuple[str | None, bytes]] = []
        for line in lines:
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line:
                if self._data:
                    out.append((self._event, b"\n".join(self._data)))
                    self._data = []
                self._event = None
                continue
            name, sep, value = line.partition(b":")
            if not name:
                continue  # comment
            if sep and value.startswith(b" "):
                value = value[1:]
            if name == b"data":
                self._data.append(value)
            elif name == b"event":
                self._event = value.decode("utf-8", "replace")
        return out

    def close(self) -> list[tuple[str | None, bytes]]:
        """End of stream: a final record not followed by a blank line is dispatched too."""
        out = self.feed(b"\n\n") if self._buf or self._data else []
        self._buf = b""
        return out


def encode_openai(data: dict[str, Any]) -> bytes:
    """``data: <json>\\n\\n``"""
    return b"data: " + orjson.dumps(data) + b"\n\n"


def encode_anthropic(event: str, data: dict[str, Any]) -> bytes:
    """``event: <name>\\ndata: <json>\\n\\n``"""
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"
