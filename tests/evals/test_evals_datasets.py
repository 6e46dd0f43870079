"""Golden files: JSONL, YAML and CSV cases, rendering with the workload's system prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from swapsafe.evals.cases import Case, DatasetError
from swapsafe.evals.datasets import (
    append_cases,
    build_request,
    load_cases,
    render_messages,
    write_cases,
)

TEMPLATE = Path(__file__).parents[2] / "src/swapsafe/templates/example/golden/support.jsonl"


def test_jsonl_cases_with_all_fields(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(
        '{"id": "a", "input": "Hi {{name}}", "ideal": ["x", "y"], "vars": {"name": "Ada"},'
        ' "metadata": {"k": 1},'
        ' "assert": [{"type": "contains", "value": "x", "ignore_case": true}]}\n'
        "\n"
        '{"input": [{"role": "user", "content": "weather?"}], "tools": [{"type": "function",'
        ' "function": {"name": "w", "parameters": {}}}]}\n'
    )
    a, b = load_cases(path)
    assert a.id == "a" and a.ideal == ["x", "y"] and a.vars == {"name": "Ada"}
    assert a.assertions[0].type == "contains" and a.assertions[0].config == {"ignore_case": True}
    assert b.id == "case-2" and isinstance(b.input, list) and b.tools
    assert render_messages(a, "sys") == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "Hi Ada"},
    ]


def test_init_template_expected_is_an_alias_of_ideal() -> None:
    cases = load_cases(TEMPLATE)
    assert cases[0].id == "support-001" and cases[0].ideal == ["[billing]"]


def test_yaml_and_csv(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").write_text(
        "cases:\n  - id: one\n    input: hello\n    expected: hi\n  - input: bye\n"
    )
    assert [c.id for c in load_cases(tmp_path / "g.yaml")] == ["one", "case-2"]
    (tmp_path / "g.csv").write_text(
        "id,input,ideal,vars.city,metadata.src,assert\n"
        "w1,Weather in {{city}}?,sunny,Paris,csv,"
        '"[{""type"": ""icontains"", ""value"": ""SUN""}]"\n'
        "w2,plain,,,,\n"
    )
    w1, w2 = load_cases(tmp_path / "g.csv")
    assert w1.vars == {"city": "Paris"} and w1.metadata == {"src": "csv"}
    assert w1.assertions[0].type == "icontains" and w1.ideal == ["sunny"]
    assert render_messages(w1)[-1]["content"] == "Weather in Paris?"
    assert w2.ideal is None and w2.assertions == []


def test_case_with_own_system_message_keeps_it() -> None:
    case = Case(
        id="x", input=[{"role": "system", "content": "own"}, {"role": "user", "content": "q"}]
    )
    body = build_request(case, model="m", system_prompt="workload prompt")
    assert body["messages"][0] == {"role": "system", "content": "own"}
    assert body["temperature"] == 0.0 and len(body["messages"]) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"input": "a"}\nnot json\n', "g.jsonl: case 2: not valid JSON"),
        ('{"id": "a", "input": "x"}\n{"ideal": "y"}\n', 'g.jsonl: case 2: "input" is missing'),
        ('{"input": "x", "ideal": 3.5, "bogus": 1}\n', "g.jsonl: case 1: unknown field 'bogus'"),
        ('{"input": "x", "ideal": [1]}\n', 'g.jsonl: case 1: "ideal" must be a string or a list'),
        ('{"input": [{"content": "x"}]}\n', 'g.jsonl: case 1: input message 1 needs a "role"'),
        (
            '{"id": "a", "input": "x"}\n{"id": "a", "input": "y"}\n',
            'case 2: id "a" is already used',
        ),
        ('{"input": "x", "assert": [{"value": 1}]}\n', 'case 1: each assertion needs a "type"'),
    ],
)
def test_malformed_cases_name_file_and_case(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(text)
    with pytest.raises(DatasetError) as info:
        load_cases(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_write_and_append_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "out" / "g.jsonl"
    cases = [Case(id="a", input="x", ideal=["y"]), Case(id="b", input="z")]
    write_cases(path, cases)
    append_cases(path, [Case(id="c", input="w")])
    assert [c.id for c in load_cases(path)] == ["a", "b", "c"]
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
