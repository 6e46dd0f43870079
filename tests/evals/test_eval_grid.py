"""The comparison grid (pure): outcomes, column pass rates, filters, search, pages."""

from __future__ import annotations

import pytest

from swapsafe.evals.compare import summarize
from swapsafe.evals.grid import FILTERS, eval_grid, page_of, page_with, select
from swapsafe.store.records import EvalResult


def r(case: str, model: str, passed: bool | None, output: str = "", error: str | None = None):
    scores = (
        None
        if passed is not False
        else {"assertions": [{"passed": False, "reason": "no [billing]"}]}
    )
    return EvalResult(1, case, model, output=output, passed=passed, error=error, scores=scores)


ROWS = [
    r("c1", "old", True, "[billing] refund"),
    r("c1", "new", True, "[billing]  refund"),  # same output, whitespace aside
    r("c2", "old", True, "[billing]"),
    r("c2", "new", False, "billing?"),  # flipped
    r("c3", "old", False, "x"),
    r("c3", "new", False, "x"),
    r("c4", "old", True, "ok"),
    r("c4", "new", None, None, error="timeout after 60 s"),  # errored
    r("c5", "old", True, "ok"),  # the new model never ran c5
]


def test_cells_columns_and_rates() -> None:
    grid = eval_grid(ROWS, ["new", "old"], {"c1": "I was charged twice"})
    assert [c.key for c in grid.columns] == ["new", "old"]
    by_case = {row.key: [c.outcome for c in row.cells] for row in grid.rows}
    assert by_case == {
        "c1": ["pass", "pass"],
        "c2": ["fail", "pass"],
        "c3": ["fail", "fail"],
        "c4": ["errored", "pass"],
        "c5": ["missing", "pass"],
    }
    assert grid.rows[0].label == "I was charged twice"
    new = grid.columns[0].rate
    assert new == summarize("new", [x for x in ROWS if x.model == "new"])  # the one summary
    assert (new.passed, new.n, new.errors) == (1, 3, 1)
    c2 = grid.rows[1]
    assert c2.cells[0].reason == "no [billing]"
    assert grid.rows[3].cells[0].reason == "timeout after 60 s"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["failures"], ["c2", "c3"]),
        (["flipped"], ["c2"]),
        (["different"], ["c2"]),
        (["errored"], ["c4"]),
        (["failures", "flipped"], ["c2"]),
        ([], ["c1", "c2", "c3", "c4", "c5"]),
    ],
)
def test_filters(filters: list[str], expected: list[str]) -> None:
    grid = eval_grid(ROWS, ["old", "new"])
    assert [row.key for row in select(grid.rows, filters)] == expected


def test_search_matches_id_input_and_outputs() -> None:
    grid = eval_grid(ROWS, ["old", "new"], {"c3": "Where is my INVOICE?"})
    assert [x.key for x in select(grid.rows, query="BILLING?")] == ["c2"]
    assert [x.key for x in select(grid.rows, query="invoice")] == ["c3"]
    assert [x.key for x in select(grid.rows, query="c5")] == ["c5"]
    assert set(FILTERS) == {"failures", "flipped", "different", "errored"}


def test_pages_and_deep_links() -> None:
    rows = list(range(2000))
    page = page_of(rows, 3, 50)
    assert (page.rows[0], page.rows[-1], page.pages, page.first, page.last) == (
        100,
        149,
        40,
        101,
        150,
    )
    assert page_of(rows, 99, 50).number == 40  # clamped
    assert page_of([], 1).pages == 1 and page_of([], 1).first == 0
    grid = eval_grid([r(f"case-{i:04d}", "old", True) for i in range(120)], ["old"])
    assert page_with(grid.rows, "case-0060", 50) == 2
    assert page_with(grid.rows, "nope", 50) is None
