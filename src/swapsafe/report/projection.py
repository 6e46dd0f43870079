"""Monthly cost now vs after the swap, at the observed volume and observed output lengths.

The candidate's tokens per request come from its shadow calls on the same requests when
there are any (so a chattier model costs what it really costs), else from the baseline's
traffic (marked as an assumption). Prices come from the price book (config override first).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from swapsafe.pricing import UnitPrice

DAYS_PER_MONTH = 30


@dataclass(frozen=True)
class Usage:
    """Observed per-request usage of one model."""

    requests: int
    input_tokens_per_request: float
    output_tokens_per_request: float


@dataclass(frozen=True)
class Projection:
    requests_per_day: float
    now_monthly_usd: float | None
    after_monthly_usd: float | None
    candidate_input_tokens: float
    candidate_output_tokens: float
    output_source: str  # "shadow" or "baseline traffic"
    notes: list[str] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        if self.now_monthly_usd in (None, 0) or self.after_monthly_usd is None:
            return None
        assert self.now_monthly_usd is not None
        return self.after_monthly_usd / self.now_monthly_usd - 1


def per_request(price: UnitPrice, input_tokens: float, output_tokens: float) -> float:
    """USD for one request of average size (cache discounts left out)."""
    return (input_tokens * price.input + output_tokens * price.output) / 1_000_000


def project(
    *,
    requests_per_day: float,
    observed_cost_per_day: float | None,
    baseline: Usage,
    candidate_shadow: Usage | None,
    baseline_price: UnitPrice | None,
    candidate_price: UnitPrice | None,
    candidate: str,
) -> Projection:
    """Monthly spend now (observed, else priced) and after moving all traffic to ``candidate``."""
    notes: list[str] = []
    if candidate_shadow is not None and candidate_shadow.requests > 0:
        cin = candidate_shadow.input_tokens_per_request
        cout = candidate_shadow.output_tokens_per_request
        source = "shadow"
    else:
        cin, cout = baseline.input_tokens_per_request, baseline.output_tokens_per_request
        source = "baseline traffic"
        notes.append(
            f"no shadow calls of {candidate} yet: assumes it answers at the baseline's length"
        )
    now: float | None
    if observed_cost_per_day is not None:
        now = observed_cost_per_day * DAYS_PER_MONTH
    elif baseline_price is not None:
        per = per_request(
            baseline_price, baseline.input_tokens_per_request, baseline.output_tokens_per_request
        )
        now = per * requests_per_day * DAYS_PER_MONTH
    else:
        now = None
        notes.append("no price known for the baseline model: set [models.NAME.price]")
    after: float | None = None
    if candidate_price is not None:
        after = per_request(candidate_price, cin, cout) * requests_per_day * DAYS_PER_MONTH
    else:
        notes.append(f"no price known for {candidate}: set [models.{candidate}.price]")
    return Projection(
        requests_per_day=requests_per_day,
        now_monthly_usd=now,
        after_monthly_usd=after,
        candidate_input_tokens=cin,
        candidate_output_tokens=cout,
        output_source=source,
        notes=notes,
    )
