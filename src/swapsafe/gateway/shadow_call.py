"""One shadow call: made off the request path, recorded whatever happens, never raised."""

from __future__ import annotations

import asyncio
import time

from swapsafe.exceptions import ProviderError, TranslationError
from swapsafe.gateway import wires
from swapsafe.gateway.calls import Exchange, finish_reason
from swapsafe.gateway.shadow import ShadowDispatcher
from swapsafe.gateway.tracing import TraceWriter
from swapsafe.gateway.usage import from_wire
from swapsafe.providers.base import Provider


async def run_shadow(
    ex: Exchange, provider: Provider, dispatcher: ShadowDispatcher, traces: TraceWriter
) -> None:
    """Make one shadow call (no retries, its own timeout) and record it; never raises."""
    call = ex.call
    try:
        async with asyncio.timeout(dispatcher.timeout):  # no extra task, unlike wait_for
            resp = await provider.complete(
                ex.upstream_body,
                deadline=time.monotonic() + dispatcher.timeout,
                api_key=ex.api_key,
                extra_headers=ex.extra_headers,
                retries=0,
            )
        out = wires.client_answer(
            call.inbound, provider, resp.body, call.request_id, ex.json_tool, ex.body
        )
    except TimeoutError:
        traces.record(call, status="error", http_status=None, error_class="timeout")
        return
    except ProviderError as exc:
        traces.record(
            call, status="error", http_status=exc.status or None, error_class=exc.error_class
        )
        return
    except TranslationError:
        traces.record(call, status="error", http_status=502, error_class="translation")
        return
    except Exception:  # a shadow failure must never escape; it is recorded, not raised
        traces.record(call, status="error", http_status=None, error_class="internal")
        return
    usage = from_wire(provider.wire, resp.body.get("usage"))
    cost = traces.record(
        call,
        status="ok",
        http_status=resp.status,
        usage=usage,
        response=out,
        finish_reason=finish_reason(call.inbound, out),
    )
    dispatcher.add_cost(cost)
