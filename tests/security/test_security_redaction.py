"""Redaction (``bodies = "redacted"``): linear time on adversarial input, bounded per body, off
the event loop for long bodies, and still catching what it caught."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import orjson
import pytest
from tests.gateway.harness import CLIENT_KEY, Harness

from swapsafe.gateway.redact import MAX_CHARS, SEGMENT, redact, redact_piece
from swapsafe.gateway.tracing import RedactionThread
from swapsafe.store.records import TraceRecord

AUTH = {"authorization": f"Bearer {CLIENT_KEY}"}

#: inputs of about ``n`` characters that make a backtracking pattern work hard, one or more per
#: pattern: long runs of e-mail local-part, domain, key, hex, digit and phone characters
ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "local-part run": lambda n: "x" * n,
    "local-part run then @": lambda n: "x" * n + "@",
    "dotted run": lambda n: "a." * (n // 2),
    "many @": lambda n: "a@" * (n // 2),
    "long domain": lambda n: "a@" + "b." * (n // 2),
    "mixed local chars": lambda n: "ab.cd-ef_gh%ij+kl" * (n // 17),
    "hex run": lambda n: "a" * n,
    "hex run then word char": lambda n: "a" * n + "g",
    "key-like run": lambda n: "sk-" + "x" * n,
    "repeated key prefixes": lambda n: "sk-x" * (n // 4),
    "bearer then spaces": lambda n: "Bearer" + " " * n + "!",
    "digit run": lambda n: "1" * n,
    "spaced digits": lambda n: "1 " * (n // 2),
    "dashed digits": lambda n: "1-" * (n // 2),
    "phone-like": lambda n: "+1 " * (n // 3),
    "parenthesised": lambda n: "(12) " * (n // 5),
}


def _cpu_seconds(fn: Callable[[str], str], text: str) -> float:
    """CPU time of this thread (not wall time: other processes on the box do not count); the
    best of three runs."""
    best = float("inf")
    for _ in range(3):
        start = time.thread_time()
        fn(text)
        best = min(best, time.thread_time() - start)
    return best


@pytest.mark.parametrize("fn", [redact_piece, redact], ids=["one-piece", "segmented"])
@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_redaction_is_linear_on_adversarial_input(name: str, fn: Callable[[str], str]) -> None:
    """10x the input costs about 10x the time (linear), never about 100x (quadratic: 20 s for
    100 kB and 40 minutes for 1 MB before). Each step is checked before the next, larger one
    runs, so a quadratic pattern fails at 100k instead of hanging at 1M. The 1 ms floor keeps
    clock resolution out of the ratio of tiny times."""
    make = ADVERSARIAL[name]
    previous = _cpu_seconds(fn, make(10_000))
    for n in (100_000, 1_000_000):
        took = _cpu_seconds(fn, make(n))
        assert took <= 30 * max(previous, 0.001), (name, n, took, previous)
        previous = took


def test_redaction_still_catches_everything() -> None:
    text = (
        "mail jane.doe@example.com or a.b+c@mail.example.org, call +1 415-555-0134, "
        "card 4111 1111 1111 1111, key sk-live-abcdefghijklmnopqrstuv, "
        "AKIAABCDEFGHIJKLMNOP, Bearer abcdefghijklmnop.qrs, "
        "0123456789abcdef0123456789abcdef"
    )
    out = redact(text)
    assert out == (
        "mail [EMAIL] or [EMAIL], call [PHONE], card [CARD], key [SECRET], [SECRET], "
        "[SECRET], [SECRET]"
    )


def test_long_json_body_is_redacted_in_segments_and_stays_json() -> None:
    """A body of many segments: every address is caught wherever the cuts fall."""
    messages = [
        {"role": "user", "content": f"write to user{i}@example.com now"} for i in range(40_000)
    ]
    text = orjson.dumps({"model": "chat", "messages": messages}).decode()
    assert len(text) > 10 * SEGMENT
    out = redact(text)
    assert "@example.com" not in out
    assert out.count("[EMAIL]") == 40_000
    assert len(orjson.loads(out)["messages"]) == 40_000


@pytest.mark.parametrize("offset", range(0, SEGMENT, 997))
def test_a_segment_cut_never_splits_a_card_phone_or_token(offset: int) -> None:
    """Plain sentences (no separator but spaces) cut into segments: wherever the cut falls,
    every card, phone number and bearer token is still masked."""
    sentence = (
        "call me at +1 415 555 0100 or card 4111 1111 1111 1111 or Bearer abcdefghijklmnop ok "
    )
    text = "x" * offset + " " + sentence * (3 * SEGMENT // len(sentence))
    out = redact(text)
    for secret in ("4111 1111", "1111 1111", "555 0100", "415 555", "abcdefghijklmnop"):
        assert secret not in out, (offset, secret)
    assert out.count("[CARD]") > 100  # the text was redacted, not dropped


def test_digits_with_nowhere_safe_to_cut_are_dropped_not_split() -> None:
    out = redact("4111 " * (2 * SEGMENT // 5))
    assert out.startswith("[REDACTED ") and "4111 4111 4111 4111 4111" not in out[:SEGMENT]


def test_redaction_is_bounded() -> None:
    """A segment-long run with no separator and no space is stored as a marker, and text past
    MAX_CHARS is not stored at all: nothing long goes unredacted."""
    opaque = redact('{"a": "' + "x" * (SEGMENT + 10) + 'jane@example.com", "b": 1}')
    assert opaque == '{"a": "[REDACTED ' + str(SEGMENT + 26) + ' chars]", "b": 1}'
    huge = redact("," * (MAX_CHARS - 5) + " jane@example.com")
    assert huge == "," * (MAX_CHARS - 5) + "[TRUNCATED 17 chars]"  # cut after a separator


class Gate:
    """A redactor that holds long bodies until released: it shows whether anything waits on
    redaction (a test seam; bodies of other sizes are redacted at once)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.timed_out = False

    def __call__(self, text: str) -> str:
        if len(text) > 500_000:
            self.entered.set()
            self.timed_out = not self.release.wait(30)
        return redact(text)


