"""The review service: loads shadow pairs from the store, fills review queues, records verdicts.

The web pages and ``swapsafe review`` both use it. It is synchronous (store calls); web
handlers run it with ``asyncio.to_thread``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from swapsafe.config import Config
from swapsafe.exceptions import SwapsafeError
from swapsafe.review.agreement import Agreement, DailyAgreement
from swapsafe.review.agreement_cache import daily_agreement
from swapsafe.review.pairs import ShadowPair, pair_up
from swapsafe.review.sampling import Candidate, sample
from swapsafe.review.verdicts import ACTIONS, UNDO, Effective, effective, last_action
from swapsafe.store.protocol import Store
from swapsafe.store.records import ReviewPair, ReviewVerdict, TraceQuery, TraceRecord

DEFAULT_QUEUE = "default"
MAX_PAIRS = 20_000


class ReviewError(SwapsafeError):
    """A review request that cannot be done (unknown workload, pair, verdict...)."""


@dataclass(frozen=True)
class QueueItem:
    pair: ReviewPair
    mine: Effective | None  # this reviewer's standing action


def load_shadow_pairs(
    store: Store,
    baselines: Mapping[str, str],
    workload: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = MAX_PAIRS,
) -> list[ShadowPair]:
    """Complete shadow pairs of ``workload`` whose shadow call is in ``[since, until)``, oldest
    first, at most ``limit``; ``baselines`` (workload -> model) says which side is old."""
    shadows: list[TraceRecord] = []
    for row in store.iter_traces(
        TraceQuery(workload=workload, role="shadow", since=since, until=until, real_only=True)
    ):
        shadows.append(row)
        if len(shadows) >= limit:
            break
    if not shadows:
        return []
    wanted = {r.pair_id for r in shadows}
    low = min(r.ts for r in shadows) - timedelta(minutes=10)
    served = [
        r
        for r in store.iter_traces(
            TraceQuery(workload=workload, role="served", since=low, real_only=True)
        )
        if r.pair_id in wanted
    ]
    return pair_up([*shadows, *served], baselines)


def utcnow() -> datetime:
    return datetime.now(UTC)


class ReviewService:
    def __init__(
        self, store: Store, config: Config, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.baselines = {n: w.baseline for n, w in config.workloads.items()}

    def _workload(self, name: str) -> None:
        if name not in self.config.workloads:
            known = ", ".join(sorted(self.config.workloads)) or "(none configured)"
            raise ReviewError(f"unknown workload {name!r}; known workloads: {known}")

    # -- pairs -------------------------------------------------------------------------------

    def load_pairs(
        self, workload: str, *, since: datetime | None = None, limit: int = MAX_PAIRS
    ) -> list[ShadowPair]:
        """Complete shadow pairs of a workload since ``since`` (oldest first, at most ``limit``)."""
        self._workload(workload)
        return load_shadow_pairs(self.store, self.baselines, workload, since=since, limit=limit)

    def pair(self, pair_id: str) -> ShadowPair | None:
        rows = self.store.query_traces(TraceQuery(pair_id=pair_id, limit=10))
        pairs = pair_up(rows, self.baselines)
        return pairs[0] if pairs else None

    def agreement_trend(self, workload: str, *, days: int = 14) -> tuple[list[DailyAgreement], int]:
        """Daily agreement over the last ``days`` days and the number of pairs it covers
        (stored verdicts, see :mod:`swapsafe.review.agreement_cache`)."""
        self._workload(workload)
        since = self.clock() - timedelta(days=days)
        daily = daily_agreement(self.store, self.baselines, workload, since=since)
        return daily, sum(d.pairs for d in daily)

    # -- sampling ----------------------------------------------------------------------------

    def sample(
        self,
        workloads: Iterable[str],
        n: int,
        *,
        disagreement_share: float = 0.5,
        seed: int | None = None,
        queue: str = DEFAULT_QUEUE,
        since: datetime | None = None,
    ) -> list[ReviewPair]:
        """Sample ``n`` new pairs into ``queue``; returns them (stratified, disagreements first)."""
        names = list(workloads) or sorted(self.config.workloads)
        for name in names:
            self._workload(name)
        if n < 1:
            raise ReviewError("--n must be at least 1")
        if not 0 <= disagreement_share <= 1:
            raise ReviewError("--disagreement-share must be between 0 and 1")
        existing_ids = {p.pair_id for p in self.queue(queue)}
        candidates, agreements, existing_requests = self._candidates(names, existing_ids, since)
        models = {c.pair_id: c.new_model for c in candidates}
        chosen = sample(
            candidates,
            n,
            disagreement_share=disagreement_share,
            seed=seed,
            exclude_pairs=existing_ids,
            exclude_requests=existing_requests,
        )
        now = self.clock()
        rows = [
            ReviewPair(
                workload=c.workload,
                pair_id=c.pair_id,
                queue=queue,
                sampled_at=now + timedelta(microseconds=i),  # keeps the chosen order
                disagreement={**agreements[c.pair_id].as_dict(), "new_model": models[c.pair_id]},
            )
            for i, c in enumerate(chosen)
        ]
        self.store.add_review_pairs(rows)
        return rows

    def _candidates(
        self, names: list[str], existing_ids: set[str], since: datetime | None
    ) -> tuple[list[Candidate], dict[str, Agreement], set[str]]:
        """Sampling candidates (pairs not queued yet), their agreements, queued requests."""
        candidates: list[Candidate] = []
        agreements: dict[str, Agreement] = {}
        existing_requests: set[str] = set()
        for name in names:
            candidate = self.config.workloads[name].candidate
            for pair in self.load_pairs(name, since=since):
                if pair.new.model != candidate:  # another candidate's pairs judge nothing now
                    continue
                if pair.pair_id in existing_ids:
                    existing_requests.add(pair.request_key)
                    continue
                agreement = pair.agreement()
                agreements[pair.pair_id] = agreement
                candidates.append(
                    Candidate(
                        pair_id=pair.pair_id,
                        workload=pair.workload,
                        day=pair.day,
                        request_key=pair.request_key,
                        disagreements=agreement.disagreements,
                        has_bodies=pair.has_bodies,
                        errored=pair.old.status != "ok" or pair.new.status != "ok",
                        new_model=pair.new.model,
                    )
                )
        return candidates, agreements, existing_requests

    # -- queue + verdicts --------------------------------------------------------------------

    def queue(self, queue: str = DEFAULT_QUEUE, workload: str | None = None) -> list[ReviewPair]:
        return self.store.list_review_pairs(queue=queue, workload=workload, limit=1_000_000)

    def verdict_rows(self) -> list[ReviewVerdict]:
        return self.store.list_review_verdicts(limit=10_000_000)

    def effective(self) -> dict[tuple[str, str], Effective]:
        return effective(self.verdict_rows())

    def items(
        self,
        reviewer: str,
        *,
        queue: str = DEFAULT_QUEUE,
        workload: str | None = None,
        kind: str | None = None,
        eff: Mapping[tuple[str, str], Effective] | None = None,
    ) -> list[QueueItem]:
        """The queue (filtered) with this reviewer's standing action on each pair (``eff``:
        the standing actions when the caller has them already)."""
        eff = self.effective() if eff is None else eff
        out = []
        for p in self.queue(queue, workload):
            types = (p.disagreement or {}).get("types") or []
            agree = not types and bool((p.disagreement or {}).get("both_ok", True))
            if kind == "agree" and not agree:  # Agreement.agree, as stored
                continue
            if kind and kind != "agree" and kind not in types:
                continue
            out.append(QueueItem(p, eff.get((p.pair_id, reviewer))))
        return out

    @staticmethod
    def next_item(items: list[QueueItem]) -> QueueItem | None:
        """First pair without an action by this reviewer, else the first skipped one."""
        for item in items:
            if item.mine is None:
                return item
        for item in items:
            if item.mine is not None and item.mine.verdict == "skip":
                return item
        return None

    def record(
        self,
        pair_id: str,
        reviewer: str,
        verdict: str,
        note: str | None = None,
        *,
        queue: str = DEFAULT_QUEUE,
    ) -> int:
        """Save one action at once (append-only)."""
        if verdict not in ACTIONS:
            raise ReviewError(f"unknown verdict {verdict!r}; use one of {', '.join(ACTIONS)}")
        if all(p.pair_id != pair_id for p in self.queue(queue)):
            raise ReviewError(f"pair {pair_id!r} is not in review queue {queue!r}")
        return self.store.add_review_verdict(
            ReviewVerdict(
                pair_id=pair_id,
                reviewer=reviewer,
                verdict=verdict,
                ts=self.clock(),
                note=(note or "").strip()[:4000] or None,
            )
        )

    def undo(self, reviewer: str) -> str | None:
        """Take back this reviewer's last standing action; returns its pair id (None: nothing)."""
        last = last_action(self.verdict_rows(), reviewer)
        if last is None:
            return None
        self.store.add_review_verdict(
            ReviewVerdict(pair_id=last.pair_id, reviewer=reviewer, verdict=UNDO, ts=self.clock())
        )
        return last.pair_id
