"""OpenAI and Anthropic providers against FakeUpstream, in-process (ASGI) and on loopback."""

from __future__ import annotations

import time
import traceback

import orjson
import pytest
from providers_harness import CANARY, Harness, collect, deadline, stream_text

from swapsafe.exceptions import ProviderConnectionError, ProviderError, ProviderTimeout
from swapsafe.testing import Fault

# --- success -------------------------------------------------------------------------------


async def test_complete_returns_parsed_body_and_sends_auth(harness: Harness) -> None:
    provider = harness.provider()
    resp = await provider.complete(harness.body("hi you"), deadline=deadline())
    assert resp.status == 200
    assert resp.attempts == 1
    assert resp.headers["content-type"] == "application/json"
    if harness.flavor == "openai":
        assert resp.body["choices"][0]["message"]["content"] == "[up-model] hi you"
        assert resp.body["usage"]["prompt_tokens"] > 0
    else:
        assert resp.body["content"][0]["text"] == "[up-model] hi you"
        assert resp.body["usage"]["input_tokens"] > 0
    (req,) = harness.fake.requests
    assert req.method == "POST"
    assert req.path == harness.fake.path
    assert req.body == harness.body("hi you")
    assert req.headers["content-type"] == "application/json"
    if harness.flavor == "openai":
        assert req.headers["authorization"] == f"Bearer {CANARY}"
    else:
        assert req.headers["x-api-key"] == CANARY
        assert req.headers["anthropic-version"] == "2023-06-01"
        assert "authorization" not in req.headers


async def test_stream_yields_vendor_events_to_the_terminal_one(harness: Harness) -> None:
    provider = harness.provider()
    events = await collect(
        provider.stream(harness.body("stream me", stream=True), deadline=deadline())
    )
    assert stream_text(harness.flavor, events) == "[up-model] stream me"
    if harness.flavor == "openai":
        assert events[-1].data == b"[DONE]"
        assert all(e.event is None for e in events)
    else:
        names = [e.event for e in events]
        assert names[0] == "message_start"
        assert names[-2:] == ["message_delta", "message_stop"]
        assert "ping" in names
    assert harness.fake.requests[0].headers["accept"] == "text/event-stream"


async def test_api_key_override_and_extra_headers(harness: Harness) -> None:
    provider = harness.provider()
    extra = {"anthropic-version": "2099-01-01", "X-Trace": "t1"}
    await provider.complete(
        harness.body(), deadline=deadline(), api_key="sk-user", extra_headers=extra
    )
    headers = harness.fake.requests[0].headers
    if harness.flavor == "openai":
        assert headers["authorization"] == "Bearer sk-user"
    else:
        assert headers["x-api-key"] == "sk-user"
    assert headers["anthropic-version"] == "2099-01-01"
    assert headers["x-trace"] == "t1"


async def test_drip_and_latency_still_deliver_everything(harness: Harness) -> None:
    harness.fake.fault = Fault(latency=0.01, drip=0.005)
    provider = harness.provider()
    events = await collect(
        provider.stream(harness.body("slow words", stream=True), deadline=deadline())
    )
    assert stream_text(harness.flavor, events) == "[up-model] slow words"


async def test_early_break_closes_the_stream(harness: Harness) -> None:
    provider = harness.provider()
    gen = provider.stream(harness.body("a b c d e f", stream=True), deadline=deadline())
    async for _ in gen:
        break
    await gen.aclose()  # type: ignore[attr-defined]
    resp = await provider.complete(harness.body(), deadline=deadline())
    assert resp.status == 200


# --- retries -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 502, 503, 529, 408])
async def test_retryable_status_is_retried_exactly(harness: Harness, status: int) -> None:
    harness.fake.fault = Fault(status=status)
    provider = harness.provider()
    with pytest.raises(ProviderError) as info:
        await provider.complete(harness.body(), deadline=deadline(), retries=2)
    assert len(harness.fake.requests) == 3
    assert len(harness.sleeps) == 2
    err = info.value
    assert type(err) is ProviderError
    assert err.status == status
    assert err.provider == "cand"
    assert "'cand'" in str(err) and str(status) in str(err)
    assert isinstance(err.body, dict) and "error" in err.body


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413])
async def test_other_4xx_is_never_retried(harness: Harness, status: int) -> None:
    harness.fake.fault = Fault(status=status)
    provider = harness.provider()
    with pytest.raises(ProviderError) as info:
        await provider.complete(harness.body(), deadline=deadline(), retries=5)
    assert info.value.status == status
    assert len(harness.fake.requests) == 1
    assert harness.sleeps == []