@pytest.mark.parametrize("harness_transport", ["socket"])
async def test_long_body_redaction_blocks_no_request(make_harness) -> None:  # type: ignore[no-untyped-def]
    """While a 1 MB adversarial body waits in redaction, its own response and another client's
    request complete: nothing on the event loop waits on redaction."""
    h: Harness = await make_harness(bodies="redacted")
    gate = Gate()
    h.app.state.runtime.gateway.traces.redact = gate
    big = {"model": "chat", "messages": [{"role": "user", "content": "x." * 400_000}]}
    small = {"model": "chat", "messages": [{"role": "user", "content": "mail me@example.com"}]}
    async with httpx.AsyncClient(base_url=h.base, timeout=20) as other:
        first = await h.http.post("/v1/chat/completions", headers=AUTH, json=big)
        assert first.status_code == 200
        await asyncio.to_thread(gate.entered.wait, 10)
        assert gate.entered.is_set() and not gate.release.is_set()
        second = await other.post("/v1/chat/completions", headers=AUTH, json=small)
        assert second.status_code == 200
        assert not gate.release.is_set()  # still held: the small one did not wait for it
        gate.release.set()
    assert not gate.timed_out  # held on the event loop, it would have stalled both requests
    ids = {first.json()["id"], second.json()["id"]}
    rows = {}
    for _ in range(200):  # the recorder's writer may hold a batch it took off the queue
        rows = {r.request_id: r for r in h.traces(role="served")}
        if ids <= set(rows):
            break
        await asyncio.sleep(0.05)
    big_row = rows[first.json()["id"]]
    small_row = rows[second.json()["id"]]
    assert "[EMAIL]" in (small_row.request_body or "")
    assert "[REDACTED 800000 chars]" in (big_row.request_body or "")


def _row(body: str) -> TraceRecord:
    return TraceRecord(
        request_id=body[:8],
        pair_id="p",
        ts=datetime.now(UTC),
        workload="w",
        role="served",
        model="m",
        provider="openai",
        status="ok",
        http_status=200,
        request_body=body,
    )


def test_redaction_backlog_is_bounded() -> None:
    """Rows that would pass the backlog bound go out at once without bodies: a flood of large
    bodies waits on nothing and holds bounded memory; the others are redacted in order."""
    release = threading.Event()
    sunk: list[TraceRecord] = []

    def slow(row: TraceRecord) -> TraceRecord:
        release.wait(10)
        return dataclasses.replace(row, request_body=redact(row.request_body or ""))

    worker = RedactionThread(slow, sunk.append, max_backlog=25_000)
    for i in range(4):
        worker.submit(_row(f"row{i}-jane@example.com " + "," * 10_000))
    assert [r.request_id for r in sunk] == ["row2-jan", "row3-jan"]  # past the bound
    assert all(r.request_body is None for r in sunk) and worker.bodies_dropped == 2
    release.set()
    assert worker.flush(10)
    worker.close()
    assert [r.request_id for r in sunk[2:]] == ["row0-jan", "row1-jan"]
    assert [(r.request_body or "")[:9] for r in sunk[2:]] == ["[EMAIL] ,"] * 2
