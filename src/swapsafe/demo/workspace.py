"""The demo's working directory: swapsafe.toml, prompts/, golden/ and the outputs.

The bundled files live in ``swapsafe/demo/data``. A directory the demo wrote before (its
swapsafe.toml starts with :data:`MARKER`) is reset on the next run; any other non-empty
directory with a swapsafe.toml is refused, so the demo never overwrites a real project.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template

from swapsafe.config import Config, load_config
from swapsafe.exceptions import ConfigError

MARKER = "# swapsafe.toml written by `swapsafe demo`"
WORKLOAD_FILES = {  # workload -> (prompt file, golden file)
    "ticket-sentiment": ("sentiment.txt", "sentiment.jsonl"),
    "order-extract": ("extract.txt", "extract.jsonl"),
    "quick-facts": ("facts.txt", "facts.jsonl"),
}
_OUTPUTS = (
    "swapsafe.db",
    "swapsafe.db-wal",
    "swapsafe.db-shm",
    "swapsafe.db.controller.lock",
    "report.md",
    "plan.md",
    ".admin-token",
)


def data_dir() -> Path:
    """The bundled demo data (a real directory: the package is installed unzipped)."""
    return Path(str(files("swapsafe.demo").joinpath("data")))


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / "swapsafe.toml"

    @property
    def db(self) -> Path:
        return self.root / "swapsafe.db"

    @property
    def report(self) -> Path:
        return self.root / "report.md"

    @property
    def plan(self) -> Path:
        return self.root / "plan.md"

    @property
    def logs(self) -> Path:
        return self.root / "logs"


def render_config(
    *,
    old_base_url: str,
    new_base_url: str,
    gateway_listen: str = "127.0.0.1:8787",
    model_timeout: str = "60s",
    deadline: str = "120s",
    min_samples: int = 20,
) -> str:
    template = Template((data_dir() / "swapsafe.toml.tmpl").read_text(encoding="utf-8"))
    return template.substitute(
        old_base_url=old_base_url,
        new_base_url=new_base_url,
        gateway_listen=gateway_listen,
        model_timeout=model_timeout,
        deadline=deadline,
        min_samples=min_samples,
    )


def prepare(root: Path) -> Workspace:
    """Create ``root`` (or reset a previous demo there); refuse a real project's directory."""
    root = root.expanduser().resolve()
    config = root / "swapsafe.toml"
    if config.is_file():
        head = config.read_text(encoding="utf-8", errors="replace")[: len(MARKER)]
        if head != MARKER:
            raise ConfigError(
                f"{root} holds a swapsafe.toml that the demo did not write; "
                "choose an empty directory: swapsafe demo --dir ./swapsafe-demo"
            )
    elif root.is_dir() and any(p.name not in ("logs", ".swapsafe") for p in root.iterdir()):
        raise ConfigError(
            f"{root} is not empty; choose a new directory: swapsafe demo --dir ./swapsafe-demo"
        )
    root.mkdir(parents=True, exist_ok=True)
    for name in _OUTPUTS:
        (root / name).unlink(missing_ok=True)
    for sub in ("prompts", "golden", "logs"):
        shutil.rmtree(root / sub, ignore_errors=True)
    return Workspace(root)


def write(
    ws: Workspace,
    *,
    old_base_url: str,
    new_base_url: str,
    golden_limit: int | None = None,
    model_timeout: str = "60s",
    min_samples: int = 20,
) -> Config:
    """Write prompts, golden sets (the first ``golden_limit`` cases each) and the config."""
    data = data_dir()
    (ws.root / "prompts").mkdir(exist_ok=True)
    (ws.root / "golden").mkdir(exist_ok=True)
    for prompt, golden in WORKLOAD_FILES.values():
        shutil.copyfile(data / "prompts" / prompt, ws.root / "prompts" / prompt)
        lines = [
            line
            for line in (data / "golden" / golden).read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        if golden_limit is not None:
            lines = lines[:golden_limit]
        (ws.root / "golden" / golden).write_text("\n".join(lines) + "\n", encoding="utf-8")
    ws.config_path.write_text(
        render_config(
            old_base_url=old_base_url,
            new_base_url=new_base_url,
            model_timeout=model_timeout,
            min_samples=min_samples,
        ),
        encoding="utf-8",
    )
    return load_config(ws.config_path)
