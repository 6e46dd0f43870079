"""The package layering of DESIGN.md holds: import-linter's contracts in pyproject.toml pass.

Run by hand with ``lint-imports`` (scripts/test.sh runs it too). A broken contract fails here
with import-linter's report: which module imports upward, or which imports make a cycle.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def test_layer_contracts_cover_every_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    named = {part.strip() for layer in layers["layers"] for part in layer.split(":")}
    src = ROOT / "src" / "swapsafe"
    packages = {p.name for p in src.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in src.glob("*.py") if not p.stem.startswith("_")}
    unplaced = (packages | modules) - named
    assert not unplaced, f"put these in a layer of [tool.importlinter]: {sorted(unplaced)}"
    assert any(c["type"] == "acyclic_siblings" for c in config["contracts"])


def test_lint_imports_passes() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports"
    )
    assert exe is not None, "import-linter is not installed: pip install -r requirements.lock"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [exe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_web_app_imports_every_page_by_name() -> None:
    """The web app reaches each page module through plain imports (web/site.py), so the "no
    cycles" contract sees those edges; and no page reaches back to the app. A page loaded by
    ``importlib.import_module`` would leave no edge here, and a page importing
    ``swapsafe.web.app`` would make a cycle."""
    sys.path.insert(0, str(ROOT / "src"))
    try:
        graph = grimp.build_graph("swapsafe", cache_dir=None)
    finally:
        sys.path.remove(str(ROOT / "src"))
    pages = sorted(
        f"swapsafe.web.pages.{p.stem}"
        for p in (ROOT / "src" / "swapsafe" / "web" / "pages").glob("*.py")
        if p.stem != "__init__"
    )
    assert pages
    for page in pages:
        assert graph.find_shortest_chain(importer="swapsafe.web.app", imported=page), page
        assert not graph.find_shortest_chain(importer=page, imported="swapsafe.web.app"), page
