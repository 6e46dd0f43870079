"""Pydantic models for ``swapsafe.toml``. TOML keys are the attribute names.

Build them with :func:`swapsafe.config.load_config`; constructing them directly works too
(relative paths then resolve against the current directory, env:: refs against os.environ).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationInfo as _Info

from swapsafe.config.checks import cross_check
from swapsafe.config.prompts import PromptVariantConfig
from swapsafe.config.request import RequestConfig
from swapsafe.config.values import (
    Duration,
    ExistingFile,
    Fraction,
    NonNegativeInt,
    Percent,
    PositiveInt,
    Secret,
    at_least,
    check_http_url,
    final_error,
    in_range,
    normalize_sticky_key,
    show_value,
)
from swapsafe.wire.prompt_variant import PromptVariant

log = logging.getLogger("swapsafe.config")

Provider = Literal["openai", "anthropic", "openai-compatible", "scripted"]
#: which OpenAI HTTP APIs an upstream offers: Chat Completions, the Responses API, or both
Api = Literal["chat", "responses", "both"]
Bodies = Literal["full", "redacted", "none"]
NonNegative = Annotated[float, at_least(0)]
HttpUrl = Annotated[str, AfterValidator(check_http_url)]
_SQLITE = re.compile(r"^(sqlite(?:\+\w+)?):///([^?]*)(\?.*)?$")


class _Table(BaseModel):
    # strict: TOML values are typed, so true is not 1 and "12" is not 12
    model_config = ConfigDict(extra="forbid", strict=True)


class StoreConfig(_Table):
    url: str = "sqlite:///swapsafe.db"
    bodies: Bodies = "full"
    # Trace rows held in memory while the store is unavailable; past this they spill to
    # <config dir>/.swapsafe/spill-<pid>.jsonl and are replayed later.
    max_buffered_rows: Annotated[int, Field(ge=1)] = 200_000
    # How long opening a PostgreSQL connection may take, and how long any statement may run
    # (server-side statement_timeout, and client-side for a server that went silent; on
    # SQLite, how long a write waits for another process's lock).
    connect_timeout: Annotated[Duration, Field(gt=0)] = 5.0
    statement_timeout: Annotated[Duration, Field(gt=0)] = 15.0
    # The gateway journals every trace row to <config dir>/.swapsafe/ this often (one write +
    # fsync per batch): kill -9 or a power loss loses at most about this much. 0 turns it off.
    journal_interval: Annotated[Duration, Field(ge=0)] = 0.1
    # On shutdown, how long the gateway keeps writing buffered traces to the store before it
    # spills the rest to <config dir>/.swapsafe/ for the next start.
    drain_timeout: Annotated[Duration, Field(gt=0)] = 10.0


class PriceOverride(_Table):
    """USD per million tokens."""

    input: NonNegative
    output: NonNegative
    cached_input: NonNegative | None = None


class ModelConfig(_Table):
    name: str
    provider: Provider
    model: str = ""
    base_url: HttpUrl | None = None
    api_key: Secret | None = None
    timeout: Duration = 60.0
    price: PriceOverride | None = None
    default_max_tokens: PositiveInt = 4096
    #: CA bundle (PEM) trusted for this model's https upstream instead of the system store
    ca_file: ExistingFile | None = None
    #: request rules applied to every call of this model (config/request.py)
    request: RequestConfig = Field(default_factory=RequestConfig)
    #: OpenAI-wire models only: the APIs the upstream offers. "both" (the default for provider
    #: "openai"): Chat Completions clients use /chat/completions, Responses clients
    #: /responses, natively. "chat" (the default for "openai-compatible": vLLM, llama.cpp,
    #: Ollama): Responses clients are translated to chat. "responses" (a Responses-only model):
    #: every other client is translated to /responses.
    api: Api | None = None

    @model_validator(mode="after")
    def _complete(self) -> ModelConfig:
        if not self.model:
            self.model = self.name
        if self.api is not None and self.provider not in ("openai", "openai-compatible"):
            raise final_error(
                f'applies to OpenAI-wire models only (provider "openai" or "openai-compatible"), '
                f'not provider "{self.provider}"; remove it',
                at=("api",),
            )
        if self.api is None and self.provider in ("openai", "openai-compatible"):
            self.api = "both" if self.provider == "openai" else "chat"
        if self.provider == "openai-compatible" and self.base_url is None:
            raise final_error(
                'required for provider "openai-compatible"; add base_url = "http://127.0.0.1:8000/v1"',
                at=("base_url",),
            )
        return self


def _check_points(value: float, info: _Info) -> float:
    """A margin in percentage points (gates and triggers alike): 0-100.

    Between 0 and 1 it most likely is a proportion written by mistake (configs made before
    margins were points had ``redteam_margin = 0.05``): ``config check`` refuses it with the fix;
    every other command warns and uses it as written, in points (a stricter gate, never a
    looser one), so a rollback or a restart never fails on it.
    """
    if not 0 <= value <= 100:
        raise final_error(f"{show_value(value)} is outside 0-100; margins are in points")
    if 0 < value < 1:
        points = round(value * 100, 6)
        fix = (
            f"did you mean {show_value(points)} points? write {show_value(points)} instead"
            if points <= 20
            else "write a margin of 1 point or more"
        )
        message = (
            f"{show_value(value)} looks like a proportion; margins are in points (percentage "
            f"points): {fix} (1 means 1 point)"
        )
        if (info.context or {}).get("strict"):
            raise final_error(message)
        _warn_once(f"{info.field_name}: {message}")
    return value


def _warn_once(message: str, _seen: set[str] = set()) -> None:  # noqa: B006 (the set is the memo)
    if message not in _seen:
        _seen.add(message)
        log.warning("%s; used as written until fixed (swapsafe config check refuses it)", message)


#: a margin in percentage points (2 = 2 points); 0 < value < 1 is refused as a likely fraction
Points = Annotated[float, AfterValidator(_check_points)]


class GateConfig(_Table):
    pass_rate_margin: Points = 2.0
    p95_latency_ratio_max: NonNegative = 1.5
    cost_ratio_max: NonNegative | None = None
    error_rate_max: Fraction = 0.02
    confidence: Annotated[float, in_range(0.5, 0.999, "use e.g. 0.95")] = 0.95
    redteam_margin: Points = 5.0
    review_worse_max: Fraction = 0.2


class TriggerConfig(_Table):
    error_rate_above: Fraction = 0.05
    p95_above: Duration | None = None
    online_score_drop: NonNegative | None = None
    min_samples: NonNegativeInt = 50
    #: sequential canary-vs-baseline analysis (docs/rollout.md): non-inferiority margins in
    #: points, and the false-alarm rate over a whole hold, for any number of looks
    error_rate_margin: Points = 1.0
    latency_margin: Points = 5.0
    alpha: Annotated[float, in_range(0.001, 0.2, "use e.g. 0.05")] = 0.05


_SET_BY_SWAPSAFE = {"model", "messages", "tools", "stream", "stream_options", "temperature"}


class WorkloadConfig(_Table):
    name: str
    aliases: list[str] = Field(default_factory=list)
    baseline: str
    candidate: str | None = None
    golden: ExistingFile | None = None
    system_prompt: ExistingFile | None = None
    sticky_key: Annotated[str, AfterValidator(normalize_sticky_key)] = "user"
    # what the application sends with every call (max_tokens, response_format, ...): golden
    # evals and red-team probes send the same, so they test what production runs
    params: dict[str, Any] = Field(default_factory=dict)
    gates: GateConfig = Field(default_factory=GateConfig)
    triggers: TriggerConfig = Field(default_factory=TriggerConfig)
    #: model name -> the prompt variant this workload sends that model (config/prompts.py)
    prompts: dict[str, PromptVariantConfig] = Field(default_factory=dict)

    @field_validator("params")
    @classmethod
    def _params(cls, value: dict[str, Any]) -> dict[str, Any]:
        taken = sorted(set(value) & _SET_BY_SWAPSAFE)
        if taken:
            raise final_error(
                f"{', '.join(taken)} cannot be set here: swapsafe sets the model, the messages, "
                "the tools and streaming of the requests it sends (and runs evals at temperature 0)"
            )
        return value

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: list[str]) -> list[str]:
        for i, alias in enumerate(value):
            if not alias.strip():
                raise final_error("aliases must be non-empty model names", at=(i,))
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _default_aliases(self) -> WorkloadConfig:
        if not self.aliases:
            self.aliases = [self.name]
        return self

    def prompt_variant(self, model: str) -> PromptVariant | None:
        """The prompt variant this workload sends ``model``, if one is configured."""
        table = self.prompts.get(model)
        return None if table is None else table.variant

    def system_prompt_text(self) -> str | None:
        """The system prompt file's text, or None when no file is configured."""
        if self.system_prompt is None:
            return None
        return self.system_prompt.read_text(encoding="utf-8")


