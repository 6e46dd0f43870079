"""Rollout notifications: POST the event JSON to ``[rollout] webhook_url`` and/or run
``[rollout] command`` with the event JSON on stdin. Failures are logged, never raised."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

log = logging.getLogger("swapsafe.rollout")


class Notifier:
    def __init__(
        self,
        webhook_url: str | None = None,
        command: str | None = None,
        *,
        timeout: float = 5.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.webhook_url = webhook_url
        self.command = command
        self.timeout = timeout
        self._client = client
        self.failures = 0

    @property
    def _where(self) -> str:
        # the URL may carry a token in its path or query: log the host only
        return urlsplit(self.webhook_url or "").netloc or "webhook"

    async def send(self, event: dict[str, Any]) -> None:
        """Deliver ``event`` to every configured target; returns when all are done or timed out."""
        payload = orjson.dumps(event, default=str)
        await asyncio.gather(self._post(payload), self._run(payload))

    async def _post(self, payload: bytes) -> None:
        if not self.webhook_url:
            return
        try:
            if self._client is not None:
                r = await self._client.post(
                    self.webhook_url,
                    content=payload,
                    timeout=self.timeout,
                    headers={"content-type": "application/json"},
                )
            else:
                async with httpx.AsyncClient(timeout=self.timeout) as client:
                    r = await client.post(
                        self.webhook_url,
                        content=payload,
                        headers={"content-type": "application/json"},
                    )
            if r.status_code >= 300:
                self.failures += 1
                log.warning("rollout webhook %s answered %d", self._where, r.status_code)
        except httpx.HTTPError as exc:
            self.failures += 1
            log.warning("rollout webhook %s failed: %s", self._where, type(exc).__name__)

    async def _run(self, payload: bytes) -> None:
        if not self.command:
            return
        try:
            proc = await asyncio.create_subprocess_shell(
                self.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,  # its own process group: a timeout kills it all
            )
        except OSError as exc:
            self.failures += 1
            log.warning("rollout command could not start: %s", exc)
            return
        try:
            _, err = await asyncio.wait_for(proc.communicate(payload), self.timeout)
        except TimeoutError:
            self.failures += 1
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
            log.warning("rollout command timed out after %.0f s and was killed", self.timeout)
            return
        if proc.returncode:
            self.failures += 1
            log.warning(
                "rollout command exited %d: %s",
                proc.returncode,
                err.decode(errors="replace").strip()[:200],
            )
