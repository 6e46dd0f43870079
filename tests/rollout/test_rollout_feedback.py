"""POST /v1/feedback through the real gateway app: stored against the served model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.gateway.harness import CLIENT_KEY, Harness

AUTH = {"authorization": f"Bearer {CLIENT_KEY}"}


async def _served(h: Harness) -> tuple[str, str]:
    r = await h.http.post(
        "/v1/chat/completions",
        headers=AUTH,
        json={"model": "chat", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert r.status_code == 200, r.text
    return r.json()["id"], r.headers["x-swapsafe-served-by"]


async def _feedback(h: Harness, body: Any, headers: dict[str, str] = AUTH) -> Any:
    return await h.http.post("/v1/feedback", headers=headers, json=body)


async def test_feedback_is_tied_to_the_served_response(harness: Harness) -> None:
    rid, served_by = await _served(harness)
    r = await _feedback(harness, {"id": rid, "thumbs": "up", "comment": "great"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["response_id"], body["model"], body["workload"], body["score"]) == (
        rid,
        served_by,
        "chat",
        1.0,
    )
    rid2, _ = await _served(harness)
    assert (await _feedback(harness, {"id": rid2, "score": 0.25})).status_code == 200
    # a second score for the same response replaces the first
    assert (await _feedback(harness, {"id": rid, "thumbs": "down"})).status_code == 200
    db = harness.store
    stored = db.list_feedback(workload="chat")
    assert sorted(f.score for f in stored) == [0.0, 0.25]
    assert {f.model for f in stored} == {served_by}
    now = datetime.now(UTC)
    stats = db.cohort_stats("chat", served_by, now - timedelta(hours=1), now + timedelta(1))
    assert stats.feedback_n == 2
    assert stats.feedback_mean == 0.125
    assert stats.total == 2 and stats.errors == 0


async def test_feedback_errors_in_openai_format(harness: Harness) -> None:
    rid, _ = await _served(harness)
    r = await _feedback(harness, {"id": "chatcmpl-nope", "score": 1})
    assert r.status_code == 404
    assert r.json()["error"]["param"] == "id"
    for bad in (
        {"id": rid},
        {"id": rid, "score": 1, "thumbs": "up"},
        {"id": rid, "score": 1.5},
        {"id": rid, "score": True},
        {"id": rid, "thumbs": "sideways"},
        {"id": rid, "score": 1, "comment": 7},
        {"score": 1},
        [1, 2],
    ):
        r = await _feedback(harness, bad)
        assert r.status_code == 400, bad
        assert r.json()["error"]["type"] == "invalid_request_error"
    r = await harness.http.post("/v1/feedback", headers=AUTH, content=b"{not json")
    assert r.status_code == 400
    r = await harness.http.post("/v1/feedback", headers=AUTH, content=b" " * (64 * 1024 + 1))
    assert r.status_code == 413 and "exceeds" in r.json()["error"]["message"]
    r = await _feedback(harness, {"id": rid, "score": 1}, headers={})
    assert r.status_code == 401
    assert "error" in r.json()
    assert harness.store.list_feedback() == []