class RolloutStep(_Table):
    weight: Percent
    hold: Duration


def _default_steps() -> list[RolloutStep]:
    hour = 3600.0
    return [
        RolloutStep(weight=1, hold=48 * hour),
        RolloutStep(weight=10, hold=24 * hour),
        RolloutStep(weight=50, hold=24 * hour),
        RolloutStep(weight=100, hold=0),
    ]


class RolloutConfig(_Table):
    steps: list[RolloutStep] = Field(default_factory=_default_steps)
    retain_old_for: Duration = 30 * 86400.0
    interval: Duration = 300.0
    webhook_url: HttpUrl | None = None
    command: str | None = None

    @field_validator("steps")
    @classmethod
    def _ordered(cls, steps: list[RolloutStep]) -> list[RolloutStep]:
        if not steps:
            raise final_error(
                'needs at least one step; e.g. steps = [{ weight = 100, hold = "0s" }]'
            )
        for i in range(1, len(steps)):
            if steps[i].weight < steps[i - 1].weight:
                prev = steps[i - 1].weight
                raise final_error(
                    f"{steps[i].weight:g} is below the previous step's {prev:g}; "
                    "weights must not go down",
                    at=(i, "weight"),
                )
        return steps


class ShadowConfig(_Table):
    sample_rate: Fraction = 1.0
    max_concurrency: PositiveInt = 32
    timeout: Duration = 30.0
    daily_budget_usd: NonNegative | None = None
    #: skip shadow calls (counted by reason) while the worker is busy: its event loop is late
    #: by more than max_loop_lag, or more than max_served_in_flight served requests wait on
    #: their upstream
    yield_when_busy: bool = True
    max_loop_lag: Duration = 0.02
    max_served_in_flight: PositiveInt = 1000


