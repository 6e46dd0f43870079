"""What an imported construct means once it runs: Nunjucks rendering, CSV tests, weights and
thresholds, python assertions, OpenAI-evals Match / few-shot / model-graded, BOM."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from swapsafe.evals.datasets import Assertion, Case, render_messages
from swapsafe.evals.importers.nunjucks import TemplateUnsupported, render
from swapsafe.evals.importers.openai_registry import import_registry_eval
from swapsafe.evals.importers.outcome import Unsupported
from swapsafe.evals.importers.promptfoo import import_promptfoo_outcome
from swapsafe.evals.importers.promptfoo_asserts import from_string
from swapsafe.evals.scorers.base import ModelOutput, build, default_assertions, score_case
from swapsafe.evals.scorers.judge import Judge

CORPUS = Path(__file__).parent.parent / "data" / "promptfoo"


# --- Nunjucks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "variables", "expected"),
    [
        (
            "{% for x in xs %}{{ loop.index }}.{{ x | upper }} {% endfor %}",
            {"xs": ["a", "b"]},
            "1.A 2.B ",
        ),
        ("{{ (cfg | load).tone }}", {"cfg": '{"tone": "warm"}'}, "warm"),
        ("{{ (cfg | load).tone }}", {"cfg": "tone: dry"}, "dry"),
        ("{{ v | dump }}", {"v": {"a": [1, "é"]}}, '{"a":[1,"é"]}'),
        (
            "{{ o }}|{{ xs }}|{{ t }}|{{ n }}|{{ f }}|{{ z }}",
            {"o": {"a": 1}, "xs": [1, 2], "t": True, "n": 2.0, "f": 0.5, "z": None},
            "[object Object]|1,2|true|2|0.5|",
        ),
        ("[{{ missing }}][{{ missing.deep.er }}]", {}, "[][]"),
        ("{% for k, v in m %}{{k}}={{v}};{% endfor %}", {"m": {"a": 1, "b": 2}}, "a=1;b=2;"),
        ("{% if n > 1 %}many{% else %}one{% endif %}", {"n": 3}, "many"),
        ("{{ name | default('anon') | title }}", {}, "Anon"),
        ("[{{ x.__class__ }}]", {"x": "s"}, "[]"),  # the sandbox hides internals
        (
            "{{ t | truncate(9) }}|{{ t | truncate(9, true, '') }}",
            {"t": "hello big world"},
            "hello big...|hello big",  # cut at the last space up to the length
        ),
    ],
)
def test_nunjucks_renders_as_promptfoo(
    template: str, variables: dict[str, Any], expected: str
) -> None:
    assert render(template, variables) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ x | nosuchfilter }}", "nosuchfilter"),
        ("{{ range(10**9) | length }}", "Range too big"),
        ("{% for %}", "not supported"),
        ("{{ env.HOME }}", "env global"),
    ],
)
def test_nunjucks_refuses_what_it_cannot_render_the_same(template: str, message: str) -> None:
    with pytest.raises(TemplateUnsupported, match=message):
        render(template, {"x": "s"})


# --- CSV __expected and columns ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("contains: bonjour ", {"type": "contains", "value": "bonjour"}),
        ("icontains:faim", {"type": "icontains", "value": "faim"}),
        ("not-icontains:AI", {"type": "not-icontains", "value": "AI"}),
        ("contains-any:a, b ,c", {"type": "contains-any", "value": ["a", "b", "c"]}),
        ("similar(0.9):hello", {"type": "similar", "value": "hello", "threshold": 0.9}),
        ("similar:hello", {"type": "similar", "value": "hello", "threshold": 0.8}),
        ("grade:is polite", {"type": "llm-rubric", "value": "is polite"}),
        ("llm-rubric:is polite", {"type": "llm-rubric", "value": "is polite"}),
        ("python: len(output) < 9", {"type": "python", "value": "len(output) < 9"}),
        ("file://check.py:fn", {"type": "python", "value": "file://check.py:fn"}),
        ("javascript: output.length", {"type": "javascript", "value": "output.length"}),
        ("fn:output.length", {"type": "javascript", "value": "output.length"}),
        ("Paris", {"type": "equals", "value": "Paris"}),
        ("is-json", {"type": "is-json", "value": None}),
    ],
)
def test_csv_expected_reads_as_promptfoo_reads_it(cell: str, expected: dict[str, Any]) -> None:
    assert from_string(cell) == expected


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / "promptfooconfig.yaml"


def test_csv_columns(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        {
            "promptfooconfig.yaml": "prompts: ['Q: {{q}}']\ntests: file://t.csv\n",
            "t.csv": "\ufeffq,__expected1,__expected2,__description,__metric,__threshold,"
            "__metadata:topic\n"
            "capital?,contains:Paris,grade:short,geo,acc,0.5,geo\n"
            "bare,,,,,,\n",
        },
    )
    cases = import_promptfoo_outcome(config).cases
    assert [render_messages(c)[0]["content"] for c in cases] == ["Q: capital?", "Q: bare"]
    first = cases[0]
    assert [(a.type, a.value, a.config) for a in first.assertions] == [
        ("contains", "Paris", {"metric": "acc"}),
        ("llm-judge", "short", {"metric": "acc"}),
    ]
    assert first.threshold == 0.5
    assert first.metadata["description"] == "geo" and first.metadata["topic"] == "geo"
    assert cases[1].assertions == [] and cases[1].threshold is None
    assert cases[1].metadata["description"] == "Row #2"


def test_csv_prefix_column_is_refused_when_filled(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        {
            "promptfooconfig.yaml": "prompts: ['{{q}}']\ntests: file://t.csv\n",
            "t.csv": "q,__prefix\na,\nb,Say:\n",
        },
    )
    with pytest.raises(Unsupported, match=r"row 2: unsupported: CSV column __prefix"):
        import_promptfoo_outcome(config)


# --- prompt files, defaultTest, $ref ----------------------------------------------------------


def test_prompt_files_globs_labels_and_chat_yaml(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        {
            "promptfooconfig.yaml": (
                "prompts:\n  - file://p/*.txt\n  - {id: file://chat.yaml, label: chat}\n"
                "  - file://list.yaml\n"
                "defaultTest:\n  vars: {who: Ada}\n  threshold: 0.5\n"
                "assertionTemplates:\n"
                "  polite: {type: icontains, value: 'thanks {{who}}', weight: 2}\n"
                "tests:\n  - vars: {q: hi}\n    assert:\n"
                "      - $ref: '#/assertionTemplates/polite'\n"
            ),
            "p/a.txt": "A {{q}}\n---\nB {{q}}\n",
            "p/b.txt": "C {{q}}",
            "chat.yaml": "messages:\n  - role: system\n    content: Help {{who}}\n"
            "  - role: user\n    content: '{{q}}'\n",
            "list.yaml": "- role: user\n  content: 'list {{q}}'\n",
        },
    )
    cases = import_promptfoo_outcome(config).cases
    assert [c.id for c in cases] == [
        "a-1-test-1",
        "a-2-test-1",
        "b-test-1",
        "chat-test-1",
        "list-test-1",
    ]
    assert [render_messages(c)[-1]["content"] for c in cases] == [
        "A hi",
        "B hi",
        "C hi",
        "hi",
        "list hi",
    ]
    assert render_messages(cases[3])[0] == {"role": "system", "content": "Help Ada"}
    assert cases[0].threshold == 0.5  # from defaultTest
    assert cases[0].assertions[0] == Assertion("icontains", "thanks Ada", {"weight": 2})


@pytest.mark.parametrize(
    ("config", "construct"),
    [
        ("prompts: ['x']\nscenarios: []\n", 'top-level "scenarios"'),
        ("prompts: ['x']\nnunjucksFilters: {f: f.js}\n", 'top-level "nunjucksFilters"'),
        ("prompts: [file://p.py]\n", "prompt function file://p.py"),
        ("prompts: ['x']\nproviders: [file://my.py]\n", "custom provider file://my.py"),
        ("prompts: ['x']\ntests:\n  - options: {transform: output.trim()}\n", "options.transform"),
        (
            "prompts: ['x']\ntests:\n  - assert: [{type: contains, value: x, transform: t}]\n",
            'option "transform"',
        ),
        ("prompts: ['x']\ntests:\n  - providers: [a]\n", 'test field "providers"'),
        (
            "prompts: ['x']\ntests:\n  - assert: [{$ref: '#/assertionTemplates/nope'}]\n",
            "points to nothing",
        ),
        ("prompts: ['{{ x | nosuch }}']\ntests:\n  - vars: {x: 1}\n", "nosuch"),
        ("prompts: ['x']\ntests: huggingface://datasets/a/b\n", "huggingface:// sources"),
    ],
)
def test_unsupported_constructs_are_named(tmp_path: Path, config: str, construct: str) -> None:
    path = write(tmp_path, {"promptfooconfig.yaml": config})
    with pytest.raises(Unsupported) as info:
        import_promptfoo_outcome(path)
    assert str(info.value).startswith(str(path)) and construct in str(info.value)


# --- weights and thresholds, promptfoo's rule -------------------------------------------------


async def verdict(threshold: float | None, weights: tuple[float, float]) -> tuple[bool, float]:
    case = Case(
        id="c",
        input="x",
        threshold=threshold,
        assertions=[
            Assertion("contains", "yes", {"weight": weights[0]}),
            Assertion("contains", "zzz", {"weight": weights[1]}),
        ],
    )
    scorers = [(a, build(a)) for a in default_assertions(case)]
    result = await score_case(ModelOutput(text="yes"), case, scorers)
    return result.passed, result.value


async def test_weights_and_threshold_combine_as_promptfoo() -> None:
    assert await verdict(None, (1, 1)) == (False, 0.5)  # all must pass; plain mean
    assert await verdict(None, (3, 1)) == (False, 0.75)  # weighted mean, still all must pass
    assert await verdict(0.7, (3, 1)) == (True, 0.75)  # a threshold replaces "all pass"
    assert await verdict(0.8, (3, 1)) == (False, 0.75)
    assert await verdict(0.0, (0, 1)) == (True, 0.0)


# --- python assertions in a child process -----------------------------------------------------


async def python_score(config: dict[str, Any], text: str, case: Case | None = None) -> Any:
    fn = build(Assertion("python-script", config.pop("value", None), config))
    return await fn(ModelOutput(text=text), case or Case(id="c", input="x"))


async def test_python_inline_expression_and_body() -> None:
    case = Case(id="c", input="x", metadata={"vars": {"topic": "bananas"}})
    hit = await python_score(
        {"value": "context['vars']['topic'] in output"}, "I like bananas", case
    )
    assert hit.passed and hit.value == 1.0
    miss = await python_score({"value": "context['vars']['topic'] in output"}, "apples", case)
    assert not miss.passed
    body = (
        "if len(output) > 3:\n    return {'pass': True, 'score': 0.4, 'reason': 'long'}\nreturn 0"
    )
    long = await python_score({"value": body, "threshold": 0.5}, "long enough")
    assert not long.passed and long.value == 0.4 and "under threshold" in long.reason
    assert not (await python_score({"value": body}, "no")).passed  # 0 is not > 0


async def test_python_file_from_the_corpus_gets_the_prompt_in_context() -> None:
    outcome = import_promptfoo_outcome(CORPUS / "python-assert-external/promptfooconfig.yaml")
    case = outcome.cases[0]
    assert case.metadata["prompt_text"] == "Tell me about yellow fruits in three words"
    fn = build(case.assertions[0])
    assert (await fn(ModelOutput(text="Bananas, lemons, corn"), case)).passed
    assert not (await fn(ModelOutput(text="Lemons"), case)).passed


async def test_python_child_sees_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    probe = "__import__('os').environ.get('OPENAI_API_KEY') is None"
    assert (await python_score({"value": probe}, "x")).passed


async def test_python_timeout_and_crash_fail_the_assertion_only() -> None:
    slow = build(
        Assertion("python-script", "__import__('time').sleep(5) or True", {"timeout": 0.5})
    )
    case = Case(id="c", input="x")
    with pytest.raises(TimeoutError, match="timed out after 0.5s"):
        await slow(ModelOutput(text="x"), case)
    scored = await score_case(ModelOutput(text="x"), case, [(Assertion("python-script"), slow)])
    assert not scored.passed and "timed out" in scored.scores[0]["reason"]
    boom = build(Assertion("python-script", "1/0"))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        await boom(ModelOutput(text="x"), case)


# --- OpenAI evals: Match, few-shot, model-graded, BOM -----------------------------------------


def registry(tmp_path: Path, spec: str, files: dict[str, str]) -> Path:
    for name, text in {"evals/e.yaml": spec, **files}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / "evals/e.yaml"


def line(messages: list[tuple[str, str]], ideal: Any, **extra: Any) -> str:
    return json.dumps(
        {"input": [{"role": r, "content": c} for r, c in messages], "ideal": ideal, **extra}
    )


async def test_match_is_the_registry_startswith_with_whitespace_ideals(tmp_path: Path) -> None:
    spec = registry(
        tmp_path,
        "e:\n  id: e.v0\ne.v0:\n  class: evals.elsuite.basic.match:Match\n"
        "  args: {samples_jsonl: s.jsonl}\n",
        {"data/s.jsonl": "\ufeff" + line([("user", "2+2=")], " 4") + "\n"},  # BOM tolerated
    )
    case = import_registry_eval(spec).cases[0]
    fn = build(case.assertions[0])
    assert (await fn(ModelOutput(text=" 4, of course"), case)).passed
    assert not (await fn(ModelOutput(text="4"), case)).passed  # the registry strips nothing


async def test_includes_ignore_case_and_few_shot(tmp_path: Path) -> None:
    spec = registry(
        tmp_path,
        "e:\n  id: e.v0\ne.v0:\n  class: evals.elsuite.basic.match:Match\n"
        "  args: {samples_jsonl: s.jsonl, few_shot_jsonl: f.jsonl, num_few_shot: 2}\n"
        "inc:\n  id: inc.v0\ninc.v0:\n  class: evals.elsuite.basic.includes:Includes\n"
        "  args: {samples_jsonl: s.jsonl, ignore_case: true}\n",
        {
            "data/s.jsonl": line([("system", "Be brief"), ("user", "Q?")], "Paris") + "\n",
            "data/f.jsonl": "\n".join(
                json.dumps(
                    {
                        "sample": [
                            {"role": "user", "content": f"q{i}"},
                            {"role": "assistant", "content": f"a{i}"},
                        ]
                    }
                )
                for i in range(3)
            ),
        },
    )
    case = import_registry_eval(spec, name="e").cases[0]
    assert [m["content"] for m in render_messages(case)] == [
        "Be brief",
        "q0",
        "a0",
        "q1",
        "a1",
        "Q?",
    ]
    inc = import_registry_eval(spec, name="inc").cases[0]
    assert inc.assertions[0].config == {"ignore_case": True}
    assert (await build(inc.assertions[0])(ModelOutput(text="it is PARIS"), inc)).passed


class FakeJudge:
    def __init__(self, answer: str) -> None:
        self.answer, self.seen = answer, []  # type: ignore[var-annotated]

    async def __call__(self, messages: list[dict[str, Any]]) -> ModelOutput:
        self.seen.append(messages)
        return ModelOutput(text=self.answer)


@pytest.mark.parametrize(
    ("answer", "passed", "value"),
    [("Because...\nY", True, 1.0), ("Reasoning\nN", False, 0.0), ("unsure", False, 0.0)],
)
async def test_model_graded_closedqa(
    tmp_path: Path, answer: str, passed: bool, value: float
) -> None:
    closedqa = (
        Path(__file__).parent.parent / "data/openai_evals/registry/modelgraded/closedqa.yaml"
    ).read_text()
    spec = registry(
        tmp_path,
        "e:\n  id: e.v0\ne.v0:\n  class: evals.elsuite.modelgraded.classify:ModelBasedClassify\n"
        "  args:\n    samples_jsonl: s.jsonl\n    modelgraded_spec: closedqa\n"
        "    modelgraded_spec_args: {criteria: 'correct: Is it right?'}\n",
        {
            "data/s.jsonl": line([("user", "Name a {color}")], "red") + "\n",
            "modelgraded/closedqa.yaml": closedqa,
        },
    )
    outcome = import_registry_eval(spec)
    case = outcome.cases[0]
    fake = FakeJudge(answer)
    from swapsafe.evals.scorers.base import Resources

    fn = build(case.assertions[0], Resources(judge=Judge(model="judge", call=fake)))
    score = await fn(ModelOutput(text="Blue"), case)
    assert (score.passed, score.value) == (passed, value)
    prompt = fake.seen[0][0]["content"]
    assert "[Task]: Name a {{color}}" in prompt  # the registry doubles braces of the input
    assert "[Submission]: Blue" in prompt and "[Criterion]: correct: Is it right?" in prompt
    assert prompt.endswith("Reasoning:")  # the spec's own answer instructions, nothing appended
    assert "graded by the --judge model" in outcome.notes[0]


def test_model_graded_spec_without_scores_is_refused(tmp_path: Path) -> None:
    fact = (
        Path(__file__).parent.parent / "data/openai_evals/registry/modelgraded/fact.yaml"
    ).read_text()
    spec = registry(
        tmp_path,
        "e:\n  id: e.v0\ne.v0:\n  class: evals.elsuite.modelgraded.classify:ModelBasedClassify\n"
        "  args: {samples_jsonl: s.jsonl, modelgraded_spec: fact}\n",
        {"data/s.jsonl": line([("user", "q")], "a") + "\n", "modelgraded/fact.yaml": fact},
    )
    with pytest.raises(Unsupported, match="model-graded spec fact without choice_scores"):
        import_registry_eval(spec)


def test_a_few_shot_file_imported_as_samples_says_what_it_is(tmp_path: Path) -> None:
    from swapsafe.evals.datasets import DatasetError
    from swapsafe.evals.importers import import_openai_evals

    path = tmp_path / "few_shot.jsonl"
    path.write_text(json.dumps({"sample": [{"role": "user", "content": "q"}]}) + "\n")
    with pytest.raises(DatasetError, match="a few-shot line .* import the eval by its spec"):
        import_openai_evals(path)


def test_vars_refer_to_other_vars_as_promptfoo_resolves_them(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        {
            "promptfooconfig.yaml": "prompts: ['{{greeting}}']\n"
            "tests:\n  - vars: {greeting: 'Hi {{ name }}, n={{n}}', name: Ada, n: 1.0}\n",
        },
    )
    case = import_promptfoo_outcome(config).cases[0]
    assert render_messages(case)[0]["content"] == "Hi Ada, n=1"
