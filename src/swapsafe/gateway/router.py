"""Pure routing decision: request → serving model (+ shadow model).

Sticky assignment: ``bucket = hash(workload, sticky_key) mod 10000``; the candidate serves when
``bucket < weight * 100``. The hash is BLAKE2b, so every replica and every restart agrees with no
shared state, and raising the weight only moves keys from the baseline to the candidate.
Requests without a sticky key get a random bucket.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from swapsafe.config import WorkloadConfig
from swapsafe.store.records import RoutingState

BUCKETS = 10_000


@dataclass(frozen=True, slots=True)
class Route:
    workload: str
    serving: str  # model name from [models.NAME]
    shadow: str | None  # model to shadow, if any
    bucket: int
    sticky: bool  # whether the bucket came from a sticky key


def bucket(workload: str, key: str) -> int:
    """Stable bucket in [0, 10000) for a workload and sticky key."""
    digest = hashlib.blake2b(f"{workload}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def sticky_key(spec: str, body: Mapping[str, Any], headers: Mapping[str, str]) -> str | None:
    """Read the sticky key named by ``spec`` (``user``, ``metadata.user_id``, ``header:NAME``).

    Whatever the spec, ``x-swapsafe-user`` wins when present, then the OpenAI ``user`` and
    ``safety_identifier`` fields and the Anthropic ``metadata.user_id`` are tried, so both SDKs'
    usual fields work out of the box (Chat Completions and Responses alike).
    """
    value = headers.get("x-swapsafe-user")
    if value:
        return value
    if spec.startswith("header:"):
        value = headers.get(spec[7:].lower())
        if value:
            return value
    elif "." in spec:
        node: Any = body
        for part in spec.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, str | int) and node != "":
            return str(node)
    else:
        value = body.get(spec)
        if isinstance(value, str | int) and value != "":
            return str(value)
    for field in ("user", "safety_identifier"):  # OpenAI's, old and new (GPT-5 era)
        user = body.get(field)
        if isinstance(user, str) and user:
            return user
    meta = body.get("metadata")
    if isinstance(meta, Mapping):
        uid = meta.get("user_id")
        if isinstance(uid, str) and uid:
            return uid
    return None


def decide(
    *,
    workload: str,
    baseline: str,
    candidate: str | None,
    state: RoutingState,
    key: str | None,
    rng: random.Random | None = None,
) -> Route:
    """Choose the serving model and the model to shadow for one request."""
    b = (rng or random).randrange(BUCKETS) if key is None else bucket(workload, key)
    serving = baseline
    if candidate is not None and b < state.weight * 100:
        serving = candidate
    shadow: str | None = None
    if candidate is not None and state.shadow and state.mode != "rolled_back":
        shadow = baseline if serving == candidate else candidate
    return Route(
        workload=workload, serving=serving, shadow=shadow, bucket=b, sticky=key is not None
    )


def route_request(
    workload: WorkloadConfig,
    state: RoutingState,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
) -> Route:
    """:func:`decide` for one request to ``workload``, sticky by the workload's ``sticky_key``."""
    return decide(
        workload=workload.name,
        baseline=workload.baseline,
        candidate=workload.candidate,
        state=state,
        key=sticky_key(workload.sticky_key, body, headers),
    )
