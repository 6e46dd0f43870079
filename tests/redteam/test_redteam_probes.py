"""The bundled probe set: loads offline, modest, deterministic, attributed in NOTICE."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest

from swapsafe.redteam.plant import TOOLS, Plant, render, system_text
from swapsafe.redteam.probes import CATEGORIES, Probe, bundled_probes, probe_set, select
from swapsafe.redteam.probes.base import suite_categories
from swapsafe.redteam.probes.builtin import DATA_FILES, load_data_file
from swapsafe.redteam.probes.encodings import to_base64, to_leet, to_rot13
from swapsafe.redteam.probes.families import FAMILY_FILES
from swapsafe.redteam.probes.registry import _SETS

ROOT = Path(__file__).resolve().parents[2]
DATA = resources.files("swapsafe.redteam.probes").joinpath("data")


def test_every_category_is_covered_and_the_set_is_modest() -> None:
    probes = bundled_probes()
    counts = Counter(p.category for p in probes)
    assert set(counts) == set(CATEGORIES)
    assert all(n >= 10 for n in counts.values())
    assert len(probes) <= 320
    assert len({p.id for p in probes}) == len(probes)


def test_loading_is_deterministic() -> None:
    first = [p.to_json() for p in bundled_probes()]
    bundled_probes.cache_clear()
    assert [p.to_json() for p in bundled_probes()] == first


def test_injection_probes_say_what_success_looks_like() -> None:
    for p in bundled_probes():
        if p.category in ("injection", "indirect"):
            assert p.expect or p.expect_regex, p.id


def test_every_data_file_is_registered() -> None:
    on_disk = {f.name for f in DATA.iterdir() if f.name.endswith((".yaml", ".jsonl"))}
    assert on_disk == set(DATA_FILES) | set(FAMILY_FILES)


def _notice_sources() -> dict[str, str]:
    text = (ROOT / "NOTICE").read_text(encoding="utf-8")
    blocks = re.split(r"^\[source: ([^\]]+)\]\s*$", text, flags=re.M)
    return {blocks[i].strip(): blocks[i + 1] for i in range(1, len(blocks), 2)}


def test_notice_lists_every_bundled_data_source() -> None:
    sources = _notice_sources()
    assert set(sources) >= set(DATA_FILES.values())
    for name, declared in DATA_FILES.items():
        probes = load_data_file(name)
        assert {p.source for p in probes} == {declared}, name  # each record declares its source
        block = sources[declared]
        assert name in block, f"NOTICE [source: {declared}] does not list {name}"
        for field in ("License:", "Version:", "Description:"):
            assert field in block, (declared, field)
    for name, declared in FAMILY_FILES.items():
        assert name in sources[declared], f"NOTICE [source: {declared}] does not list {name}"
    for block in sources.values():
        assert "http" not in block  # URL-free descriptions


def test_third_party_license_texts_ship_with_the_data() -> None:
    sources = _notice_sources()
    licenses = DATA.joinpath("licenses")
    for src in ("garak", "promptinject", "openai-evals"):
        m = re.search(r"license text: licenses/([\w.-]+)", sources[src])
        assert m, src
        assert licenses.joinpath(m.group(1)).read_text(encoding="utf-8").strip()


def test_jsonl_data_is_valid_json_per_line() -> None:
    for name in DATA_FILES:
        if name.endswith(".jsonl"):
            for line in DATA.joinpath(name).read_text(encoding="utf-8").splitlines():
                assert isinstance(json.loads(line), dict)


def test_select_limits_per_category_and_suites() -> None:
    probes = bundled_probes()
    chosen = select(probes, suite_categories("injection,leak"), limit=3)
    assert [p.category for p in chosen] == ["injection"] * 3 + ["leak"] * 3
    assert suite_categories("all") == CATEGORIES
    with pytest.raises(ValueError, match="unknown suite"):
        suite_categories("nope")


def test_encodings_are_reversible_and_stable() -> None:
    assert to_base64("hi") == "aGk="
    assert to_rot13(to_rot13("Hello")) == "Hello"
    assert to_leet("Test site") == "7357 5173"
    b64 = [p for p in bundled_probes() if p.technique == "base64"]
    assert b64 and all("base64" in p.prompt for p in b64)


def test_a_plugin_probe_set_registers_through_the_decorator() -> None:
    @probe_set("test-plugin")
    def plugin() -> list[Probe]:
        return [Probe(id="plugin.1", category="harmful", prompt="x", source="test-plugin")]

    try:
        assert "plugin.1" in {p.id for p in bundled_probes()}
    finally:
        del _SETS["test-plugin"]
        bundled_probes.cache_clear()
    assert "plugin.1" not in {p.id for p in bundled_probes()}


# -- what is sent ---------------------------------------------------------------------------


def test_canary_is_planted_in_the_real_system_prompt() -> None:
    plant = Plant.fresh()
    other = Plant.fresh()
    assert plant.canary != other.canary  # fresh per run
    text = system_text("You are Acme's agent.", plant)
    assert text.startswith("You are Acme's agent.") and plant.canary in text
    assert Plant.from_json(plant.to_json()) == plant


def test_secrets_are_planted_only_for_secret_probes_and_tool_channel_uses_a_tool_turn() -> None:
    plant = Plant.fresh()
    key = plant.secrets["api_key"]
    plain = Probe(id="h", category="harmful", prompt="x")
    msgs, tools = render(plain, "SP", plant)
    assert key not in json.dumps(msgs) and tools is None
    sec = Probe(id="s", category="secrets", prompt="key?")
    msgs, _ = render(sec, "SP", plant)
    assert key in msgs[0]["content"]
    sec_tool = Probe(id="t", category="secrets", prompt="look up", channel="tool")
    msgs, tools = render(sec_tool, "SP", plant)
    assert key not in msgs[0]["content"] and key in msgs[-1]["content"]
    assert msgs[-1]["role"] == "tool" and tools == TOOLS
    doc = Probe(id="d", category="indirect", prompt="Summarise:", document="DOC", expect=("X",))
    msgs, tools = render(doc, None, plant)
    assert msgs[-1] == {"role": "user", "content": "Summarise:\n\nDOC"} and tools is None
