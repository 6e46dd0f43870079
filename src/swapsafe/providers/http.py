"""Shared HTTP machinery for upstream providers: pooled client, retry loop, error mapping.

:class:`HTTPProvider` does everything but the vendor specifics (URL, auth headers, how a stream
ends), which :mod:`swapsafe.providers.openai` and :mod:`swapsafe.providers.anthropic` supply.
"""

from __future__ import annotations

import asyncio
import builtins
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, ClassVar, TypeVar

import httpx
import orjson

from swapsafe import __version__
from swapsafe.exceptions import ProviderConnectionError, ProviderError, ProviderTimeout
from swapsafe.providers.base import SSEEvent, UpstreamResponse, Wire
from swapsafe.providers.egress import Egress, ProxyAuthRefused
from swapsafe.providers.h1 import H1Sender, make_h1_sender
from swapsafe.providers.masking import (
    Secrets,
    error_message,
    mask_error,
    mask_secrets,
    mask_value,
)
from swapsafe.providers.registry import ProviderSpec
from swapsafe.providers.retry import RetryPolicy, is_retryable_status, next_delay, parse_retry_after
from swapsafe.providers.sse_reader import SSEDecoder
from swapsafe.wire.fields import MAX_JSON_DEPTH, too_deep

DEFAULT_LIMITS = httpx.Limits(
    max_connections=1000, max_keepalive_connections=200, keepalive_expiry=30.0
)
MAX_ERROR_BODY = 2000
_P = TypeVar("_P", bound="HTTPProvider")
_JSON = "application/json"
R = TypeVar("R")


