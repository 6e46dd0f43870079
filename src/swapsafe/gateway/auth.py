"""Client authentication: configured client keys (constant-time) or provider-key pass-through."""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence


def client_key(headers: Mapping[str, str]) -> str | None:
    """The client's key: ``x-api-key`` (Anthropic) or ``Authorization: Bearer`` (both SDKs)."""
    key = headers.get("x-api-key")
    if key:
        return key
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return None


class ClientAuth:
    def __init__(self, keys: Sequence[str], *, pass_through: bool) -> None:
        self._keys = [k.encode() for k in keys]
        self.pass_through = pass_through

    @property
    def open(self) -> bool:
        return not self._keys and not self.pass_through

    def check(self, key: str | None) -> bool:
        """True when the request may proceed (pass-through: any non-empty key)."""
        if self.pass_through:
            return bool(key)
        if not self._keys:
            return True
        if not key:
            return False
        given = key.encode()
        ok = False
        for k in self._keys:  # compare against every key: timing does not reveal which matched
            ok |= hmac.compare_digest(given, k)
        return ok
