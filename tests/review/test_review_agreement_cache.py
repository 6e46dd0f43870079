"""Stored shadow agreement on SQLite and PostgreSQL: judged once per pair, counted in SQL, and
equal to judging every pair in memory (the one rule, review.agreement.compare)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.web.web_helpers import REALISTIC, PairSpec, make_config, pair_rows, seed_pairs

from swapsafe.review import agreement_cache
from swapsafe.review.agreement import aggregate
from swapsafe.review.agreement_cache import (
    agreement_by_served_model,
    daily_agreement,
    judge_pairs,
)
from swapsafe.review.service import load_shadow_pairs
from swapsafe.store import open_store
from swapsafe.store.protocol import Store

BASE = {"support": "old", "summarize": "old"}


@pytest.fixture
def store(tmp_path: Path, store_url: str) -> Iterator[Store]:
    cfg = make_config(tmp_path / "p", store_url)
    s = open_store(cfg.store.url)
    yield s
    s.close()


def _seed_days(store: Store) -> datetime:
    today = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)
    specs = [
        replace(spec, ts=today - timedelta(days=day, minutes=i))
        for day in (0, 1, 2)
        for i, spec in enumerate(REALISTIC)
    ]
    seed_pairs(store, specs)
    return today


def test_stored_agreement_equals_judging_in_memory(store: Store) -> None:
    today = _seed_days(store)
    since = today - timedelta(days=5)
    pairs = load_shadow_pairs(store, BASE, "support", since=since)
    expected = aggregate((p.workload, p.day, p.agreement()) for p in pairs)
    got = daily_agreement(store, BASE, "support", since=since)
    assert [(d.day, d.pairs, d.agree, d.both_ok, d.by_kind) for d in got] == [
        (d.day, d.pairs, d.agree, d.both_ok, d.by_kind) for d in expected
    ]
    for g, e in zip(got, expected, strict=True):
        assert g.mean_similarity == pytest.approx(e.mean_similarity)
    # by served model over a window: the same counts
    counts = agreement_by_served_model(store, BASE, "support", since, datetime.now(UTC))
    assert counts == {"old": (sum(d.agree for d in expected), sum(d.pairs for d in expected))}


def test_each_pair_is_judged_once(store: Store) -> None:
    _seed_days(store)
    assert judge_pairs(store, BASE, "support") == 3 * len(REALISTIC)
    assert judge_pairs(store, BASE, "support") == 0  # stored: nothing left to judge
    seed_pairs(store, REALISTIC[:2])
    assert judge_pairs(store, BASE, "support") == 2  # only the new pairs
    # a new rule judges every pair again
    new_rule = agreement_cache.RULE + 1
    assert judge_pairs(store, BASE, "support", rule=new_rule) == 3 * len(REALISTIC) + 2
    assert judge_pairs(store, BASE, "support", rule=new_rule) == 0


def test_models_filter_and_unpaired_shadow_calls(store: Store) -> None:
    _seed_days(store)
    since = datetime.now(UTC) - timedelta(days=5)
    assert daily_agreement(store, BASE, "support", since=since, models=("x", "y")) == []
    assert judge_pairs(store, BASE, "support") == 0  # the read above judged them all
    rows = pair_rows(PairSpec("q", "a", "b"), "lonely-pair", datetime.now(UTC))
    store.insert_traces([r for r in rows if r.role == "shadow"])  # no served call (yet)
    assert judge_pairs(store, BASE, "support") == 0  # left for later, and no endless loop
    store.insert_traces([r for r in rows if r.role == "served"])
    assert judge_pairs(store, BASE, "support") == 1
