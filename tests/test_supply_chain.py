"""Supply chain: every dependency is pinned with hashes, and unexpected .pth files fail CI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_lock_pins_every_package_with_hashes() -> None:
    text = (ROOT / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[a-z0-9])", text.split("\n\n", 1)[-1])
    pins = [e for e in entries if "==" in e.split("\n", 1)[0]]
    assert len(pins) > 50
    for entry in pins:
        assert "--hash=sha256:" in entry, entry.split("\n", 1)[0]
    names = {e.split("==", 1)[0].split("[", 1)[0].strip() for e in pins}
    for needed in ("starlette", "sqlalchemy", "psycopg", "openai", "anthropic", "aiohttp"):
        assert needed in names


def test_ci_installs_from_the_lock_and_checks_pth_files() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text()
    assert "--require-hashes -r requirements.lock" in script
    # the installer is pinned too, and installed before the lock (an old pip misreads the lock)
    assert script.index("--require-hashes -r scripts/pip.lock") < script.index(
        "--require-hashes -r requirements.lock"
    )
    assert "--hash=sha256:" in (ROOT / "scripts" / "pip.lock").read_text()
    assert "scripts/check_pth.py" in script


def test_pth_check_fails_on_an_unexpected_file(tmp_path: Path) -> None:
    (tmp_path / "evil.pth").write_text("import os; os.system('echo pwned')\n")
    (tmp_path / "distutils-precedence.pth").write_text("")
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_pth.py"), str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert "unexpected .pth file" in out.stderr and "evil.pth" in out.stderr
