"""The request-compatibility table of ``swapsafe inventory``: per workload x model, the share
of requests the model adapter changed, the share the model refused with a 4xx (the hidden
incompatibilities), and the prompt variants that ran."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from swapsafe.traffic.inventory import InventoryRow


def compat_table(rows: Sequence[InventoryRow]) -> Table | None:
    """The table, or None when no request was adapted, refused or sent with a variant."""
    shown = [r for r in rows if r.adapted_share or r.refused_share or r.prompt_variants]
    if not shown:
        return None
    table = Table(title="request compatibility (model adapters, 4xx refusals, prompt variants)")
    for col in ("workload", "model", "role", "requests", "adapted", "refused 4xx", "variants"):
        table.add_column(col, justify="right" if col in ("requests", "adapted") else "left")
    for r in shown:
        variants = ", ".join(f"{d} ({n})" for d, n in sorted(r.prompt_variants.items())) or "-"
        refused = f"{100 * r.refused_share:.1f}%"
        table.add_row(
            escape(r.workload),
            escape(r.model),
            r.role,
            f"{r.requests:,}",
            f"{100 * r.adapted_share:.1f}%",
            f"[red]{refused}[/]" if r.refused_share else refused,
            escape(variants),
        )
    return table


def print_compat(console: Console, rows: Sequence[InventoryRow]) -> None:
    table = compat_table(rows)
    if table is not None:
        console.print(table)
