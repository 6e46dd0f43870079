"""The demo's working directory: swapsafe.toml, prompts/, golden/ and the outputs.

The bundled files live in ``swapsafe/demo/data``. A directory the demo wrote before (its
swapsafe.toml starts with :data:`MARKER`) is reset on the next run; any other non-empty
directory with a swapsafe.toml is refused, so the demo never overwrites a real project.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
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
PROMPT_VARIANTS = ("extract-v2.txt",)  # candidate prompts ([workloads.W.prompts.MODEL])
#: the models of the demo's config: the old one, the new one, and the old one with prompt v2
OLD_ALIAS = "smollm2-135m"
NEW_ALIAS = "gemma3-270m"
TUNED_ALIAS = "smollm2-135m-v2"
_OUTPUTS = (
    "swapsafe.db",
    "swapsafe.db-wal",
    "swapsafe.db-shm",
    "swapsafe.db.controller.lock",
    "report.md",
    "report-gemma3-270m.md",
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

    def candidate_report(self, model: str) -> Path:
        """The report written when ``model`` was judged, before the config moved on."""
        return self.root / f"report-{model}.md"

    @property
    def plan(self) -> Path:
        return self.root / "plan.md"

    @property
    def logs(self) -> Path:
        return self.root / "logs"


@dataclass(frozen=True)
class Settings:
    """What the demo's swapsafe.toml is rendered from."""

    old_base_url: str
    new_base_url: str
    tuned_base_url: str = ""  # the old model's second server (default: its first)
    extract_candidate: str = NEW_ALIAS  # Gemma first; the tuned old model in the second act
    gateway_listen: str = "127.0.0.1:8787"
    model_timeout: str = "60s"
    deadline: str = "120s"
    min_samples: int = 20


def render_config(settings: Settings) -> str:
    template = Template((data_dir() / "swapsafe.toml.tmpl").read_text(encoding="utf-8"))
    values = asdict(settings)
    values["tuned_base_url"] = settings.tuned_base_url or settings.old_base_url
    return template.substitute(values)


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


def write(ws: Workspace, settings: Settings, *, golden_limit: int | None = None) -> Config:
    """Write prompts, golden sets (the first ``golden_limit`` cases each) and the config."""
    data = data_dir()
    (ws.root / "prompts").mkdir(exist_ok=True)
    (ws.root / "golden").mkdir(exist_ok=True)
    for variant in PROMPT_VARIANTS:
        shutil.copyfile(data / "prompts" / variant, ws.root / "prompts" / variant)
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
    return rewrite_config(ws, settings)


def rewrite_config(ws: Workspace, settings: Settings) -> Config:
    """Write ``swapsafe.toml`` from ``settings`` and load it."""
    ws.config_path.write_text(render_config(settings), encoding="utf-8")
    return load_config(ws.config_path)
