"""The fast lane subclasses uvicorn's private ``HttpToolsProtocol``: a uvicorn release that
changes it must fail here, by name, rather than somewhere deep in a socket test."""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path

import uvicorn.protocols.http.httptools_impl as impl
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]

#: what ``GatewayHttpProtocol`` and ``ProxyExchange`` rely on in uvicorn's protocol source
USED = (
    "def connection_lost",
    "def on_headers_complete",
    "def on_response_complete",
    "def _start_asgi_task",
    "self.pipeline",
    "self.flow",
    "self.parser",
    "self.url",
    "self.headers",
    "self.limit_concurrency",
    "self.root_path",
    "self.expect_100_continue",
    "self.cycle.body",
    "self.cycle.more_body",
    "self.cycle.message_event.set()",
    "self.cycle.disconnected",
    "self.cycle.response_complete",
    "self.cycle.keep_alive",
)


def _uvicorn_requirement() -> Requirement:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return next(Requirement(d) for d in deps if Requirement(d).name == "uvicorn")


def test_uvicorn_is_pinned_below_the_next_untested_minor() -> None:
    spec = _uvicorn_requirement().specifier
    assert any(s.operator == "<" for s in spec), f"uvicorn needs an upper bound, got {spec}"
    installed = version("uvicorn")
    assert spec.contains(installed), (
        f"uvicorn {installed} is outside the tested range {spec}: gateway/http_protocol.py "
        "subclasses its private HttpToolsProtocol; review it against that release first"
    )


def test_uvicorn_protocol_still_has_what_the_fast_lane_uses() -> None:
    source = inspect.getsource(impl.HttpToolsProtocol)
    missing = [name for name in USED if name not in source]
    assert not missing, f"uvicorn {version('uvicorn')} changed HttpToolsProtocol: {missing}"
    for name in ("HEADER_RE", "HEADER_VALUE_RE", "STATUS_LINE"):
        assert hasattr(impl, name), name
