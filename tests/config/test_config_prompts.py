"""``[workloads.W.prompts.MODEL]``: prompt variants in the config, and their errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from config_cases import VALID
from test_config_errors import assert_lines

from swapsafe.config import load_config

VARIANT = '\n[workloads.support.prompts.sonnet]\nsystem = "prompts/support-sonnet.txt"\n'


def test_variant_is_read_at_load_with_label_and_digest(project: Callable[[str], Path]) -> None:
    path = project(VALID + VARIANT + 'append = "prompts/support.txt"\n')
    (path.parent / "prompts" / "support-sonnet.txt").write_text("Be terse.\n")
    config = load_config(path)
    variant = config.workloads["support"].prompt_variant("sonnet")
    assert variant is not None
    assert variant.label == "support-sonnet.txt + append support.txt"
    assert variant.rewrite("old") == "Be terse.\n\nYou are helpful."
    assert config.workloads["support"].prompt_variant("gpt4o") is None


def test_variant_for_an_unknown_model_suggests_the_close_one(
    project: Callable[[str], Path],
) -> None:
    path = project(VALID + VARIANT.replace("prompts.sonnet", "prompts.sonet"))
    (path.parent / "prompts" / "support-sonnet.txt").write_text("Be terse.\n")
    assert_lines(
        [
            'swapsafe.toml:18: workloads.support.prompts.sonet: unknown model "sonet"; '
            'did you mean "sonnet"?'
        ]
    )


def test_variant_file_must_exist_and_the_table_must_name_one(
    project: Callable[[str], Path],
) -> None:
    path = project(VALID + VARIANT + "\n[workloads.support.prompts.gpt4o]\n")
    code_lines = [
        "swapsafe.toml:19: workloads.support.prompts.sonnet.system: file "
        "prompts/support-sonnet.txt does not exist (resolved to "
        f"{path.parent / 'prompts' / 'support-sonnet.txt'}); create it or fix the path",
        "swapsafe.toml:21: workloads.support.prompts.gpt4o: names no file; add system = "
        '"prompts/NAME.txt" (replace the system prompt), or prepend / append',
    ]
    assert_lines(code_lines)


def test_unknown_key_in_a_variant(project: Callable[[str], Path]) -> None:
    project(VALID + VARIANT.replace("system =", "sytem ="))
    assert_lines(
        [
            "swapsafe.toml:19: workloads.support.prompts.sonnet.sytem: unknown key; did you mean "
            '"system"?'
        ]
    )


def test_the_documented_example_loads(project: Callable[[str], Path]) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "prompts.md").read_text()
    example = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    models = VALID.replace("[models.sonnet]", "[models.new]").replace('"sonnet"', '"new"')
    path = project(models + "\n" + example)
    (path.parent / "prompts" / "support-new.txt").write_text("Be terse.")
    variant = load_config(path).workloads["support"].prompt_variant("new")
    assert variant is not None and variant.label == "support-new.txt"
