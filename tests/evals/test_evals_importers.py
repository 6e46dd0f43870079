"""promptfoo and OpenAI-evals importers on realistic files, including malformed ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from swapsafe.evals.cases import DatasetError
from swapsafe.evals.datasets import build_request, render_messages
from swapsafe.evals.importers import import_openai_evals, import_promptfoo
from swapsafe.evals.importers.openai_registry import import_registry_eval
from swapsafe.evals.importers.outcome import Unsupported
from swapsafe.exceptions import TranslationError
from swapsafe.wire.translate import encode_request, parse_request

PROMPTFOO = """\
description: Support triage
prompts:
  - "Classify this ticket for {{company}}: {{ticket}}"
  - file://prompts/chat.json
providers:
  - openai:gpt-4o-mini
defaultTest:
  vars:
    company: Acme
  assert:
    - type: not-contains
      value: "As an AI"
    - type: latency
      threshold: 5000
tests:
  - description: double charge
    vars:
      ticket: I was charged twice
    assert:
      - type: icontains
        value: billing
      - type: contains-any
        value: ["[billing]", "[refund]"]
      - type: regex
        value: "^\\\\["
      - type: llm-rubric
        value: Mentions {{company}} policy politely
      - type: similar
        value: This is a billing question
        threshold: 0.7
      - type: cost
        threshold: 0.01
  - vars:
      ticket: file://tickets/outage.txt
    assert:
      - type: is-json
        value:
          type: object
          required: [category]
      - type: contains-json
      - type: starts-with
        value: "{"
      - type: equals
        value: '{"category": "outage"}'
      - type: contains-all
        value: [category, outage]
      - type: not-icontains
        value: billing
  - vars:
      ticket: [a, b]