async def test_retry_then_success_counts_attempts(harness: Harness) -> None:
    harness.fake.enqueue_fault(Fault(status=503), times=2)
    provider = harness.provider()
    resp = await provider.complete(harness.body(), deadline=deadline(), retries=2)
    assert resp.attempts == 3
    assert len(harness.fake.requests) == 3


async def test_zero_retries_means_one_attempt(harness: Harness) -> None:
    harness.fake.fault = Fault(status=503)
    provider = harness.provider()
    with pytest.raises(ProviderError):
        await provider.complete(harness.body(), deadline=deadline(), retries=0)
    assert len(harness.fake.requests) == 1


async def test_retry_after_is_honoured(harness: Harness) -> None:
    harness.fake.enqueue(fault=Fault(status=429, retry_after=0.25))
    provider = harness.provider()
    resp = await provider.complete(harness.body(), deadline=deadline(), retries=2)
    assert resp.attempts == 2
    assert harness.sleeps == [0.25]


async def test_retry_after_is_capped_at_30_seconds(harness: Harness) -> None:
    harness.fake.enqueue(fault=Fault(status=429, retry_after=45))
    provider = harness.provider()
    await provider.complete(harness.body(), deadline=deadline(100), retries=2)
    assert harness.sleeps == [30.0]


async def test_retry_after_beyond_the_deadline_gives_up_at_once(harness: Harness) -> None:
    harness.fake.fault = Fault(status=429, retry_after=20)
    provider = harness.provider()
    with pytest.raises(ProviderError) as info:
        await provider.complete(harness.body(), deadline=deadline(2), retries=3)
    assert info.value.status == 429
    assert info.value.retry_after == 20
    assert len(harness.fake.requests) == 1
    assert harness.sleeps == []


async def test_deadline_covers_all_attempts(harness: Harness) -> None:
    now = [1000.0]

    async def sleep(delay: float) -> None:
        harness.sleeps.append(delay)
        now[0] += delay

    harness.fake.fault = Fault(status=503, retry_after=1)
    provider = harness.provider(sleep=sleep, clock=lambda: now[0])
    with pytest.raises(ProviderError) as info:
        await provider.complete(harness.body(), deadline=now[0] + 2.5, retries=10)
    assert info.value.status == 503
    assert harness.sleeps == [1, 1]
    assert len(harness.fake.requests) == 3


async def test_hang_times_out_at_the_deadline(harness: Harness) -> None:
    harness.fake.fault = Fault(hang=True)
    provider = harness.provider()
    with pytest.raises(ProviderTimeout) as info:
        await provider.complete(harness.body(), deadline=deadline(0.3), retries=5)
    assert info.value.status == 0
    assert len(harness.fake.requests) == 1


async def test_expired_deadline_sends_nothing(harness: Harness) -> None:
    provider = harness.provider()
    with pytest.raises(ProviderTimeout):
        await provider.complete(harness.body(), deadline=time.monotonic() - 1)
    assert harness.fake.requests == []


async def test_http_timeout_before_response_is_retried(harness: Harness) -> None:
    if harness.mode == "asgi":
        pytest.skip("ASGITransport applies no HTTP timeouts")
    harness.fake.enqueue(fault=Fault(latency=5.0))
    provider = harness.provider(timeout=1.0)  # a retry answered within 1 s even under load
    resp = await provider.complete(harness.body(), deadline=deadline(10), retries=1)
    assert resp.attempts == 2


# --- connection faults ---------------------------------------------------------------------


async def test_reset_before_response_is_a_retried_connection_error(harness: Harness) -> None:
    harness.fake.fault = Fault(reset_before=True)
    provider = harness.provider()
    with pytest.raises(ProviderConnectionError) as info:
        await provider.complete(harness.body(), deadline=deadline(), retries=2)
    assert info.value.status == 0
    assert len(harness.fake.requests) == 3


