"""Shadow on the Responses API: pairs recorded like the other formats, and no shadow fault ever
changes the bytes a Responses client is served (one test per injected fault)."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from tests.gateway.harness import CLIENT_KEY, Harness
from tests.gateway.test_gateway_shadow import set_mode, wait_shadows

from swapsafe.testing import Fault

AUTH = {"authorization": f"Bearer {CLIENT_KEY}"}
REQUEST = {"model": "chat", "input": "same", "user": "bob", "instructions": "Be brief."}
FAULTS = [
    Fault(status=500),
    Fault(status=429, retry_after=5),
    Fault(garbage=True),
    Fault(invalid_json=True),
    Fault(reset_before=True),
    Fault(latency=0.3),
    Fault(hang=True),
]
FAULT_IDS = ["500", "429", "garbage", "invalid_json", "reset", "slow", "hang"]


def _stable(value: Any) -> Any:
    """The answer without what differs per call: ids (OpenAI's, per response) and times."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in ("id", "item_id", "created_at")}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _events(r: httpx.Response) -> list[Any]:
    return [
        _stable(orjson.loads(line[6:]))
        for line in r.content.split(b"\n")
        if line.startswith(b"data: ")
    ]


async def test_shadow_pair_of_a_native_responses_call(harness: Harness) -> None:
    set_mode(harness, "chat", "shadow")
    response = await harness.oai.responses.with_raw_response.create(model="chat", input="pair me")
    await wait_shadows(harness)
    served = harness.trace(response.headers["x-request-id"])
    rows = harness.traces(pair_id=served.pair_id)
    shadow = next(r for r in rows if r.role == "shadow")
    assert served.model == "gpt" and served.inbound_wire == "responses"
    assert shadow.model == "claude" and shadow.status == "ok" and shadow.input_tokens
    # stored in the caller's format (a Responses answer) for like-for-like review
    body = orjson.loads(shadow.response_body or "")
    assert body["object"] == "response"
    assert body["output"][0]["content"][0]["text"] == "[claude-sonnet-4-5] pair me"


async def test_shadow_to_an_openai_model_never_stores(harness: Harness) -> None:
    set_mode(harness, "xchat", "shadow")
    await harness.oai.responses.create(model="xchat", input="x")
    await wait_shadows(harness)
    (sent,) = harness.fakes["gpt"].requests
    assert sent.path == "/v1/responses" and sent.body["store"] is False


@pytest.mark.parametrize("extra", [{"previous_response_id": "resp_prev"}, {"store": True}])
async def test_untranslatable_request_is_served_and_counted(
    harness: Harness, extra: dict[str, Any]
) -> None:
    """Stored conversation state cannot be shadowed on another vendor: the request is served
    natively as sent, and the skipped shadow is counted."""
    set_mode(harness, "chat", "shadow")
    response = await harness.oai.responses.with_raw_response.create(
        model="chat", input="x", **extra
    )
    await wait_shadows(harness)
    assert response.status_code == 200
    assert harness.trace(response.headers["x-request-id"]).shadow_outcome == "untranslatable"
    assert harness.fakes["claude"].requests == []
    assert all(harness.fakes["gpt"].requests[-1].body[k] == v for k, v in extra.items())


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
async def test_shadow_faults_never_touch_the_served_response(
    make_harness,  # type: ignore[no-untyped-def]
    fault: Fault,
) -> None:
    h = await make_harness()
    off = await h.http.post("/v1/responses", headers=AUTH, json=REQUEST)
    set_mode(h, "chat", "shadow")
    h.fakes["claude"].fault = fault
    on = await h.http.post("/v1/responses", headers=AUTH, json=REQUEST)
    assert on.status_code == off.status_code == 200
    assert _stable(on.json()) == _stable(off.json())
    assert on.headers["x-swapsafe-served-by"] == "gpt"
    await wait_shadows(h)
    if not fault.latency:
        assert [r.status for r in h.traces(role="shadow")] == ["error"]
    assert len(h.fakes["claude"].requests) == 1  # shadow calls are never retried


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
async def test_shadow_faults_never_touch_a_served_stream(
    make_harness,  # type: ignore[no-untyped-def]
    fault: Fault,
) -> None:
    h = await make_harness()
    request = {**REQUEST, "model": "xchat", "stream": True}  # served by Claude, shadowed on gpt
    off = await h.http.post("/v1/responses", headers=AUTH, json=request)
    set_mode(h, "xchat", "shadow")
    h.fakes["gpt"].fault = fault
    on = await h.http.post("/v1/responses", headers=AUTH, json=request)
    assert on.status_code == off.status_code == 200
    assert _events(on) == _events(off) and _events(on)[-1]["type"] == "response.completed"
    await wait_shadows(h)
    if not fault.latency:
        assert [r.status for r in h.traces(role="shadow")] == ["error"]
    assert [r.path for r in h.fakes["gpt"].requests] == ["/v1/responses"]
