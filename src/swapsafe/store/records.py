"""Plain records that cross the store seam. No ORM object ever leaves ``store/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple, get_args

Mode = Literal["baseline", "shadow", "canary", "promoted", "rolled_back"]
Role = Literal["served", "shadow"]
#: every role a trace can have: a query naming them all selects the same rows as one that
#: leaves the role out, and lets SQLite seek ``ix_traces_report`` per (model, role) range
ROLES: tuple[Role, ...] = get_args(Role)


@dataclass
class TraceRecord:
    """One upstream call made by the gateway (served or shadow)."""

    request_id: str
    pair_id: str
    ts: datetime  # UTC, when the call started
    workload: str
    role: Role
    model: str  # model name from the config ([models.NAME])
    provider: str  # provider type: openai, anthropic, openai-compatible, scripted
    status: str  # "ok", "error", "client_disconnect", "timeout", "skipped"
    http_status: int | None = None
    error_class: str | None = None
    latency_ms: float | None = None
    ttft_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None
    cost_usd: float | None = None
    bucket: int | None = None
    stream: bool = False
    inbound_wire: str | None = None  # "openai" | "anthropic" | "responses": what the client spoke
    request_body: str | None = None  # JSON text per [store] bodies
    response_body: str | None = None
    finish_reason: str | None = None
    source: str = "gateway"  # "gateway", "import:<format>", or a SYNTHETIC_SOURCES value
    #: served calls only: "shadowed" or the skip reason (swapsafe.store.coverage); None when no
    #: shadow call was due
    shadow_outcome: str | None = None
    #: the short hash of the prompt variant the call was sent with ([workloads.W.prompts.MODEL])
    prompt_variant: str | None = None
    #: the model adapter's rules that changed the request ([models.NAME.request]), comma-
    #: separated labels such as "rename:max_tokens>max_completion_tokens,drop:temperature"
    adapted: str | None = None


@dataclass
class RoutingState:
    """Run-time routing state of one workload. Weight is the candidate share in percent."""

    workload: str
    mode: Mode = "baseline"
    weight: float = 0.0
    shadow: bool = False
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None


@dataclass
class AuditEntry:
    id: int
    ts: datetime
    actor: str
    action: str
    workload: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str


#: trace sources of requests swapsafe made itself (``x-swapsafe-synthetic: <source>``): they are
#: traced like any call but left out of inventory, baselines, gates, reports, canary analysis
#: and review samples
SYNTHETIC_SOURCES = ("rehearsal",)


@dataclass
class TraceQuery:
    """Which trace rows to read. ``real_only`` leaves out synthetic traffic (rehearsals)."""

    workload: str | None = None
    model: str | None = None
    role: Role | None = None
    since: datetime | None = None
    until: datetime | None = None
    pair_id: str | None = None
    request_id: str | None = None
    limit: int = 1000
    extra: dict[str, Any] = field(default_factory=dict)
    real_only: bool = False


class RecentUsage(NamedTuple):
    """The newest matching traces (``Store.recent_usage``): how many, the oldest one's time,
    and token sums over those with token counts."""

    traces: int
    oldest: datetime | None
    with_tokens: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int


# --- records added with the SQL store (later issues build on these) ---------------------------


@dataclass
class EvalRun:
    """One evaluation run of a workload's golden set against one or more models."""

    workload: str
    started_at: datetime
    status: str = "running"  # "running", "done", "failed"
    tag: str | None = None
    finished_at: datetime | None = None
    settings: dict[str, Any] | None = None
    models: list[str] | None = None
    id: int | None = None  # assigned by the store


@dataclass
class EvalResult:
    """One case scored for one model in one eval run."""

    run_id: int
    case_id: str
    model: str
    output: str | None = None
    passed: bool | None = None
    score: float | None = None
    scores: dict[str, Any] | None = None
    latency_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    error: str | None = None


@dataclass
class ReviewPair:
    """A shadow pair sampled into a human review queue."""

    workload: str
    pair_id: str
    queue: str
    sampled_at: datetime
    disagreement: dict[str, Any] | None = None
    id: int | None = None


@dataclass
class ReviewVerdict:
    pair_id: str
    reviewer: str
    verdict: str  # e.g. "old_better", "new_better", "same", "both_bad"
    ts: datetime
    note: str | None = None
    id: int | None = None


@dataclass
class RedteamRun:
    workload: str
    started_at: datetime
    status: str = "running"
    finished_at: datetime | None = None
    models: list[str] | None = None
    settings: dict[str, Any] | None = None
    id: int | None = None


@dataclass
class RedteamFinding:
    run_id: int
    probe_id: str
    category: str
    model: str
    success: bool  # the attack succeeded
    blocked: bool = False  # the upstream refused / filtered the request
    prompt: str | None = None
    output: str | None = None
    reason: str | None = None


@dataclass
class Plan:
    """A migration plan: one old model to one new model over some workloads."""

    name: str
    from_model: str
    to_model: str
    created_at: datetime
    workloads: list[str] = field(default_factory=list)
    start_date: datetime | None = None


@dataclass
class PlanEvent:
    """A plan item ticked or unticked, by evidence or by hand."""

    plan: str
    item: int
    action: Literal["tick", "untick"]
    actor: str
    ts: datetime
    note: str | None = None
    evidence: dict[str, Any] | None = None
    id: int | None = None


@dataclass
class Baseline:
    workload: str
    model: str
    ts: datetime
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
