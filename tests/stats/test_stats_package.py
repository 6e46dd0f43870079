"""The statistics package stays pure and small, and no copy of its formulas lives elsewhere."""

from __future__ import annotations

import ast
from pathlib import Path

import swapsafe.stats

STATS = Path(swapsafe.stats.__file__).parent
SRC = STATS.parent
ALLOWED = {"numpy", "scipy", "swapsafe.stats", "swapsafe.exceptions", "__future__"}
STDLIB = {"math", "collections", "dataclasses", "statistics", "typing"}


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_stats_imports_only_numpy_scipy_and_itself() -> None:
    for path in STATS.glob("*.py"):
        for name in _imports(path):
            root = name.split(".")[0]
            ok = root in STDLIB or any(name == a or name.startswith(a + ".") for a in ALLOWED)
            assert ok, f"{path.name} imports {name}"


def test_stats_modules_and_functions_are_small() -> None:
    for path in STATS.glob("*.py"):
        text = path.read_text()
        assert len(text.splitlines()) <= 450, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef):
                length = (node.end_lineno or 0) - node.lineno + 1
                assert length <= 60, f"{path.name}:{node.name} has {length} lines"


def test_no_other_module_defines_a_statistic_or_the_red_team_rule() -> None:
    """One rule, one function: these names are defined in one place only."""
    owners = {
        "wilson": "stats/proportions.py",
        "mcnemar_exact": "stats/paired.py",
        "newcombe_paired_ci": "stats/paired.py",
        "cohens_kappa": "stats/kappa.py",
        "bootstrap_ratio": "stats/resampling.py",
        "mean_interval": "stats/quantiles.py",
        "non_inferiority": "stats/noninferiority.py",
        "redteam_verdict": "redteam/regression.py",
        "agrees": None,
        "category_verdict": "redteam/regression.py",
        "redteam_regressions": None,
    }
    classes = {"PairedCounts": "stats/paired.py", "CategoryRates": "redteam/regression.py"}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name in owners:
                assert owners[node.name] == rel, f"{rel} defines {node.name}"
            if isinstance(node, ast.ClassDef) and node.name in classes:
                assert classes[node.name] == rel, f"{rel} defines {node.name}"
