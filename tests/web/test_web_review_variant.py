"""The review page names the prompt variant a side ran with (from the trace's digest)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from swapsafe.config import load_config
from swapsafe.store.records import TraceRecord
from swapsafe.web.pages.review_view import side_view, variant_text

CONFIG = """
[models.old]
provider = "scripted"

[models.new]
provider = "scripted"

[workloads.support]
baseline = "old"
candidate = "new"

[workloads.support.prompts.new]
system = "support-new.txt"
"""


def test_side_view_names_the_variant_by_file_and_digest(tmp_path: Path) -> None:
    (tmp_path / "support-new.txt").write_text("You are the new agent.")
    (tmp_path / "swapsafe.toml").write_text(CONFIG)
    config = load_config(tmp_path / "swapsafe.toml")
    variant = config.workloads["support"].prompt_variant("new")
    assert variant is not None
    answer = {"choices": [{"message": {"role": "assistant", "content": "hi"}}]}
    row = TraceRecord(
        request_id="r1", pair_id="p1", ts=datetime.now(UTC), workload="support", role="shadow",
        model="new", provider="scripted", status="ok", http_status=200,
        response_body=orjson.dumps(answer).decode(), prompt_variant=variant.digest,
    )  # fmt: skip
    side = side_view("new", row, config)
    assert side.variant == f"prompt variant `support-new.txt` ({variant.digest})"
    assert side.text == "hi"
    assert variant_text("0badc0de", config) == "prompt variant 0badc0de (no longer configured)"
    assert variant_text(None, config) is None
