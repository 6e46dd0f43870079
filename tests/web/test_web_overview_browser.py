"""The overview in headless Chromium: routing state, agreement summary and the daily trend."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.web.web_helpers import (
    REALISTIC,
    REVIEWER_TOKEN,
    LiveServer,
    login,
    screenshot,
    seed_pairs,
)

from swapsafe.store.protocol import Store


def test_overview_shows_agreement_and_a_daily_trend(
    page: Any, live: LiveServer, web_store: Store
) -> None:
    today = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0)
    specs = [
        replace(spec, ts=today - timedelta(days=day, minutes=i))
        for day in (0, 1, 2)
        for i, spec in enumerate(REALISTIC)
    ]
    seed_pairs(web_store, specs)
    login(page, live.url, REVIEWER_TOKEN, "rita")
    page.goto(f"{live.url}/")
    card = page.locator("#workload-support")
    assert "18 pairs" in card.inner_text()
    assert "50 %" in card.locator(".agreement").inner_text()  # 3 of 6 pairs agree each day
    for kind in ("error", "schema", "refusal"):
        assert kind in card.locator(".agreement").inner_text()
    chart = card.locator("svg.chart")  # agreement per day, its 95 % interval as a band
    assert chart.locator("g.series circle").count() == 3
    assert chart.locator("g.series polyline").count() == 1
    assert chart.locator("polygon.band").count() == 1
    assert chart.locator("text.unit").text_content() == "%"
    assert page.locator("#workload-summarize").inner_text().count("no shadow pairs yet") == 1
    screenshot(page, "overview")
    assert page.dialogs == []