async def test_reset_in_the_middle_of_a_json_body(harness: Harness) -> None:
    harness.fake.fault = Fault(reset_mid_stream=1)
    provider = harness.provider()
    with pytest.raises(ProviderConnectionError):
        await provider.complete(harness.body(), deadline=deadline(), retries=1)
    assert len(harness.fake.requests) == 2


async def test_stream_reset_mid_stream_raises_without_retry(harness: Harness) -> None:
    harness.fake.fault = Fault(reset_mid_stream=2)
    provider = harness.provider()
    received = []
    with pytest.raises(ProviderConnectionError):
        async for event in provider.stream(harness.body(stream=True), deadline=deadline()):
            received.append(event)
    if harness.mode == "loopback":
        # a real socket: the events before the reset arrive, then the error; no retry after 200
        assert len(received) == 2
        assert len(harness.fake.requests) == 1
    else:
        # ASGITransport buffers the whole response, so the reset shows before any event
        assert received == []
        assert len(harness.fake.requests) == 3


async def test_stream_errors_before_200_are_retried(harness: Harness) -> None:
    harness.fake.enqueue_fault(Fault(status=503)).enqueue_fault(Fault(reset_before=True))
    provider = harness.provider()
    events = await collect(provider.stream(harness.body("ok", stream=True), deadline=deadline()))
    assert stream_text(harness.flavor, events) == "[up-model] ok"
    assert len(harness.fake.requests) == 3


async def test_stream_4xx_is_raised_without_retry(harness: Harness) -> None:
    harness.fake.fault = Fault(status=400)
    provider = harness.provider()
    with pytest.raises(ProviderError) as info:
        await collect(provider.stream(harness.body(stream=True), deadline=deadline(), retries=3))
    assert info.value.status == 400
    assert len(harness.fake.requests) == 1


async def test_stream_hang_times_out(harness: Harness) -> None:
    harness.fake.fault = Fault(hang=True)
    provider = harness.provider()
    with pytest.raises(ProviderTimeout):
        await collect(provider.stream(harness.body(stream=True), deadline=deadline(0.3)))


async def test_stream_drip_past_the_deadline_times_out_mid_stream(harness: Harness) -> None:
    if harness.mode == "asgi":
        pytest.skip("ASGITransport buffers the response")
    harness.fake.fault = Fault(drip=0.2)
    provider = harness.provider()
    received = []
    with pytest.raises(ProviderTimeout) as info:
        async for event in provider.stream(harness.body(stream=True), deadline=deadline(0.5)):
            received.append(event)
    assert len(received) > 0
    assert "stream" in str(info.value)


async def test_connection_refused(flavor: str) -> None:
    import socket

    from providers_harness import FAST

    from swapsafe.providers.registry import ProviderSpec, create_provider

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = create_provider(
        ProviderSpec(
            name="down",
            type=flavor,
            upstream_model="m",
            base_url=f"http://127.0.0.1:{port}",
            api_key=CANARY,
            timeout=2,
        )
    )
    provider.retry_policy = FAST  # type: ignore[attr-defined]
    try:
        with pytest.raises(ProviderConnectionError) as info:
            await provider.complete({"model": "m", "messages": []}, deadline=deadline(), retries=1)
        assert "'down' could not be reached" in str(info.value)
    finally:
        await provider.aclose()


