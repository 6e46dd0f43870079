"""The go/no-go report (markdown or self-contained HTML) and the criteria document.

>>> html = render_report(config, store, fmt="html")   # doctest: +SKIP
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from swapsafe.exceptions import ConfigError
from swapsafe.report.data import ReportData, WorkloadReport, build_report
from swapsafe.report.html import render_html
from swapsafe.report.markdown import render_markdown

if TYPE_CHECKING:
    from swapsafe.config import Config
    from swapsafe.store import Store

__all__ = ["ReportData", "WorkloadReport", "build_report", "render_report"]


def render_report(
    config: Config,
    store: Store,
    workloads: list[str] | None = None,
    fmt: Literal["md", "html"] = "md",
    *,
    now: datetime | None = None,
    style_nonce: str | None = None,
) -> str:
    """The report for ``workloads`` (all by default) as markdown or a standalone HTML page
    (``style_nonce``: see :func:`swapsafe.report.html.render_html`)."""
    data = build_report(config, store, workloads, now=now)
    if fmt == "html":
        return render_html(data, style_nonce=style_nonce)
    if fmt != "md":
        raise ConfigError(f"unknown report format {fmt!r}; use md or html")
    return render_markdown(data)
