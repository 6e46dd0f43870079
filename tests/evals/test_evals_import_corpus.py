"""The corpus: real public promptfoo example configs and OpenAI-evals registry evals
(tests/data/, see its README for sources and licences). Each either imports with the case count
and the prompts promptfoo / the registry would send (written out here), or is refused with the
construct named. No third outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from swapsafe.evals.datasets import DatasetError, render_messages
from swapsafe.evals.importers.openai_registry import import_registry_eval, plan_registry_eval
from swapsafe.evals.importers.outcome import Unsupported
from swapsafe.evals.importers.promptfoo import import_promptfoo_outcome

DATA = Path(__file__).parent.parent / "data"
PF = DATA / "promptfoo"
REG = DATA / "openai_evals" / "registry"

CHAT_HISTORY = [
    {"role": "system", "content": "Talk like a pirate."},
    {"role": "user", "content": "Who founded Facebook?"},
    {"role": "assistant", "content": "Mark Zuckerberg"},
    {"role": "user", "content": "What's his favorite food?"},
    {"role": "assistant", "content": "Pizza"},
]
SIMPLE_CSV_1 = (
    "You are a skilled translator and language expert. Follow these style requirements:\n"
    "- Tone: formal\n- Length: brief\n\nTask: Rephrase the following text in French:\n"
    '"Hello world"\n\nEnsure your response matches the specified style.'
)
SIMPLE_CSV_2 = (
    "You are a conversational language assistant. Follow the style configuration: "
    '{"tone":"casual","length":"brief","formatting":{"bullets":true}}.\n\n'
    "Task: Translate this text to French in a natural, conversational way:\n"
    '"I\'m hungry"\n\n'
    "Make sure to maintain the intended tone while keeping it casual and friendly."
)

# config -> (case count, {case id: what promptfoo sends}, {case id: [(type, value, config)]})
IMPORTED: dict[
    str, tuple[int, dict[str, Any], dict[str, list[tuple[str, Any, dict[str, Any]]]]]
] = {
    "getting-started/promptfooconfig.yaml": (
        4,
        {
            "prompt-1-test-1": "Convert this English to French: Hello world",
            "prompt-2-test-2": "Translate to Spanish: Where is the library?",
        },
        {"prompt-2-test-2": [("icontains", "Dónde está la biblioteca", {})]},
    ),
    "simple-csv/promptfooconfig.yaml": (
        8,
        {"prompts-1-test-1": SIMPLE_CSV_1, "prompts-2-test-2": SIMPLE_CSV_2},
        {"prompts-1-test-3": [("icontains", "Ahoy", {})]},
    ),
    "openai-chat-history/promptfooconfig.yaml": (
        3,
        {
            "test-1": [
                *CHAT_HISTORY,
                {"role": "user", "content": "Did he create any other companies?"},
            ],
            "test-3": [*CHAT_HISTORY, {"role": "user", "content": "Will he let me borrow $5?"}],
        },
        {"test-1": []},
    ),
    "simple-cli/promptfooconfig.yaml": (
        8,
        {
            "prompt-1-test-2": "Rephrase this in French: I'm hungry",
            "prompt-2-test-4": "Translate this to conversational Pirate: I'm hungry",
        },
        {"prompt-1-test-1": []},
    ),
    "gpt-4o-vs-4o-mini/promptfooconfig.yaml": (
        4,
        {"test-3": "Solve this riddle: The more of this there is, the less you see. What is it?"},
        {
            "test-1": [
                ("cost", None, {"threshold": 0.002}),
                ("latency", None, {"threshold": 3000}),
                ("contains", "echo", {}),
                ("llm-judge", "Do not apologize", {}),
            ]
        },
    ),
    "python-assert-inline/promptfooconfig.yaml": (
        2,
        {"test-1": "Write a tweet about bananas"},
        {"test-1": [("python-script", "context['vars']['topic'] in output", {})]},
    ),
    "python-assert-external/promptfooconfig.yaml": (
        4,
        {"test-2": "Tell me about fruits high in potassium in three words"},
        {
            "test-4": [
                (
                    "python-script",
                    None,
                    {"file": str((PF / "python-assert-external/assert.py").resolve())},
                )
            ]
        },
    ),
}

JS = 'unsupported: assertion type "javascript" (JavaScript is not run; use python)'
REFUSED = {
    "json-output/promptfooconfig.yaml": f"case 1: {JS}",
    "self-grading/promptfooconfig.yaml": f"case 1: {JS}",
    "summarization/promptfooconfig.yaml": f"case 1: {JS}",
    "multiple-configs/config1.yaml": f"case 2: {JS}",
    "claude-vs-gpt/promptfooconfig.yaml": f"case 1: {JS}",
    "assertion-scoring-override/promptfooconfig.yaml": (
        'defaultTest: unsupported: test field "assertScoringFunction"'
    ),
    "custom-grading-prompt/promptfooconfig.yaml": "defaultTest: unsupported: options.rubricPrompt",
    "prompts-per-model/promptfooconfig.yaml": (
        "providers: unsupported: provider openai:gpt-4.1-mini prompts"
    ),
    "tool-use/promptfooconfig.yaml": (
        "providers: unsupported: provider anthropic:claude-3-5-sonnet-20241022 config.tools"
    ),
}


def test_the_corpus_holds_at_least_15_promptfoo_configs() -> None:
    assert len(IMPORTED) + len(REFUSED) >= 15


@pytest.mark.parametrize("name", sorted(IMPORTED))
def test_promptfoo_example_imports_as_promptfoo_renders_it(name: str) -> None:
    count, renderings, assertions = IMPORTED[name]
    outcome = import_promptfoo_outcome(PF / name)
    assert len(outcome.cases) == count
    by_id = {c.id: c for c in outcome.cases}
    for case_id, expected in renderings.items():
        sent = render_messages(by_id[case_id])
        if isinstance(expected, str):
            assert sent == [{"role": "user", "content": expected}]
        else:
            assert sent == expected
    for case_id, expected_asserts in assertions.items():
        got = [(a.type, a.value, a.config) for a in by_id[case_id].assertions]
        assert got == expected_asserts
    assert outcome.skipped == []
    assert outcome.providers  # each config names the models it was written for


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_promptfoo_example_is_refused_with_the_construct_named(name: str) -> None:
    with pytest.raises(Unsupported) as info:
        import_promptfoo_outcome(PF / name)
    assert str(info.value) == f"{PF / name}: {REFUSED[name]}"


def test_skip_unsupported_imports_the_rest_and_lists_the_skipped() -> None:
    outcome = import_promptfoo_outcome(PF / "multiple-configs/config1.yaml", skip_unsupported=True)
    assert [c.id for c in outcome.cases] == ["test-1"]
    assert outcome.skipped == [f"{PF / 'multiple-configs/config1.yaml'}: case 2: {JS}"]


def test_simple_cli_prompts_txt_splits_on_separator_lines() -> None:
    from swapsafe.evals.importers.promptfoo_prompts import load_prompts

    prompts = load_prompts(["file://prompts.txt"], PF / "simple-cli", PF / "simple-cli/x.yaml")
    assert [p.raw for p in prompts] == [
        "Rephrase this in {{language}}: {{body}}",
        "Translate this to conversational {{language}}: {{body}}",
    ]


# --- OpenAI evals registry --------------------------------------------------------------------

TOOL_ROUTING_SYSTEM = (
    "You are an AI agent that selects the most appropriate tool to handle a user request. Given "
    "a list of available tools and a user request, output ONLY the name of the single best tool "
    "to invoke. Output the tool name on a single line with no quotes, no JSON, no explanation, "
    "and no surrounding whitespace."
)
# spec -> (case count, first case's messages (as the registry sends them), ideal)
REGISTRY_IMPORTED: dict[str, tuple[int, list[dict[str, str]], list[str]]] = {
    "agent-tool-routing.yaml": (
        3,
        [
            {"role": "system", "content": TOOL_ROUTING_SYSTEM},
            {
                "role": "user",
                "content": "Available tools:\n- send_email: Send an email to a recipient\n"
                "- create_calendar_event: Create an event on the user's calendar\n"
                "- search_contacts: Search the address book by name or email\n"
                "- list_recent_files: List recently edited files in cloud storage\n\n"
                "User request: I need to find Sarah Patel's phone number to call her back "
                "about the proposal.\n\nWhich tool?",
            },
        ],
        ["search_contacts"],
    ),
    "agent-tool-abstention.yaml": (3, [], ["NO_TOOL"]),
    "accounting_audit.yml": (3, [], ["D"]),
}
# spec -> (scorer, the refusal line's tail)
LFS = "a Git LFS pointer; run git lfs pull to fetch the samples"
REGISTRY_REFUSED: dict[str, tuple[str | None, str]] = {
    "agent-pre-action-control.yaml": ("match", f"agent-pre-action-control/samples.jsonl: {LFS}"),
    "aime_evaluation.yaml": ("includes", f"aime_evaluation/samples.jsonl: {LFS}"),
    "abstract2title.yaml": ("modelgraded", f"abstract2title/samples.jsonl: {LFS}"),
    "anagrams.yaml": ("match", f"anagrams/fewshot.jsonl: {LFS}"),
    "animal-size.yaml": ("match", f"animal_size/few_shot.jsonl: {LFS}"),
    "algebra-word-problems.yaml": ("match", f"algebra_word_problems/samples.jsonl: {LFS}"),
    "2d_movement.yaml": ("includes", f"2d_movement/samples.jsonl: {LFS}"),
    "airports-by-country.yaml": ("match", f"airports-by-country/samples.jsonl: {LFS}"),
    "ambiguous-sentences.yaml": ("fuzzy-match", f"ambiguous-sentences/samples.jsonl: {LFS}"),
    "already_said_that.yaml": (
        None,
        "eval already_said_that.reverse-sort-words-eng: unsupported: eval class "
        "evals.elsuite.already_said_that.eval:AlreadySaidThat",
    ),
}


def test_the_corpus_holds_at_least_15_registry_evals() -> None:
    # arithmetic-expression.yaml defines two evals, tested below
    assert len(REGISTRY_IMPORTED) + len(REGISTRY_REFUSED) + 2 >= 15


@pytest.mark.parametrize("spec", sorted(REGISTRY_IMPORTED))
def test_registry_eval_imports_as_the_registry_runs_it(spec: str) -> None:
    count, first, ideal = REGISTRY_IMPORTED[spec]
    outcome = import_registry_eval(REG / "evals" / spec)
    assert len(outcome.cases) == count
    case = outcome.cases[0]
    if first:
        assert render_messages(case) == first
    assert case.ideal == ideal
    assert [a.type for a in case.assertions] == ["match"]


@pytest.mark.parametrize("spec", sorted(REGISTRY_REFUSED))
def test_registry_eval_is_refused_with_a_named_reason(spec: str) -> None:
    kind, tail = REGISTRY_REFUSED[spec]
    if kind is not None:
        assert plan_registry_eval(REG / "evals" / spec).kind == kind
    with pytest.raises(DatasetError) as info:
        import_registry_eval(REG / "evals" / spec)
    assert str(info.value).endswith(tail)


def test_registry_few_shot_and_model_graded_specs_are_read() -> None:
    anagrams = plan_registry_eval(REG / "evals" / "anagrams.yaml")
    assert (anagrams.num_few_shot, anagrams.few_shot) == (5, REG / "data/anagrams/fewshot.jsonl")
    closedqa = plan_registry_eval(REG / "evals" / "abstract2title.yaml").config
    assert closedqa["fields"] == {
        "criteria": "conciseness: Does the title properly describe the provided content?"
    }
    assert closedqa["choice_scores"] == {"Y": 1.0, "N": 0.0}
    assert closedqa["eval_type"] == "cot_classify" and not closedqa["append_answer_prompt"]
    arith = plan_registry_eval(
        REG / "evals" / "arithmetic-expression.yaml", "arithmetic-expression"
    )
    assert arith.config["append_answer_prompt"] and arith.config["eval_type"] == "cot_classify"
    assert arith.config["prompt"].startswith("You are an extremely diligent auditing system")
    with pytest.raises(Unsupported, match="ModelBasedClassify arg metaeval"):
        plan_registry_eval(
            REG / "evals" / "arithmetic-expression.yaml", "arithmetic-expression-meta"
        )


@pytest.mark.parametrize("name", sorted(IMPORTED))
def test_imported_cases_survive_the_golden_file(name: str, tmp_path: Path) -> None:
    """What the import wrote is what the run reads back (thresholds, weights, python files)."""
    from swapsafe.evals.datasets import load_cases, write_cases
    from swapsafe.evals.scorers.base import build

    cases = import_promptfoo_outcome(PF / name).cases
    write_cases(tmp_path / "g.jsonl", cases)
    back = load_cases(tmp_path / "g.jsonl")
    assert [c.to_json() for c in back] == [c.to_json() for c in cases]
    for case in back:
        for assertion in case.assertions:
            if assertion.scorer_name != "llm-judge":  # needs --judge at run time
                build(assertion)
