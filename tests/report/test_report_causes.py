"""Likely causes: what the candidate's failed golden answers share, named only when the data
show it, and the report's "Why ... is NO-GO" lines that carry them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.report.report_helpers import NOW, make_config

from swapsafe.report import build_report
from swapsafe.report.causes import continues_prompt, likely_causes
from swapsafe.report.markdown import render_markdown
from swapsafe.store import open_store
from swapsafe.store.records import EvalResult, EvalRun

PROMPT = (
    "You are Acme Learning's quick-answer assistant.\n"
    "Answer the user's question with a short factual answer of a few words.\n"
    "Do not explain and do not ask questions back."
)
CONTINUATION = "You are a student.\nAnswer the user's question with a short factual answer of a"


def test_a_continuation_of_the_system_prompt_is_named_with_its_count_and_an_example() -> None:
    failed = [CONTINUATION, "What is the capital of Italy? You are a student", "Rome"]
    causes = likely_causes(PROMPT, ["Paris", *failed], failed)
    assert len(causes) == 1
    assert causes[0].startswith("1 of 3 failed answers repeat or continue the system prompt")
    assert "off-task continuations" in causes[0] and "You are a student." in causes[0]
    assert continues_prompt(CONTINUATION, PROMPT)
    assert not continues_prompt("The answer is a short factual one", PROMPT)


def test_one_answer_for_every_input_is_named() -> None:
    answers = ['{ "sentiment": "neutral"}'] * 9 + ['{ "sentiment": "positive"}']
    causes = likely_causes(None, answers, answers[:7])
    assert causes == [
        '9 of 10 answers are the same text whatever the input: “{ "sentiment": "neutral"}”'
    ]


def test_ordinary_wrong_answers_get_no_story() -> None:
    answers = ["Paris", "Lyon", "Berlin", "Madrid", "7", "Mars"]
    assert likely_causes(PROMPT, answers, ["Lyon", "Mars"]) == []
    assert likely_causes(PROMPT, answers, []) == []
    assert likely_causes(PROMPT, ["", "", "x", "y"], ["", ""]) == [
        "2 of 2 failed answers are empty"
    ]


def test_the_report_says_why_in_plain_words(tmp_path: Path, store_url: str) -> None:
    (tmp_path / "sp.txt").write_text(PROMPT)
    cfg = make_config(tmp_path, store_url, gates='system_prompt = "sp.txt"')
    store = open_store(store_url)
    try:
        run_id = store.create_eval_run(
            EvalRun(workload="support", started_at=NOW - timedelta(days=1), status="done",
                    models=["old", "new"])
        )  # fmt: skip
        rows = [
            EvalResult(run_id, f"c{i:02}", "old", output="Paris", passed=True) for i in range(60)
        ]
        rows += [
            EvalResult(run_id, f"c{i:02}", "new", output=CONTINUATION, passed=False)
            for i in range(50)
        ]
        rows += [
            EvalResult(run_id, f"c{i:02}", "new", output="Paris", passed=True)
            for i in range(50, 60)
        ]
        store.add_eval_results(rows)
        store.finish_eval_run(run_id, "done", NOW - timedelta(days=1))
        data = build_report(cfg, store, ["support"], now=NOW)
    finally:
        store.close()
    (support,) = data.workloads
    assert support.decision == "NO-GO"
    text = render_markdown(data)
    why = text[text.index("**Why support is NO-GO:**") :].split("\n\n")[0]
    assert "- golden_pass_rate: fail:" in why and "16.7%" in why and "100.0%" in why
    assert "- likely cause: 50 of 50 failed answers repeat or continue the system prompt" in why
    assert text.index("**Why support") < text.index("## support")  # among the first lines
