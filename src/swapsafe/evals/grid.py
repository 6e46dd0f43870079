"""The comparison grid (pure): cases as rows, models as columns, one outcome per cell.

A cell is ``pass``, ``fail``, ``errored`` (the call failed or was not scored: no outcome, as
in :func:`swapsafe.evals.compare.answered`) or ``missing`` (the model did not run the case).
Each column carries the model's pass rate with its Wilson interval from
:func:`swapsafe.evals.compare.summarize` (the one summary the CLI and the report print).

Row filters (:data:`FILTERS`), all over the answered cells of a row:

* ``failures``  -- some model failed the case;
* ``flipped``   -- the models disagree: one passed where another failed;
* ``different`` -- the answered outputs differ (compared with whitespace collapsed);
* ``errored``   -- some model's call errored.

Search matches the case id, the case's input text (when given) and every output,
case-insensitively. :func:`page_of` cuts the selected rows into pages for the web grid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from swapsafe.evals.compare import ModelSummary, answered, summarize
from swapsafe.store.records import EvalResult

Outcome = Literal["pass", "fail", "errored", "missing", "unjudged"]
T = TypeVar("T")
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Cell:
    outcome: Outcome
    output: str | None = None
    reason: str | None = None  # the error, or the failed check's reason


@dataclass(frozen=True)
class Column:
    key: str  # model name (later: model + prompt variant)
    label: str
    rate: ModelSummary | None  # None when the column has no pass rate to show


@dataclass(frozen=True)
class Row:
    key: str  # the case id (or the shadow pair id)
    label: str  # what the row shows: the case input, or the user's question
    cells: tuple[Cell, ...]
    differs: bool  # the answered outputs are not all the same

    @property
    def failed(self) -> bool:
        return any(c.outcome == "fail" for c in self.cells)

    @property
    def flipped(self) -> bool:
        outcomes = {c.outcome for c in self.cells}
        return "pass" in outcomes and "fail" in outcomes

    @property
    def errored(self) -> bool:
        return any(c.outcome == "errored" for c in self.cells)

    def matches(self, needle: str) -> bool:
        hay = [self.key, self.label, *(c.output or "" for c in self.cells)]
        return any(needle in h.lower() for h in hay)


FILTERS: dict[str, tuple[str, Callable[[Row], bool]]] = {
    "failures": ("failures only", lambda r: r.failed),
    "flipped": ("flipped cases", lambda r: r.flipped),
    "different": ("different outputs", lambda r: r.differs),
    "errored": ("errored", lambda r: r.errored),
}


@dataclass(frozen=True)
class Grid:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


def _reason(r: EvalResult) -> str | None:
    if r.error:
        return r.error
    checks = (r.scores or {}).get("assertions") or []
    failed = [str(a.get("reason") or "") for a in checks if not a.get("passed")]
    return "; ".join(f for f in failed if f)[:300] or None


def cell_of(r: EvalResult | None) -> Cell:
    if r is None:
        return Cell("missing")
    if not answered(r):
        return Cell("errored", r.output, _reason(r) or "not scored")
    return Cell("pass" if r.passed else "fail", r.output, None if r.passed else _reason(r))


def outputs_differ(cells: Sequence[Cell]) -> bool:
    texts = {" ".join((c.output or "").split()) for c in cells if c.outcome in ("pass", "fail")}
    return len(texts) > 1


def eval_grid(
    results: Sequence[EvalResult],
    models: Sequence[str] = (),
    inputs: Mapping[str, str] | None = None,
    conf: float = 0.95,
) -> Grid:
    """The grid of one eval run: ``models`` orders the columns (others follow, sorted)."""
    by_model: dict[str, dict[str, EvalResult]] = {}
    for r in results:
        by_model.setdefault(r.model, {})[r.case_id] = r
    order = [m for m in models if m in by_model] + sorted(set(by_model) - set(models))
    columns = tuple(Column(m, m, summarize(m, list(by_model[m].values()), conf)) for m in order)
    cases = sorted({r.case_id for r in results})
    rows = []
    for case in cases:
        cells = tuple(cell_of(by_model[m].get(case)) for m in order)
        label = (inputs or {}).get(case, "")
        rows.append(Row(case, label, cells, outputs_differ(cells)))
    return Grid(columns, tuple(rows))


def select(rows: Sequence[Row], filters: Sequence[str] = (), query: str = "") -> list[Row]:
    """Rows passing every filter in ``filters`` (names of :data:`FILTERS`) and the search."""
    tests = [FILTERS[f][1] for f in filters]
    needle = query.strip().lower()
    return [r for r in rows if all(t(r) for t in tests) and (not needle or r.matches(needle))]


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    number: int  # 1-based
    pages: int
    total: int
    size: int

    @property
    def first(self) -> int:
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * self.size, self.total)


def page_of(rows: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    """Page ``number`` (clamped into range) of ``size`` rows."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    pages = max(1, -(-len(rows) // size))
    number = max(1, min(number, pages))
    start = (number - 1) * size
    return Page(list(rows[start : start + size]), number, pages, len(rows), size)


def page_with(rows: Sequence[Row], key: str, size: int = PAGE_SIZE) -> int | None:
    """The page number holding the row ``key`` (deep links), None when it is not selected."""
    for i, row in enumerate(rows):
        if row.key == key:
            return i // max(1, min(size, MAX_PAGE_SIZE)) + 1
    return None
