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


def chat(*messages: tuple[str, str]) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in messages]


TOOLS = (
    "Available tools:\n- send_email: Send an email to a recipient\n"
    "- create_calendar_event: Create an event on the user's calendar\n"
    "- search_contacts: Search the address book by name or email\n"
)
TOOL_ROUTING_SYSTEM = (
    "You are an AI agent that selects the most appropriate tool to handle a user request. Given "
    "a list of available tools and a user request, output ONLY the name of the single best tool "
    "to invoke. Output the tool name on a single line with no quotes, no JSON, no explanation, "
    "and no surrounding whitespace."
)
TOOL_ABSTENTION_SYSTEM = (
    "You are an AI agent that selects the most appropriate tool to handle a user request. Given "
    "a list of available tools and a user request, output ONLY the name of the single best tool "
    "to invoke. If NONE of the available tools can handle the request, output exactly the "
    "literal string NO_TOOL on a single line. Output the tool name (or NO_TOOL) on a single line "
    "with no quotes, no JSON, no explanation, and no surrounding whitespace."
)
AUDIT = "For each question you must select one of the following answers: 'A', 'B', 'C', 'D'."
TWENTY_FOUR = (
    "Generate an arithmetic expression that evaluates to 24.\nYou will be given four numbers "
    "and must use arithmetic operations (addition, subtraction, multiplication, and division) "
    "to create an expression that equals 24.\nYou should use each number exactly once.\nStart "
    "by repeating the numbers you are given, then explain your reasoning, and then show the "
    "final expression using only parentheses and the standard symbols +, -, *, and / for "
    "addition, subtraction, multiplication, and division.\nAt the end, repeat just the final "
    "expression again by itself on a new line."
)
CISSP = "\nA. Confidentiality\nB. Integrity\nC. Availability\nD. Authenticity\nAnswer:"
CISSP_Q = [
    "Which of the following concepts is focused on protecting the secrecy of data, objects, and "
    "resources?" + CISSP,
    "In the context of security, which concept aims to ensure the reliability and correctness "
    "of data?" + CISSP,
    "Which aspect of security ensures that authorized subjects have timely and uninterrupted "
    "access to objects?" + CISSP,
    "What is the primary goal of nonrepudiation in information security?\nA. Ensuring "
    "confidentiality\nB. Ensuring integrity\nC. Ensuring availability\nD. Preventing the denial "
    "of an event's occurrence\nAnswer:",
]
# The registry's Match puts the first num_few_shot (4) "sample" messages, as they are (their
# "name" included), between the sample's messages and its last one.
CISSP_SHOTS = [
    message
    for question, answer in zip(CISSP_Q, "ABCD", strict=True)
    for message in (
        {"role": "system", "content": question, "name": "example_user"},
        {"role": "system", "content": answer, "name": "example_assistant"},
    )
]
CHEMIST = (
    "You are ChemistGPT, can help user balance chemical equation. For example, if user's input "
    'is "C6H5COOH + O2 = CO2 + H2O", you will reply the balanced chemical equation: '
    '"2C6H5COOH + 15O2 = 14CO2 + 6H2O", without explanation. If you can\'t balance the '
    'equation, just reply "Unknown"'
)
AB_BOT = (
    "You are AB-Bot: A machine that can convert base 10 numbers into a numeral system that is "
    "base 2 and uses 'a' to represent 0 and 'b' to represent 1. First, write out in a step by "
    "step manner your reasoning about the conversion to be sure that your conclusion is "
    "correct. Avoid simply stating the correct answers at the outset. Then print the converted "
    'number on it\'s own line inside square brackets e.g "[aba]".'
)
ADULTERY_STATES = (
    "Alabama, Arizona, Florida, Idaho, Illinois, Kansas, Michigan, Minnesota, Mississippi, New "
    "York, North Carolina, Oklahoma, Rhode Island, South Carolina, Virginia, Wisconsin, Georgia"
)
# spec (":eval" when it defines several) -> (scorer, case count, the first case's messages as
# the registry sends them, its ideal answers). Each has real samples (the first lines of the
# registry's file; tests/data/README.md says where they were read).
REGISTRY_IMPORTED: dict[str, tuple[str, int, list[dict[str, str]], list[str]]] = {
    "agent-tool-routing.yaml": (
        "match",
        3,
        chat(
            ("system", TOOL_ROUTING_SYSTEM),
            (
                "user",
                TOOLS + "- list_recent_files: List recently edited files in cloud storage\n\n"
                "User request: I need to find Sarah Patel's phone number to call her back "
                "about the proposal.\n\nWhich tool?",
            ),
        ),
        ["search_contacts"],
    ),
    "agent-tool-abstention.yaml": (
        "match",
        3,
        chat(
            ("system", TOOL_ABSTENTION_SYSTEM),
            (
                "user",
                TOOLS + "\nUser request: What's the weather in Tokyo today?\n\nWhich tool?",
            ),
        ),
        ["NO_TOOL"],
    ),
    "accounting_audit.yml": (
        "match",
        3,
        chat(
            (
                "system",
                "Instructions: You will be presented with an audit question and four options A "
                "through D. Your task is to select the option that is closest to the correct "
                f"answer. {AUDIT} Do not explain. Do not include the number in your response.",
            ),
            (
                "user",
                "Which of the following is typically not included in the inquiry letter sent to "
                "the client's attorneys? A. An evaluation of the likelihood of an unfavorable "
                "outcome. B. A disclaimer regarding the likelihood of settlement of pending "
                "litigation. C. An estimate of the range of potential loss. D. A listing of "
                f"pending or threatened litigation, claims, or assessments. {AUDIT}",
            ),
        ),
        ["D"],
    ),
    "2d_movement.yaml": (
        "includes",
        3,
        chat(
            (
                "system",
                "Please note: In the following EXERCISE, it is important that you only respond "
                "with a single line in the format (x, y). Imagine you are standing in a 2D "
                "coordinate grid at (0, 0) where coordinates are represented like (x, y). You "
                "are currently facing the positive y direction.",
            ),
            (
                "user",
                "EXERCISE: If you take 5 steps forward, then turn 90 degrees left, then take 2 "
                "steps forward, then turn 90 degrees left, then take 1 step backward, then turn "
                "90 degrees left, then take two steps backward, what coordinate are you at?",
            ),
        ),
        ["(-4, 6)"],
    ),
    "aime_evaluation.yaml": (
        "includes",
        3,
        chat(
            (
                "system",
                "All answers are integers ranging from 000 to 999, inclusive. Please format "
                "your answer as a string with three digits.",
            ),
            (
                "user",
                "Find the sum of all positive two-digit integers that are divisible by each of "
                "their digits.",
            ),
        ),
        ["630"],
    ),
    "ambiguous-sentences.yaml": (
        "fuzzy-match",
        3,
        chat(
            ("system", "You are a helpful assistant."),
            (
                "user",
                "The city councilmen refused the demonstrators a permit because they feared "
                "violence.. Who feared violence?",
            ),
        ),
        ["city councilmen"],
    ),
    "algebra-word-problems.yaml": (
        "match",
        3,
        chat(
            (
                "system",
                "Answer the following question with a single number and no additional text. "
                "You are a helpful assistant.",
            ),
            (
                "user",
                "If it takes 5 machines 5 minutes to make 5 devices, how long would it take 100 "
                "machines to make 100 devices?",
            ),
        ),
        ["5"],
    ),
    "arithmetic-expression.yaml:arithmetic-expression": (
        "modelgraded",
        3,
        chat(("system", TWENTY_FOUR), ("user", "The four numbers are: 1, 2, 3, 4")),
        ["24"],
    ),
    "alternate-numeral-systems.yaml": (
        "includes",
        3,
        chat(("system", AB_BOT), ("user", "0")),
        ["[a]"],
    ),
    "adultery_state_laws.yaml": (
        "match",
        3,
        chat(
            (
                "system",
                "You are an assistant with knowledge of U.S. state laws. Answer the questions "
                "accurately.",
            ),
            (
                "user",
                "List the states where adultery is technically illegal. Only provide a list of "
                "states with no explanation.",
            ),
        ),
        [ADULTERY_STATES],
    ),
    "cardinal-directions.yaml": (
        "match",
        3,
        chat(  # the system message comes after the question in this eval, and stays there
            (
                "user",
                "Chloe, Kate, Drew, and Mikey are gathered in a circle. Drew is opposite Chloe "
                "and Kate sees Chloe to her left. At the center is a bottle which points towards "
                "Mikey. When Chloe spins the bottle, it rotates two and three-quarters of a full "
                "circle. Who is the person opposite the direction the bottle is pointing? Please "
                'respond with only one of the following options: "Chloe", "Mikey", "Drew", '
                '"Kate"',
            ),
            (
                "system",
                "Do not provide any information apart from the answer. Do not include "
                "punctuations in the answer.",
            ),
        ),
        ["Drew"],
    ),
    "counterfactual-reasoning.yaml": (
        "fuzzy-match",
        3,
        chat(
            ("system", "You are a helpful assistant."),
            ("user", "If food eats human, then what is the bike riding on?"),
        ),
        ["human"],
    ),
    "body-movement.yaml": (
        "match",
        3,
        chat(
            (
                "system",
                "Answer the question based on the following description of a movement. Assume "
                "average human body ability.",
            ),
            (
                "user",
                "\nDescription: A woman is standing on her hands and feet, facing the floor and "
                "reaching her hips towards the ceiling, she lifts her left leg towards the "
                "ceiling, then lowers it and puts it in between her hands. She inhales and "
                "twists her torso pressing her chest against her inner thigh and reaches her arm "
                "to the ceiling.\nQuestion: Which arm does she reach up?\nAnswer with a single "
                "word: 'left' or 'right'.",
            ),
        ),
        ["left"],
    ),
    "cissp-study-questions.yaml": (
        "match",
        3,
        [
            {
                "role": "system",
                "content": "The following are multiple choice questions (with answers) about "
                "CISSP certification.",
            },
            *CISSP_SHOTS,
            {"role": "user", "content": CISSP_Q[0]},
        ],
        ["A"],
    ),
    "balance-chemical-equation.yaml": (
        "match",
        3,
        chat(("system", CHEMIST), ("user", "Fe + Cl2 = FeCl3")),
        ["2Fe + 3Cl2 = 2FeCl3"],
    ),
}
# spec -> (scorer, the refusal line's tail)
LFS = "a Git LFS pointer; run git lfs pull to fetch the samples"
REGISTRY_REFUSED: dict[str, tuple[str | None, str]] = {
    "agent-pre-action-control.yaml": ("match", f"agent-pre-action-control/samples.jsonl: {LFS}"),
    "abstract2title.yaml": ("modelgraded", f"abstract2title/samples.jsonl: {LFS}"),
    "anagrams.yaml": ("match", f"anagrams/fewshot.jsonl: {LFS}"),
    "animal-size.yaml": ("match", f"animal_size/few_shot.jsonl: {LFS}"),
    "airports-by-country.yaml": ("match", f"airports-by-country/samples.jsonl: {LFS}"),
    "already_said_that.yaml": (
        None,
        "eval already_said_that.reverse-sort-words-eng: unsupported: eval class "
        "evals.elsuite.already_said_that.eval:AlreadySaidThat",
    ),
    # real samples, graded by the "fact" spec, which has no choice_scores (so no pass / fail)
    "ab.yaml": (None, "eval ab.dev.v0: unsupported: model-graded spec fact without choice_scores"),
}


