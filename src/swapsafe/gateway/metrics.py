"""A small Prometheus registry for the gateway (text exposition format 0.0.4).

Counters and histograms keyed by label tuples; updates are plain dict operations on the event
loop, cheap enough for the hot path. Gauges are read from callbacks at scrape time.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence

from swapsafe.store.coverage import SKIP_REASONS

#: a labelled gauge's reader: label values -> value, at scrape time
LabelledRead = Callable[[], Mapping[tuple[str, ...], float]]
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


def _fmt_labels(names: Sequence[str], values: Sequence[str]) -> str:
    if not names:
        return ""
    parts = []
    for n, v in zip(names, values, strict=True):
        escaped = str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        parts.append(f'{n}="{escaped}"')
    return "{" + ",".join(parts) + "}"


class Counter:
    def __init__(self, name: str, help_: str, labels: Sequence[str]) -> None:
        self.name, self.help, self.labels = name, help_, tuple(labels)
        self.values: dict[tuple[str, ...], float] = {}

    def inc(self, labels: tuple[str, ...], amount: float = 1.0) -> None:
        self.values[labels] = self.values.get(labels, 0.0) + amount

    def get(self, labels: tuple[str, ...]) -> float:
        return self.values.get(labels, 0.0)

    def render(self) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        for lv, v in sorted(self.values.items()):
            out.append(f"{self.name}{_fmt_labels(self.labels, lv)} {v:g}")
        return out


class Histogram:
    def __init__(
        self,
        name: str,
        help_: str,
        labels: Sequence[str],
        buckets: Sequence[float] = LATENCY_BUCKETS,
    ) -> None:
        self.name, self.help, self.labels = name, help_, tuple(labels)
        self.buckets = tuple(buckets)
        self.values: dict[tuple[str, ...], list[float]] = {}  # bucket counts..., sum, count

    def observe(self, labels: tuple[str, ...], value: float) -> None:
        row = self.values.get(labels)
        if row is None:
            row = self.values[labels] = [0.0] * (len(self.buckets) + 2)
        row[bisect.bisect_left(self.buckets, value)] += 1 if value <= self.buckets[-1] else 0
        row[-2] += value
        row[-1] += 1

    def render(self) -> list[str]:
        out = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for lv, row in sorted(self.values.items()):
            cumulative = 0.0
            for i, le in enumerate(self.buckets):
                cumulative += row[i]
                labels = _fmt_labels((*self.labels, "le"), (*lv, f"{le:g}"))
                out.append(f"{self.name}_bucket{labels} {cumulative:g}")
            inf = _fmt_labels((*self.labels, "le"), (*lv, "+Inf"))
            out.append(f"{self.name}_bucket{inf} {row[-1]:g}")
            out.append(f"{self.name}_sum{_fmt_labels(self.labels, lv)} {row[-2]:g}")
            out.append(f"{self.name}_count{_fmt_labels(self.labels, lv)} {row[-1]:g}")
        return out


class GatewayMetrics:
    """Every metric the gateway exports. Labels: workload, model, role (served / shadow)."""

    def __init__(self) -> None:
        wmr = ("workload", "model", "role")
        self.requests = Counter(
            "swapsafe_requests_total", "Upstream calls by outcome.", (*wmr, "status")
        )
        self.errors = Counter(
            "swapsafe_errors_total", "Failed calls by error class.", (*wmr, "error_class")
        )
        self.rejected = Counter(
            "swapsafe_rejected_total", "Requests refused before any upstream call.", ("reason",)
        )
        self.latency = Histogram(
            "swapsafe_request_duration_seconds", "Upstream call duration.", wmr
        )
        self.ttft = Histogram(
            "swapsafe_time_to_first_token_seconds", "Time to the first streamed event.", wmr
        )
        self.tokens = Counter("swapsafe_tokens_total", "Tokens by direction.", (*wmr, "direction"))
        self.cost = Counter("swapsafe_cost_usd_total", "Cost in USD (known prices only).", wmr)
        self.shadow_skipped = Counter(
            "swapsafe_shadow_skipped_total",
            "Served requests in shadow mode whose shadow call was skipped, by reason ("
            + ", ".join(SKIP_REASONS)
            + ").",
            ("workload", "reason"),
        )
        self.shadow_shadowed = Counter(
            "swapsafe_shadow_shadowed_total",
            "Served requests in shadow mode whose shadow call was started.",
            ("workload",),
        )
        self.gauges: dict[str, tuple[str, Callable[[], float]]] = {}
        self.labelled_gauges: dict[str, tuple[str, tuple[str, ...], LabelledRead]] = {}

    def gauge(self, name: str, help_: str, read: Callable[[], float]) -> None:
        self.gauges[name] = (help_, read)

    def labelled_gauge(
        self, name: str, help_: str, labels: Sequence[str], read: LabelledRead
    ) -> None:
        """A gauge with labels: ``read()`` gives the value of each label tuple at scrape time."""
        self.labelled_gauges[name] = (help_, tuple(labels), read)

    def render(self) -> str:
        lines: list[str] = []
        for metric in (
            self.requests,
            self.errors,
            self.rejected,
            self.latency,
            self.ttft,
            self.tokens,
            self.cost,
            self.shadow_skipped,
            self.shadow_shadowed,
        ):
            lines.extend(metric.render())
        for name, (help_, read) in sorted(self.gauges.items()):
            lines += [f"# HELP {name} {help_}", f"# TYPE {name} gauge", f"{name} {read():g}"]
        for name, (help_, labels, read_all) in sorted(self.labelled_gauges.items()):
            lines += [f"# HELP {name} {help_}", f"# TYPE {name} gauge"]
            for lv, v in sorted(read_all().items()):
                lines.append(f"{name}{_fmt_labels(labels, lv)} {v:g}")
        return "\n".join(lines) + "\n"
