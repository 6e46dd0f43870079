"""Shadow agreement judged once per pair and counted in SQL.

Judging a pair (:func:`swapsafe.review.agreement.compare`) parses both response bodies and
diffs the texts: about a millisecond a pair, too slow to redo for thousands of pairs on every
page load. :func:`judge_pairs` judges the pairs not judged yet and stores each verdict
(``shadow_agreement``); :func:`daily_agreement` and :func:`agreement_by_served_model` count
the stored verdicts in SQL. The overview, the rollout analysis and the report all read
agreement through here, so they agree with each other and with review sampling.

``RULE`` is the version of the agreement rule: raise it when ``compare`` or its thresholds
change, and every pair is judged again on its next read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from swapsafe.review.agreement import KINDS, DailyAgreement
from swapsafe.review.pairs import ShadowPair, pair_up
from swapsafe.store.protocol import Store
from swapsafe.store.records_rollout import AgreementGroup, PairAgreement

RULE = 1
BATCH = 2000


def verdict_row(pair: ShadowPair, rule: int = RULE) -> PairAgreement:
    """What is stored of one pair's agreement, judged by version ``rule`` of the rule."""
    a = pair.agreement()
    served = pair.old if pair.old.role == "served" else pair.new
    return PairAgreement(
        pair_id=pair.pair_id,
        rule=rule,
        workload=pair.workload,
        day=pair.day.isoformat(),
        served_ts=served.ts,
        served_model=served.model,
        old_model=pair.old.model,
        new_model=pair.new.model,
        agree=int(a.agree),
        both_ok=int(a.both_ok),
        kinds=",".join(a.disagreements),
        similarity=a.similarity,
    )


def judge_pairs(
    store: Store,
    baselines: Mapping[str, str],
    workload: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    rule: int = RULE,
) -> int:
    """Judge and store the shadow pairs of ``workload`` (shadow call in ``[since, until)``)
    that have no verdict of version ``rule`` yet; returns how many were judged. A shadow call
    whose served call is not recorded (yet) is left for a later read."""
    judged = 0
    seen: set[str] = set()
    while True:
        found = store.unjudged_pairs(workload, rule, since, until, BATCH)
        fresh = [pair_id for pair_id, _ in found if pair_id not in seen]
        if not fresh:
            return judged
        seen.update(fresh)
        pairs = pair_up(store.traces_of_pairs(fresh), baselines)
        store.save_agreements([verdict_row(p, rule) for p in pairs])
        judged += len(pairs)
        if len(found) < BATCH:
            return judged
        since = found[-1][1]  # resume at the last time seen; judged pairs drop out by join


def days_of(workload: str, groups: list[AgreementGroup]) -> list[DailyAgreement]:
    """Stored verdict groups rolled up per day, as :func:`review.agreement.aggregate` does
    for pairs judged in memory (no median length ratio: it is not stored)."""
    by_day: dict[str, list[AgreementGroup]] = {}
    for g in groups:
        by_day.setdefault(g.day, []).append(g)
    out = []
    for day, rows in sorted(by_day.items()):
        kinds = {k: 0 for k in KINDS}
        for g in rows:
            for kind in filter(None, g.kinds.split(",")):
                kinds[kind] = kinds.get(kind, 0) + g.pairs
        sim_n = sum(g.similarity_n for g in rows)
        out.append(
            DailyAgreement(
                workload=workload,
                day=date.fromisoformat(day),
                pairs=sum(g.pairs for g in rows),
                agree=sum(g.pairs for g in rows if g.agree),
                both_ok=sum(g.pairs for g in rows if g.both_ok),
                by_kind={k: n for k, n in kinds.items() if n},
                mean_similarity=sum(g.similarity_sum for g in rows) / sim_n if sim_n else None,
                median_length_ratio=None,
            )
        )
    return out


def daily_agreement(
    store: Store,
    baselines: Mapping[str, str],
    workload: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    models: tuple[str, str] | None = None,
) -> list[DailyAgreement]:
    """Agreement per day of the pairs served in ``[since, until)`` (judging new ones first);
    ``models`` (old, new) keeps only the pairs of exactly those two models."""
    judge_pairs(store, baselines, workload, since=since, until=until)
    groups = store.agreement_groups(workload, RULE, since, until, models)
    return days_of(workload, groups)


def agreement_by_served_model(
    store: Store, baselines: Mapping[str, str], workload: str, since: datetime, until: datetime
) -> dict[str, tuple[int, int]]:
    """Per served model: (agreeing pairs, pairs) of the pairs served in ``[since, until)``."""
    judge_pairs(store, baselines, workload, since=since, until=until)
    return store.agreement_by_served_model(workload, RULE, since, until)
