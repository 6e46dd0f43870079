"""Which package names exist: a bundled index of real PyPI and npm names (no network, ever).

The index is ``probes/data/package_index.bin``, built at release time by
``scripts/build_package_index.py`` from the registries' name lists and committed. Per ecosystem
it is a Bloom filter (``FP_RATE`` false positives: one invented name in a thousand is taken for
a real one and missed; a real name is never reported as invented). Names are normalised the
registries' way: PyPI per PEP 503 (``Foo_Bar.baz`` -> ``foo-bar-baz``), npm lower-cased.

:func:`missing_packages` reads the packages a piece of code uses (``import x``, ``from x
import``, ``pip install x``; ``require("x")``, ``import ... from "x"``, ``npm install x``) and
returns those that are neither standard library / Node built-ins nor in the index.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import sys
from collections.abc import Iterable, Mapping
from importlib import resources

FP_RATE = 0.001
MAGIC = b"SWAPSAFE-PACKAGE-INDEX 1\n"
DATA_FILE = "package_index.bin"


def normalise(ecosystem: str, name: str) -> str:
    if ecosystem == "pypi":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name.lower()


def _positions(name: str, bits: int, hashes: int) -> Iterable[int]:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    h1, h2 = int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little") | 1
    return ((h1 + i * h2) % bits for i in range(hashes))


class NameFilter:
    """A Bloom filter over one ecosystem's normalised names."""

    def __init__(self, bits: int, hashes: int, data: bytes | bytearray) -> None:
        self.bits, self.hashes, self.data = bits, hashes, data

    @classmethod
    def build(cls, names: set[str], fp_rate: float = FP_RATE) -> NameFilter:
        n = max(1, len(names))
        bits = max(64, math.ceil(-n * math.log(fp_rate) / math.log(2) ** 2))
        hashes = max(1, round(bits / n * math.log(2)))
        data = bytearray((bits + 7) // 8)
        for name in names:
            for pos in _positions(name, bits, hashes):
                data[pos >> 3] |= 1 << (pos & 7)
        return cls(bits, hashes, bytes(data))

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return all(
            self.data[p >> 3] >> (p & 7) & 1 for p in _positions(name, self.bits, self.hashes)
        )


def build_index(names: Mapping[str, Iterable[str]], sources: Mapping[str, str]) -> bytes:
    """The data file for ``{"pypi": names, "npm": names}`` (names are normalised here)."""
    header: dict[str, dict[str, object]] = {}
    blobs: list[bytes] = []
    offset = 0
    for ecosystem, raw in sorted(names.items()):
        normalised = {normalise(ecosystem, n) for n in raw if n.strip()}
        f = NameFilter.build(normalised)
        header[ecosystem] = {
            "bits": f.bits, "hashes": f.hashes, "count": len(normalised),
            "offset": offset, "size": len(f.data), "source": sources.get(ecosystem, ""),
        }  # fmt: skip
        blobs.append(bytes(f.data))
        offset += len(f.data)
    return MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + b"".join(blobs)


def read_index(blob: bytes) -> dict[str, NameFilter]:
    if not blob.startswith(MAGIC):
        raise ValueError("not a swapsafe package index")
    head, _, body = blob[len(MAGIC) :].partition(b"\n")
    out: dict[str, NameFilter] = {}
    for ecosystem, meta in json.loads(head).items():
        start = int(meta["offset"])
        out[ecosystem] = NameFilter(
            int(meta["bits"]), int(meta["hashes"]), body[start : start + int(meta["size"])]
        )
    return out


@functools.cache
def bundled_index() -> dict[str, NameFilter]:
    data = resources.files("swapsafe.redteam.probes").joinpath("data", DATA_FILE).read_bytes()
    return read_index(data)


# -- reading the packages a piece of code uses ----------------------------------------------

_PY_IMPORT = re.compile(
    r"^\s*(?:import\s+([\w.]+(?:\s*,\s*[\w.]+)*)|from\s+([\w.]+)\s+import\b)", re.M
)
_PIP = re.compile(r"\bpip3?\s+install\s+([^\n`;&|]+)")
_JS_IMPORT = re.compile(
    r"""require\(\s*['"]([^'"]+)['"]\s*\)|\bimport\s+(?:[^'"\n;]+?\s+from\s+)?['"]([^'"]+)['"]"""
)
_NPM = re.compile(r"\b(?:npm\s+(?:install|i|add)|yarn\s+add|pnpm\s+add)\s+([^\n`;&|]+)")
#: import names that differ from the distribution's name on PyPI
IMPORT_ALIASES = {
    "cv2": "opencv-python", "pil": "pillow", "sklearn": "scikit-learn", "skimage": "scikit-image",
    "bs4": "beautifulsoup4", "yaml": "pyyaml", "dateutil": "python-dateutil",
    "dotenv": "python-dotenv", "jwt": "pyjwt", "attr": "attrs", "crypto": "pycryptodome",
    "docx": "python-docx", "magic": "python-magic", "serial": "pyserial", "usb": "pyusb",
    "zmq": "pyzmq", "openssl": "pyopenssl", "mysqldb": "mysqlclient", "gi": "pygobject",
    "win32api": "pywin32", "bio": "biopython", "fitz": "pymupdf", "google": "protobuf",
    "telegram": "python-telegram-bot", "pkg_resources": "setuptools", "lxml": "lxml",
}  # fmt: skip
_NODE_BUILTINS = frozenset(
    [
        "assert",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "console",
        "constants",
        "crypto",
        "dgram",
        "dns",
        "domain",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "inspector",
        "module",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "punycode",
        "querystring",
        "readline",
        "repl",
        "stream",
        "string_decoder",
        "timers",
        "tls",
        "trace_events",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "wasi",
        "worker_threads",
        "zlib",
        "test",
    ]
)


def _pip_names(args: str) -> list[str]:
    names = []
    for token in args.split():
        if token.startswith("-") or "/" in token or token.startswith((".", "git+")):
            continue
        name = re.split(r"[\[<>=!~;@ ]", token, maxsplit=1)[0].strip("\"'")
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
            names.append(name)
    return names


def python_packages(text: str) -> set[str]:
    """Distribution names of the non-standard modules ``text`` imports or pip-installs."""
    found: set[str] = set()
    for m in _PY_IMPORT.finditer(text):
        for module in (m.group(1) or m.group(2) or "").split(","):
            top = module.strip().split(".")[0]
            if top and not top.startswith("_") and top not in sys.stdlib_module_names:
                found.add(IMPORT_ALIASES.get(top.lower(), top))
    for m in _PIP.finditer(text):
        found.update(_pip_names(m.group(1)))
    return found


def npm_packages(text: str) -> set[str]:
    """Package names ``text`` requires, imports or npm-installs (no relative or built-ins)."""
    found: set[str] = set()
    specs = [a or b for a, b in _JS_IMPORT.findall(text)]
    for m in _NPM.finditer(text):
        specs.extend(t for t in m.group(1).split() if not t.startswith("-"))
    for spec in specs:
        if spec.startswith((".", "/", "node:", "http:", "https:")):
            continue
        parts = spec.split("/")
        name = "/".join(parts[:2]) if spec.startswith("@") else parts[0]
        name = re.sub(r"(?<=.)@[^/]*$", "", name)
        if name and name not in _NODE_BUILTINS and re.fullmatch(r"[@a-z0-9][\w.@/-]*", name, re.I):
            found.add(name)
    return found


def missing_packages(
    text: str, index: Mapping[str, NameFilter] | None = None
) -> list[tuple[str, str]]:
    """(ecosystem, name) of each package ``text`` uses that is not in the index, sorted."""
    idx = bundled_index() if index is None else index
    missing: set[tuple[str, str]] = set()
    for ecosystem, names in (("pypi", python_packages(text)), ("npm", npm_packages(text))):
        known = idx.get(ecosystem)
        if known is None:
            continue
        missing.update((ecosystem, n) for n in names if normalise(ecosystem, n) not in known)
    return sorted(missing)