"""


def write_promptfoo(tmp_path: Path, text: str = PROMPTFOO) -> Path:
    (tmp_path / "prompts").mkdir(exist_ok=True)
    (tmp_path / "prompts/chat.json").write_text(
        '[{"role": "system", "content": "Triage for {{company}}"},'
        ' {"role": "user", "content": "{{ticket}}"}]'
    )
    (tmp_path / "tickets").mkdir(exist_ok=True)
    (tmp_path / "tickets/outage.txt").write_text("API down since 10:00")
    path = tmp_path / "promptfooconfig.yaml"
    path.write_text(text)
    return path


def test_promptfoo_config(tmp_path: Path) -> None:
    cases = import_promptfoo(write_promptfoo(tmp_path))
    # 2 prompts x (1 + 1 + 2 var combinations)
    assert len(cases) == 8
    ids = [c.id for c in cases]
    assert ids[:3] == ["prompt-1-test-1", "chat-test-1", "prompt-1-test-2"]
    assert "prompt-1-test-3-2" in ids
    first = cases[0]
    assert first.vars == {}  # rendered at import, as promptfoo renders them
    assert first.metadata["vars"] == {"company": "Acme", "ticket": "I was charged twice"}
    assert (
        render_messages(first)[-1]["content"]
        == "Classify this ticket for Acme: I was charged twice"
    )
    types = [a.type for a in first.assertions]
    assert types == [
        "not-contains",
        "latency",
        "icontains",
        "contains-any",
        "regex",
        "llm-judge",
        "similar",
        "cost",
    ]
    judge = first.assertions[5]
    assert judge.value == "Mentions Acme policy politely"  # assertion values are templated
    assert first.assertions[6].config == {"threshold": 0.7}
    assert first.assertions[1].config == {"threshold": 5000} and first.assertions[1].value is None
    assert first.metadata["description"] == "double charge"
    chat = cases[1]
    assert render_messages(chat) == [
        {"role": "system", "content": "Triage for Acme"},
        {"role": "user", "content": "I was charged twice"},
    ]
    outage = cases[2]
    assert outage.metadata["vars"]["ticket"] == "API down since 10:00"  # file:// var
    assert outage.assertions[2].value == {"type": "object", "required": ["category"]}


@pytest.mark.parametrize(
    ("tests", "message"),
    [
        (
            "  - vars: {t: x}\n  - vars: {t: y}\n    assert:\n"
            "      - type: javascript\n        value: x",
            'case 2: unsupported: assertion type "javascript" (JavaScript is not run; use python)',
        ),
        (
            "  - vars: {t: x}\n    assert:\n      - type: contains\n",
            'case 1: unsupported: assertion "contains" without a value',
        ),
        (
            "  - vars: {t: x}\n    assert:\n      - type: cost\n",
            'case 1: unsupported: assertion "cost" without a threshold',
        ),
        (
            "  - vars: {t: file://missing.txt}\n",
            "case 1: var t: unsupported: cannot read file://missing.txt",
        ),
        ("  - just a string\n", "tests: unsupported: a test that is not a mapping"),
        (
            "  - assert:\n      - type: contains\n        value: x\n"
            "        transform: output.trim()\n",
            'case 1: unsupported: assertion "contains" option "transform"',
        ),
    ],
)
def test_promptfoo_errors_name_file_case_and_problem(
    tmp_path: Path, tests: str, message: str
) -> None:
    path = tmp_path / "pf.yaml"
    path.write_text('prompts: ["{{t}}"]\ntests:\n' + tests + "\n")
    with pytest.raises(DatasetError) as info:
        import_promptfoo(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_promptfoo_tests_from_file(tmp_path: Path) -> None:
    (tmp_path / "tests.yaml").write_text("- vars: {q: one}\n- vars: {q: two}\n")
    path = tmp_path / "pf.yaml"
    path.write_text("prompts: ['Q: {{q}}']\ntests: file://tests.yaml\n")
    assert [render_messages(c)[0]["content"] for c in import_promptfoo(path)] == [
        "Q: one",
        "Q: two",
    ]


OPENAI_EVALS = (
    '{"input": [{"role": "system", "content": "Answer with the capital only."}, '
    '{"role": "user", "content": "France?"}], "ideal": "Paris"}\n'
    '{"input": [{"role": "user", "content": "2+2?"}], "ideal": ["4", "four"]}\n'
    '{"input": "Largest planet?", "ideal": "Jupiter", "source": "trivia"}\n'
)


def test_openai_evals_samples(tmp_path: Path) -> None:
    path = tmp_path / "capitals.jsonl"
    path.write_text(OPENAI_EVALS)
    cases = import_openai_evals(path, "includes")
    assert [c.id for c in cases] == ["capitals-1", "capitals-2", "capitals-3"]
    assert cases[1].ideal == ["4", "four"]
    assert all(c.assertions[0].type == "includes" for c in cases)
    assert cases[2].metadata["extra"] == {"source": "trivia"}
    assert (
        render_messages(cases[0], "workload prompt")[0]["content"]
        == "Answer with the capital only."
    )


def test_openai_evals_text_input_is_one_system_message_as_the_registry_sends_it(
    tmp_path: Path,
) -> None:
    # openai/evals: a text prompt reaches a chat model as [{"role": "system", ...}]
    # (evals/prompt/base.py, ChatCompletionPrompt._render_text_as_chat_prompt)
    path = tmp_path / "capitals.jsonl"
    path.write_text(OPENAI_EVALS)
    case = import_openai_evals(path, "includes")[2]
    sent = [{"role": "system", "content": "Largest planet?"}]
    assert case.input == sent
    assert render_messages(case, "workload prompt") == sent  # the workload's prompt is not added
    body = build_request(case, model="m", system_prompt="workload prompt")
    assert body["messages"] == sent
    canonical = parse_request("openai", body)
    assert encode_request("openai", canonical)["messages"] == sent
    assert encode_request("responses", canonical)["input"] == [{"type": "message", **sent[0]}]
    with pytest.raises(TranslationError) as info:  # Anthropic needs a user turn: refused
        encode_request("anthropic", canonical)
    assert info.value.param == "messages" and "only system messages" in str(info.value)


def test_openai_evals_few_shot_with_a_text_input_is_refused(tmp_path: Path) -> None:
    # the registry's Match asserts is_chat_prompt(sample["input"]) before adding few-shot
    (tmp_path / "evals").mkdir()
    (tmp_path / "data/x").mkdir(parents=True)
    spec = tmp_path / "evals/x.yaml"
    spec.write_text(
        "x: {id: x.dev.v0}\n"
        "x.dev.v0: {class: evals.elsuite.basic.match:Match, args: {samples_jsonl: "
        "x/samples.jsonl, num_few_shot: 1, few_shot_jsonl: x/few.jsonl}}\n"
    )
    (tmp_path / "data/x/samples.jsonl").write_text('{"input": "Q?", "ideal": "A"}\n')
    (tmp_path / "data/x/few.jsonl").write_text(
        '{"sample": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}\n'
    )
    with pytest.raises(Unsupported, match="few-shot with a text input"):
        import_registry_eval(spec)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "case 2: not valid JSON"),
        ('{"ideal": "x"}', 'case 2: "input" is missing'),
        ('{"input": "x"}', 'case 2: "ideal" is missing'),
        ('{"input": "x", "ideal": 4}', 'case 2: "ideal" must be a string or a list of strings'),
        (
            '{"input": [{"role": "user"}], "ideal": "x"}',
            'case 2: input message 1 needs "role" and "content"',
        ),
    ],
)
def test_openai_evals_errors(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"input": "ok", "ideal": "ok"}\n' + line + "\n")
    with pytest.raises(DatasetError) as info:
        import_openai_evals(path)
    assert str(info.value) == f"{path}: {message}" or str(info.value).startswith(
        f"{path}: {message}"
    )


def test_unknown_eval_class(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="unknown eval class"):
        import_openai_evals(tmp_path / "x.jsonl", "modelgraded")
