"""Fail when site-packages holds a .pth file we do not expect.

A .pth file runs code at every interpreter start: a compromised dependency can hide one there.
The allow-list names the ones our own pinned dependencies install.
"""

from __future__ import annotations

import site
import sys
from pathlib import Path

ALLOWED = {
    "_editable_impl_swapsafe.pth",  # hatchling's editable install of this project
    "distutils-precedence.pth",  # setuptools
    "a1_coverage.pth",  # coverage: measures subprocesses when asked to
}


def main() -> int:
    unexpected = []
    directories = sys.argv[1:] or sorted({*site.getsitepackages()})  # args: for the tests
    for directory in directories:
        for path in sorted(Path(directory).glob("*.pth")):
            if path.name not in ALLOWED:
                unexpected.append(path)
    for path in unexpected:
        print(f"unexpected .pth file: {path}", file=sys.stderr)
        for line in path.read_text(errors="replace").splitlines()[:5]:
            print(f"    {line}", file=sys.stderr)
    if unexpected:
        print(
            "remove it, or add it to scripts/check_pth.py after checking what it runs",
            file=sys.stderr,
        )
        return 1
    print(f"site-packages .pth files OK ({len(ALLOWED)} allowed names)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