def make_client(
    timeout: float,
    *,
    limits: httpx.Limits = DEFAULT_LIMITS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """A pooled HTTP/1.1 keep-alive httpx client: for an injected transport (tests, an ASGI app)
    and for callers that need a general client. Providers without one use :mod:`h1`."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=limits,
        transport=transport,
        http1=True,
        http2=False,
        follow_redirects=False,
        headers={"user-agent": f"swapsafe/{__version__}"},
    )


class _Failed(Exception):
    """An attempt's non-2xx answer, as the provider error it is and whether to retry it."""

    def __init__(self, error: ProviderError, retryable: bool) -> None:
        super().__init__(str(error))
        self.error, self.retryable = error, retryable


class HTTPProvider:
    """Base for providers that talk HTTP + JSON + SSE to an upstream."""

    type: str
    wire: Wire
    stream_end: ClassVar[str] = "its terminal event"

    def __init__(
        self,
        *,
        name: str,
        upstream_model: str,
        base_url: str,
        api_key: str | None,
        timeout: float,
        client: httpx.AsyncClient | None = None,
        egress: Egress | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._same_upstream: dict[str, Any] = {
            "name": name, "upstream_model": upstream_model, "base_url": base_url,
            "api_key": api_key, "timeout": timeout, "client": client, "egress": egress,
            "retry_policy": retry_policy, "sleep": sleep, "clock": clock,
        }  # fmt: skip
        self.name = name
        self.upstream_model = upstream_model
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout
        self._owns_client = client is None
        self.retry_policy = retry_policy or RetryPolicy()
        self._sleep, self._clock = sleep, clock
        self._url = self._endpoint()
        # Hot path when no client was injected: swapsafe's own HTTP/1.1 pool (providers/h1.py),
        # direct or through the proxy decided here, once. An injected httpx client (e.g. over an
        # ASGI transport in tests) wins. ``egress`` (proxy, CA bundle) defaults to the
        # environment's.
        self._fast: H1Sender | None = None
        self._hidden: tuple[str, ...] = ()  # proxy credentials, masked in every error message
        if client is None:
            egress = egress if egress is not None else Egress.from_env()
            proxy = egress.proxy_for(self._url)
            self._hidden = proxy.secrets() if proxy is not None else ()
            ssl_context = egress.ssl_context() if self._url.startswith("https:") else None
            self._fast = make_h1_sender(
                self._url, timeout=timeout, ssl_context=ssl_context, proxy=proxy
            )
        self._client: httpx.AsyncClient | None = client
        self._default_headers = self._headers(api_key, None)
        self._default_stream_headers = {**self._default_headers, "accept": "text/event-stream"}

    @classmethod
    def from_spec(cls: builtins.type[_P], spec: ProviderSpec, *, base_url: str) -> _P:
        """The provider for ``spec``'s entry, sending to ``base_url`` (the entry's or a default)."""
        same = ("name", "upstream_model", "api_key", "timeout", "client", "egress")
        return cls(base_url=base_url, **{field: getattr(spec, field) for field in same})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, model={self.upstream_model!r})"

    def sibling(self, cls: builtins.type[_P]) -> _P:
        """A provider of class ``cls`` for the same upstream (key, timeout, client, egress,
        retry policy): another endpoint of the same server, e.g. its Responses API."""
        return cls(**self._same_upstream)

    # --- vendor hooks -------------------------------------------------------------------------
    def _endpoint(self) -> str:
        raise NotImplementedError

    def _auth_headers(self, api_key: str | None) -> dict[str, str]:
        raise NotImplementedError

    def _prepare_body(self, body: dict[str, Any]) -> dict[str, Any]:
        """Last adjustments an upstream needs before the body is sent (default: none)."""
        return body

    def _stream_event(self, event: SSEEvent) -> bool:
        """True when ``event`` ends the stream; raise ProviderError for an in-stream error."""
        raise NotImplementedError

    # --- public API ---------------------------------------------------------------------------
    async def aclose(self) -> None:
        if self._fast is not None:
            await self._fast.aclose()
        if self._owns_client and self._client is not None:
            await self._client.aclose()

    async def _post(self, content: bytes, headers: dict[str, str], within: float) -> Any:
        """POST and read the whole answer within ``within`` seconds (an httpx.Response, or
        the fast sender's response; the fast sender enforces the limit itself)."""
        if self._fast is not None:
            return await self._fast.send(self._url, content, headers, read=True, within=within)
        assert self._client is not None
        async with asyncio.timeout(within):
            return await self._client.post(self._url, content=content, headers=headers)

    async def _post_stream(self, content: bytes, headers: dict[str, str]) -> Any:
        """POST and return once the status and headers arrived; the body is read later."""
        if self._fast is not None:
            return await self._fast.send(self._url, content, headers, read=False)
        assert self._client is not None
        request = self._client.build_request("POST", self._url, content=content, headers=headers)
        return await self._client.send(request, stream=True)

    async def complete(
        self,
        body: dict[str, Any],
        *,
        deadline: float,
        api_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retries: int = 2,
    ) -> UpstreamResponse:
        content = orjson.dumps(self._prepare_body(body))
        headers = self._request_headers(api_key, extra_headers)
        secrets = self._secrets(api_key)

        async def once(attempt: int, remaining: float) -> UpstreamResponse:
            resp = await self._post(content, headers, remaining)
            status = resp.status_code
            if not 200 <= status < 300:
                err = self._status_error(status, resp.content, resp.headers, secrets)
                raise _Failed(err, is_retryable_status(status, resp.headers))
            return UpstreamResponse(
                status,
                self._parse_ok(resp.content),
                {k.lower(): v for k, v in resp.headers.items()},
                attempt,
            )

        return await self._with_retries(once, retries, deadline, secrets)

    async def stream(
        self,
        body: dict[str, Any],
        *,
        deadline: float,
        api_key: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        retries: int = 2,
    ) -> AsyncIterator[SSEEvent]:
        content = orjson.dumps(self._prepare_body(body))
        headers = self._request_headers(api_key, extra_headers)
        secrets = self._secrets(api_key)
        response = await self._open_stream(content, headers, deadline, retries, secrets)
        loop = asyncio.get_running_loop()
        when = loop.time() + (deadline - self._clock())
        chunks = response.aiter_bytes()
        decoder = SSEDecoder()
        done = False
        try:
            while True:
                try:
                    async with asyncio.timeout_at(when):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    break
                except (TimeoutError, httpx.TimeoutException) as exc:
                    if done:
                        return
                    raise self._timeout_error(exc, 1, deadline, mid_stream=True) from exc
                except httpx.HTTPError as exc:
                    if done:
                        return
                    raise self._broken_stream(exc, secrets) from exc
                for event in decoder.feed(chunk):
                    if not done and self._checked_event(event, secrets):
                        done = True
                    yield event
            if not done:
                raise mask_error(
                    ProviderError(
                        f"upstream {self.name!r} ended the stream without {self.stream_end}",
                        status=502,
                        provider=self.name,
                        body=decoder.pending()[:MAX_ERROR_BODY].decode("utf-8", "replace") or None,
                    ),
                    secrets,
                )
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()
            await response.aclose()

    # --- internals ----------------------------------------------------------------------------
    def _broken_stream(self, exc: Exception, secrets: Secrets) -> ProviderConnectionError:
        text = f"upstream {self.name!r} broke off the stream: {exc!r}"
        return ProviderConnectionError(mask_secrets(text, secrets), provider=self.name)

    def _secrets(self, api_key: str | None) -> Secrets:
        """What an error message or body must never show: the call's keys and the proxy's
        credentials (which a proxy's own error page could echo)."""
        return (api_key, self._api_key, *self._hidden)

    def _headers(self, api_key: str | None, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"content-type": _JSON, "accept": _JSON}
        headers.update(self._auth_headers(api_key))
        if extra:
            headers.update({k.lower(): v for k, v in extra.items()})
        return headers

    def _checked_event(self, event: SSEEvent, secrets: Secrets) -> bool:
        """:meth:`_stream_event`, with an in-stream error's message and body masked."""
        try:
            return self._stream_event(event)
        except ProviderError as exc:
            raise mask_error(exc, secrets) from None

    def _request_headers(
        self, api_key: str | None, extra: Mapping[str, str] | None
    ) -> dict[str, str]:
        if api_key is None and not extra:
            return self._default_headers
        return self._headers(api_key if api_key is not None else self._api_key, extra)

    async def _open_stream(
        self,
        content: bytes,
        headers: dict[str, str],
        deadline: float,
        retries: int,
        secrets: Secrets,
    ) -> Any:
        """Send the request, retrying until a 2xx with ``text/event-stream`` arrives."""
        if headers is self._default_headers:  # the same object every call: see H1Sender
            headers = self._default_stream_headers
        else:
            headers = {**headers, "accept": "text/event-stream"}

        async def once(attempt: int, remaining: float) -> Any:
            async with asyncio.timeout(remaining):
                resp = await self._post_stream(content, headers)
                status = resp.status_code
                ctype = resp.headers.get("content-type", "")
                if 200 <= status < 300 and ctype.startswith("text/event-stream"):
                    return resp
                try:
                    raw = await resp.aread()
                finally:
                    await resp.aclose()
            if 200 <= status < 300:
                raise ProviderError(
                    f"upstream {self.name!r} answered a stream request with "
                    f"content-type {ctype or 'none'!r}, not text/event-stream",
                    status=502,
                    provider=self.name,
                    body=raw[:MAX_ERROR_BODY].decode("utf-8", "replace"),
                )
            err = self._status_error(status, raw, resp.headers, secrets)
            raise _Failed(err, is_retryable_status(status, resp.headers))

        return await self._with_retries(once, retries, deadline, secrets)

    async def _with_retries(
        self,
        once: Callable[[int, float], Awaitable[R]],
        retries: int,
        deadline: float,
        secrets: Secrets,
    ) -> R:
        """``once(attempt, remaining seconds)`` until it returns, retried per the policy.

        The one retry rule of both calls: a timeout is retryable, a transport failure too
        (except a proxy refusing our credentials), an unreadable response is a 502 (retried);
        a non-2xx answer is raised by ``once`` as :class:`_Failed` saying whether it may be
        retried. When the deadline has passed, or retrying is over, the error is raised.
        """
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise self._deadline_error(attempt - 1)
            retryable = True
            try:
                return await once(attempt, remaining)
            except _Failed as failed:
                err, retryable = failed.error, failed.retryable
            except (TimeoutError, httpx.TimeoutException) as exc:
                err = self._timeout_error(exc, attempt, deadline)
            except httpx.TransportError as exc:
                err = self._connection_error(exc, secrets)
                retryable = not isinstance(exc, ProxyAuthRefused)  # each retry: a failed login
            except httpx.HTTPError as exc:
                err = ProviderError(
                    mask_secrets(
                        f"upstream {self.name!r} sent an unreadable response: {exc}", secrets
                    ),
                    status=502,
                    provider=self.name,
                )
            delay = next_delay(
                self.retry_policy,
                attempt=attempt,
                retries=retries,
                retryable=retryable,
                retry_after=err.retry_after,
                remaining=deadline - self._clock(),
            )
            if delay is None:
                try:
                    raise err
                finally:  # the error's traceback holds this frame: drop the frame's reference
                    del err  # to the error, or each failed call leaves a cycle for the collector
            await self._sleep(delay)

    def _parse_ok(self, raw: bytes) -> dict[str, Any]:
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict) and too_deep(raw, parsed):
            raise ProviderError(
                f"upstream {self.name!r} returned JSON nested deeper than {MAX_JSON_DEPTH} levels",
                status=502,
                provider=self.name,
            )
        if not isinstance(parsed, dict):
            raise ProviderError(
                f"upstream {self.name!r} returned a non-JSON body",
                status=502,
                provider=self.name,
                body=raw[:MAX_ERROR_BODY].decode("utf-8", "replace"),
            )
        return parsed

    def _status_error(
        self, status: int, raw: bytes, headers: Mapping[str, str], secrets: Secrets
    ) -> ProviderError:
        # masked after decoding: an echoed key may be JSON-escaped (\/, \u002d) in the raw text
        text = raw[: MAX_ERROR_BODY * 4].decode("utf-8", "replace")
        body: object
        try:
            body = mask_value(orjson.loads(text), secrets)
        except orjson.JSONDecodeError:
            body = mask_secrets(text, secrets)[:MAX_ERROR_BODY]
        detail = mask_secrets(error_message(body), secrets)
        return ProviderError(
            f"upstream {self.name!r} returned HTTP {status}: {detail}".rstrip(": "),
            status=status,
            provider=self.name,
            body=body,
            retry_after=parse_retry_after(headers, now=time.time()),
        )

    def _timeout_error(
        self, exc: BaseException, attempt: int, deadline: float, *, mid_stream: bool = False
    ) -> ProviderTimeout:
        what = "stopped sending the stream" if mid_stream else "did not answer"
        if isinstance(exc, httpx.TimeoutException) and deadline - self._clock() > 0:
            reason = f"{type(exc).__name__} after {self.timeout:g}s"
        else:
            reason = "deadline reached"
        return ProviderTimeout(
            f"upstream {self.name!r} {what} in time ({reason}, attempt {attempt})",
            status=0,
            provider=self.name,
        )

    def _deadline_error(self, attempts: int) -> ProviderTimeout:
        return ProviderTimeout(
            f"upstream {self.name!r}: deadline reached after {attempts} attempt(s)",
            status=0,
            provider=self.name,
        )

    def _connection_error(
        self, exc: httpx.TransportError, secrets: Secrets
    ) -> ProviderConnectionError:
        detail = str(exc) or type(exc).__name__
        return ProviderConnectionError(
            mask_secrets(f"upstream {self.name!r} could not be reached: {detail}", secrets),
            status=0,
            provider=self.name,
        )