def _check_listen(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise final_error(f'"{value}" is not host:port; use e.g. "127.0.0.1:8787"')
    return value


class WebConfig(_Table):
    """``swapsafe serve``: who may log in besides the admin, and the session signing key."""

    reviewer_tokens: list[Secret] = Field(default_factory=list)
    session_secret: Secret | None = None


class GatewayConfig(_Table):
    listen: Annotated[str, AfterValidator(_check_listen)] = "127.0.0.1:8787"
    client_keys: list[Secret] = Field(default_factory=list)
    pass_through: bool = False
    admin_token: Secret | None = None
    #: admin API on/off; unset means on exactly when admin_token is set
    admin_api: bool | None = None
    max_body_bytes: PositiveInt = 10 * 1024 * 1024
    retries: NonNegativeInt = 2
    deadline: Duration = 120.0
    #: a request head must arrive within this of its first byte; its body within body_timeout
    header_timeout: Annotated[Duration, at_least(0.01)] = 10.0
    body_timeout: Annotated[Duration, at_least(0.01)] = 60.0
    max_header_bytes: PositiveInt = 64 * 1024
    max_headers: PositiveInt = 100

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


def _check_cron(value: str) -> str:
    if len(value.split()) != 5:
        raise final_error(f'"{value}" is not a 5-field cron schedule; use e.g. "0 2 * * *"')
    return value


class EvalsConfig(_Table):
    schedule: Annotated[str, AfterValidator(_check_cron)] = "0 2 * * *"
    concurrency: PositiveInt = 8
    timeout: Duration = 60.0
    judge: str | None = None  # a [models.NAME] used by llm-rubric scorers and red-team judging
    # a run with more errored (case, model) calls than this share is incomplete: no gate evidence
    max_error_rate: Fraction = 0.02
    # a gate-designated eval run older than this many days is stale: the gate is inconclusive
    max_age_days: PositiveInt = 7


class Config(_Table):
    """The whole ``swapsafe.toml``; ``path`` is the file and ``root`` its directory."""

    path: Path = Field(default_factory=lambda: Path.cwd() / "swapsafe.toml", strict=False)
    root: Path = Field(default_factory=Path.cwd, strict=False)
    store: StoreConfig = Field(default_factory=StoreConfig)
    models: dict[str, ModelConfig] = Field(default_factory=dict)
    workloads: dict[str, WorkloadConfig] = Field(default_factory=dict)
    rollout: RolloutConfig = Field(default_factory=RolloutConfig)
    shadow: ShadowConfig = Field(default_factory=ShadowConfig)
    gateway: GatewayConfig = Field(default_factory=GatewayConfig)
    evals: EvalsConfig = Field(default_factory=EvalsConfig)
    web: WebConfig = Field(default_factory=WebConfig)

    @model_validator(mode="before")
    @classmethod
    def _fill_names(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for section in ("models", "workloads"):
            tables = data.get(section)
            if isinstance(tables, dict):
                data[section] = {
                    name: {"name": name, **table} if isinstance(table, dict) else table
                    for name, table in tables.items()
                }
        return data

    @model_validator(mode="after")
    def _finish(self, info: _Info) -> Config:
        self.store.url = resolve_store_url(self.store.url, self.root)
        context = info.context if isinstance(info.context, dict) else {}
        if not context.get("cross_checked"):
            plain = {
                "models": {name: {} for name in self.models},
                "workloads": {
                    name: {"baseline": w.baseline, "candidate": w.candidate, "aliases": w.aliases}
                    for name, w in self.workloads.items()
                },
            }
            problems = cross_check(plain)
            if problems:
                loc, message = problems[0]
                raise final_error(message, at=loc)
        return self

    def alias_map(self) -> dict[str, str]:
        """Model name an application sends -> workload name (each workload's name included)."""
        mapping = {name: name for name in self.workloads}
        for name, workload in self.workloads.items():
            for alias in workload.aliases:
                mapping.setdefault(alias, name)
        return mapping

    def workload_for_model(self, model_alias: str) -> WorkloadConfig | None:
        """The workload an application's ``model`` value names, if any."""
        name = self.alias_map().get(model_alias)
        return None if name is None else self.workloads[name]


def resolve_store_url(url: str, root: Path) -> str:
    """Make a relative SQLite path absolute against ``root``; other URLs are unchanged."""
    match = _SQLITE.match(url)
    if not match:
        return url
    scheme, db_path, query = match.group(1), match.group(2), match.group(3) or ""
    if not db_path or db_path.startswith(("/", ":memory:", "file:")):
        return url
    return f"{scheme}:///{(root / db_path).resolve()}{query}"