@pytest.mark.parametrize("stream", [False, True])
async def test_an_unreadable_response_is_a_retried_502_for_both_calls(
    flavor: str, stream: bool
) -> None:
    """One retry rule for whole answers and streams: an httpx error that is neither a timeout
    nor a transport failure (here a body that cannot be decoded) is a 502, retried."""
    import httpx
    from providers_harness import FAST

    from swapsafe.providers.registry import ProviderSpec, create_provider

    calls = []

    def undecodable(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.DecodingError("gzip: invalid header", request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(undecodable))
    provider = create_provider(
        ProviderSpec(
            name="up",
            type=flavor,
            upstream_model="m",
            base_url="http://upstream.test/v1",
            api_key=CANARY,
            timeout=2,
            client=client,
        )
    )
    provider.retry_policy = FAST  # type: ignore[attr-defined]
    body = {"model": "m", "messages": [], "stream": stream}
    try:
        with pytest.raises(ProviderError) as info:
            if stream:
                await collect(provider.stream(body, deadline=deadline(), retries=1))
            else:
                await provider.complete(body, deadline=deadline(), retries=1)
    finally:
        await provider.aclose()
        await client.aclose()
    assert info.value.status == 502
    assert "'up' sent an unreadable response" in str(info.value)
    assert CANARY not in str(info.value)
    assert len(calls) == 2


# --- bad bodies ----------------------------------------------------------------------------


async def test_garbage_200_is_a_502_provider_error(harness: Harness) -> None:
    harness.fake.fault = Fault(garbage=True)
    provider = harness.provider()
    with pytest.raises(ProviderError) as info:
        await provider.complete(harness.body(), deadline=deadline(), retries=2)
    assert info.value.status == 502
    assert str(info.value) == "upstream 'cand' returned a non-JSON body"
    assert "<html>" in str(info.value.body)
    assert len(harness.fake.requests) == 1


async def test_invalid_json_200_is_a_502_provider_error(harness: Harness) -> None:
    harness.fake.fault = Fault(invalid_json=True)
    provider = harness.provider()
    with pytest.raises(ProviderError) as info:
        await provider.complete(harness.body(), deadline=deadline())
    assert info.value.status == 502
    assert "non-JSON" in str(info.value)


async def test_garbage_answer_to_a_stream_request_is_a_502(harness: Harness) -> None:
    harness.fake.fault = Fault(garbage=True)
    provider = harness.provider()
    with pytest.raises(ProviderError) as info:
        await collect(provider.stream(harness.body(stream=True), deadline=deadline()))
    assert info.value.status == 502
    assert "text/event-stream" in str(info.value)


async def test_truncated_sse_raises_after_the_events(harness: Harness) -> None:
    harness.fake.fault = Fault(truncated_sse=True)
    provider = harness.provider()
    received = []
    with pytest.raises(ProviderError) as info:
        async for event in provider.stream(harness.body(stream=True), deadline=deadline()):
            received.append(event)
    assert info.value.status == 502
    expected = "data: [DONE]" if harness.flavor == "openai" else "event: message_stop"
    assert str(info.value) == f"upstream 'cand' ended the stream without {expected}"
    assert received and received[-1].data != b"[DONE]" and received[-1].event != "message_stop"


async def test_in_stream_error_event_raises(harness: Harness) -> None:
    harness.fake.fault = Fault(stream_error_after=2)
    provider = harness.provider()
    received = []
    with pytest.raises(ProviderError) as info:
        async for event in provider.stream(harness.body(stream=True), deadline=deadline()):
            received.append(event)
    assert len(received) == 2
    assert info.value.status == (529 if harness.flavor == "anthropic" else 500)
    assert "sent an error in the stream" in str(info.value)
    assert len(harness.fake.requests) == 1


async def test_invalid_json_event_is_passed_through(harness: Harness) -> None:
    harness.fake.fault = Fault(invalid_json=True)
    provider = harness.provider()
    events = await collect(provider.stream(harness.body(stream=True), deadline=deadline()))
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(events[1].data)


# --- secrets -------------------------------------------------------------------------------

FAULTS = {
    "401": Fault(status=401),
    "503": Fault(status=503, retry_after=0),
    "reset_before": Fault(reset_before=True),
    "reset_mid": Fault(reset_mid_stream=1),
    "hang": Fault(hang=True),
    "garbage": Fault(garbage=True),
    "truncated": Fault(truncated_sse=True),
    "stream_error": Fault(stream_error_after=1),
}


def _assert_clean(err: BaseException) -> None:
    text = "".join(traceback.format_exception(err))
    assert CANARY not in text
    assert CANARY not in repr(err)
    assert CANARY not in repr(getattr(err, "body", ""))


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
@pytest.mark.parametrize("stream", [False, True])
async def test_canary_key_never_in_errors(harness: Harness, fault: Fault, stream: bool) -> None:
    if not stream and (fault.truncated_sse or fault.stream_error_after is not None):
        pytest.skip("stream-only fault")
    harness.fake.fault = fault
    provider = harness.provider()
    assert CANARY not in repr(provider)
    with pytest.raises(ProviderError) as info:
        if stream:
            await collect(provider.stream(harness.body(stream=True), deadline=deadline(0.2)))
        else:
            await provider.complete(harness.body(), deadline=deadline(0.2))
    _assert_clean(info.value)
