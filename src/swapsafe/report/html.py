"""The go/no-go report as one self-contained HTML page: inline CSS and SVG, no scripts.

Rendered by Jinja2 with autoescaping, so names, details and anything a model wrote are
escaped; the charts are built by :mod:`swapsafe.report.charts`, which escapes its labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from swapsafe.report import charts, timecharts
from swapsafe.report.compat import HEADER, compat_rows, variant_lines
from swapsafe.report.data import ReportData, WorkloadReport
from swapsafe.report.markdown import coverage_line, projection_lines, side_rows
from swapsafe.report.projection import DAYS_PER_MONTH

_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Charts:
    latency: Markup
    pass_rate: Markup
    agreement: Markup
    golden: Markup
    cost: Markup


def workload_charts(w: WorkloadReport) -> Charts:
    rates = {
        m: (
            w.sides.get(m, {}).get("pass_rate"),
            w.sides.get(m, {}).get("pass_rate_low"),
            w.sides.get(m, {}).get("pass_rate_high"),
        )
        for m in (w.baseline, w.candidate)
        if m
    }
    return Charts(
        latency=Markup(charts.latency_histogram(w.latency)),  # noqa: S704 - built escaped
        pass_rate=Markup(charts.pass_rate_bars(rates)),  # noqa: S704
        agreement=Markup(timecharts.agreement_chart(w.agreement)),  # noqa: S704
        golden=Markup(timecharts.golden_chart(w.nights)),  # noqa: S704
        cost=Markup(timecharts.cost_chart(w.cost_days, _per_day(w))),  # noqa: S704
    )


def _per_day(w: WorkloadReport) -> float | None:
    p = w.projection
    if p is None or p.after_monthly_usd is None:
        return None
    return p.after_monthly_usd / DAYS_PER_MONTH


def _bold(text: str) -> Markup:
    """Escape, then turn markdown ``**x**`` into ``<strong>x</strong>``."""
    return Markup(_BOLD.sub(r"<strong>\1</strong>", str(escape(text))))  # noqa: S704


def _open_gates(w: WorkloadReport) -> str:
    return ", ".join(g.name for g in w.gates.results if g.status != "pass") or "none"


@cache
def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["bold"] = _bold
    env.globals.update(
        side_rows=side_rows,
        projection_lines=projection_lines,
        coverage_line=coverage_line,
        variant_lines=variant_lines,
        compat_rows=compat_rows,
        compat_header=HEADER,
        charts=workload_charts,
        open_gates=_open_gates,
        models=lambda w: [m for m in (w.baseline, w.candidate) if m],
    )
    return env


def render_html(data: ReportData, *, style_nonce: str | None = None) -> str:
    """The report page; ``style_nonce`` marks its stylesheet for a page CSP that allows only
    nonced inline styles (the web UI). A saved file needs none."""
    return _env().get_template("report.html.j2").render(data=data, style_nonce=style_nonce)