def test_the_corpus_holds_at_least_15_registry_evals() -> None:
    # arithmetic-expression.yaml defines a second eval (a meta eval), refused below
    assert len(REGISTRY_IMPORTED) + len(REGISTRY_REFUSED) + 1 >= 15


def test_at_least_15_registry_evals_import_from_real_samples() -> None:
    samples = {plan_registry_eval(*_spec(key)).samples for key in REGISTRY_IMPORTED}
    assert len(samples) >= 15
    assert not any(p.read_text().startswith("version https://git-lfs") for p in samples)


def _spec(key: str) -> tuple[Path, str | None]:
    spec, _, name = key.partition(":")
    return REG / "evals" / spec, name or None


@pytest.mark.parametrize("key", sorted(REGISTRY_IMPORTED))
def test_registry_eval_imports_as_the_registry_runs_it(key: str) -> None:
    kind, count, first, ideal = REGISTRY_IMPORTED[key]
    spec, name = _spec(key)
    outcome = import_registry_eval(spec, name=name)
    assert len(outcome.cases) == count
    assert outcome.skipped == []
    case = outcome.cases[0]
    assert render_messages(case) == first
    assert render_messages(case, "a workload system prompt") == first  # the eval's own stays
    assert case.ideal == ideal
    assert [a.type for a in case.assertions] == [kind]


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
