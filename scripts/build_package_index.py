"""Build the bundled index of real package names (run at release time; commit the result).

    python scripts/build_package_index.py --pypi pypi-names.txt --npm npm-names.txt

Each input is one name per line, or a TSV whose first column is the name (a header row whose
first cell is ``name`` is skipped). The output, ``src/swapsafe/redteam/probes/data/
package_index.bin``, holds one Bloom filter per ecosystem (see
:mod:`swapsafe.redteam.package_index`); swapsafe reads it at run time and never fetches a list.
``--source`` records where each list came from (shown by ``--describe``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from swapsafe.redteam.package_index import DATA_FILE, build_index, read_index

OUT = Path(__file__).resolve().parents[1] / "src/swapsafe/redteam/probes/data" / DATA_FILE


def read_names(path: Path) -> list[str]:
    names: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f):
            name = line.split("\t", 1)[0].strip()
            if name and not (number == 0 and name.lower() == "name"):
                names.append(name)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pypi", type=Path, required=True, help="PyPI project names")
    parser.add_argument("--npm", type=Path, required=True, help="npm package names")
    parser.add_argument("--source-pypi", default="", help="where the PyPI list came from")
    parser.add_argument("--source-npm", default="", help="where the npm list came from")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    names = {"pypi": read_names(args.pypi), "npm": read_names(args.npm)}
    sources = {"pypi": args.source_pypi, "npm": args.source_npm}
    blob = build_index(names, sources)
    args.out.write_bytes(blob)
    for ecosystem, f in read_index(blob).items():
        print(f"{ecosystem}: {len(names[ecosystem])} names, {len(f.data)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
