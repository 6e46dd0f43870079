"""Inventory and the go/no-go report show, per workload and model, the share of requests the
model adapter changed and the share the model refused with a 4xx, and the prompt variant."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from tests.gateway.harness import Harness
from tests.gateway.test_gateway_shadow import set_mode, wait_shadows

from swapsafe.cli.compat_view import compat_table
from swapsafe.report import render_report
from swapsafe.store.sql_compat import is_refusal
from swapsafe.testing import StrictUpstream
from swapsafe.traffic.inventory import build_inventory, to_csv

EXTRA = """
[models.claude.request]
profile = "anthropic-4.5"

[workloads.chat.prompts.claude]
system = "prompts/support-claude.txt"
"""


async def traffic(make_harness: Callable[..., Any], tmp_path: Path) -> Harness:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "support-claude.txt").write_text("You are the new agent.")
    h: Harness = await make_harness(EXTRA, fake=StrictUpstream)
    set_mode(h, "chat", "promoted")  # claude serves chat, adapted (temperature + top_p)
    await h.oai.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": "hi"}], temperature=0.3, top_p=0.9
    )
    set_mode(h, "xchat", "shadow")  # gpt (no adapter) refuses the shadow copy with a 400
    await h.ant.messages.create(
        model="xchat",
        max_tokens=20,
        extra_body={"temperature": 0.2},
        messages=[{"role": "user", "content": "x"}],
    )
    await wait_shadows(h)
    h.traces()  # flushed
    return h


async def test_inventory_and_report_show_adapted_and_refused_shares(
    make_harness: Callable[..., Any], tmp_path: Path
) -> None:
    h = await traffic(make_harness, tmp_path)
    inv = build_inventory(h.config, h.store)
    rows = {(r.workload, r.model, r.role): r for r in [*inv.rows, *inv.shadow]}
    served = rows[("chat", "claude", "served")]
    assert served.adapted_share == 1.0 and served.refused_share == 0.0
    digest = h.config.workloads["chat"].prompt_variant("claude").digest  # type: ignore[union-attr]
    assert served.prompt_variants == {digest: 1}
    shadow = rows[("xchat", "gpt", "shadow")]
    assert shadow.refused_share == 1.0 and shadow.adapted_share == 0.0
    assert "adapted_share,refused_share" in to_csv(inv).splitlines()[0]
    table = compat_table([*inv.rows, *inv.shadow])
    assert table is not None
    console = Console(record=True, width=200)
    console.print(table)
    text = console.export_text()
    assert "100.0%" in text and f"{digest} (1)" in text

    markdown = render_report(h.config, h.store)
    assert "### Request compatibility" in markdown
    assert (
        f"New model `claude` ran with prompt variant `support-claude.txt` ({digest}): 1 of its "
        "1 requests in the window carried it." in markdown
    )
    assert "| `claude` | served | 1 | 100.0% | 0.0% (0) |" in markdown
    assert "| `gpt` | shadow | 1 | 0.0% | 100.0% (1) |" in markdown
    html = render_report(h.config, h.store, fmt="html")
    assert "Request compatibility" in html and "support-claude.txt" in html


def test_a_refusal_is_a_4xx_about_the_request() -> None:
    assert is_refusal(400) and is_refusal(404) and is_refusal(422)
    assert not any(is_refusal(s) for s in (None, 200, 401, 403, 408, 409, 429, 500))
