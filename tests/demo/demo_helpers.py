"""Shared pieces of the demo tests: fake model files and fake model servers."""

from __future__ import annotations

import hashlib
import socket
import sys
from pathlib import Path

from swapsafe.demo.models import ModelFile


def fake_server_argv(port: int) -> list[str]:
    """An OpenAI-compatible fake upstream (echo replies) on loopback, as a child process."""
    return [sys.executable, "-m", "swapsafe.testing", "--flavor", "openai", "--port", str(port)]


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def fake_model(tmp: Path, role: str) -> ModelFile:
    path = tmp / f"{role}.gguf"
    path.write_bytes(b"GGUF" + role.encode())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return ModelFile(role, f"fake {role}", f"fake-{role}", path, digest)


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
