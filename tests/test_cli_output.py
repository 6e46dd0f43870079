"""CLI output: help texts keep ``[section]`` names; each warning is printed once per command,
on the console the progress bars use."""

from __future__ import annotations

import io
import logging
import subprocess
import sys

import typer
from rich.console import Console
from rich.progress import Progress
from rich.text import Text

from swapsafe.cli import output
from swapsafe.cli.app import app, command
from swapsafe.pricing import PriceBook


def _texts(cmd: object, path: str = "swapsafe") -> dict[str, str]:
    found: dict[str, str] = {}
    for holder in (cmd, *getattr(cmd, "params", [])):
        for attr in ("help", "short_help", "epilog"):
            text = getattr(holder, attr, None)
            if isinstance(text, str):
                found[f"{path} {getattr(holder, 'name', '')}.{attr}"] = text
    for name, sub in getattr(cmd, "commands", {}).items():
        found |= _texts(sub, f"{path} {name}")
    return found


def test_every_help_text_renders_as_written() -> None:
    raw, shown = _texts(typer.main.get_command(app)), _texts(command())
    assert raw.keys() == shown.keys()
    sections = [k for k, text in raw.items() if "[gateway]" in text or "[rollout]" in text]
    assert len(sections) >= 5  # the texts this guards exist
    for key, text in raw.items():
        assert Text.from_markup(shown[key]).plain == text, key


def test_console_script_help_shows_config_sections() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "swapsafe", "retire", "--help"],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": ""},
        check=True,
    ).stdout
    assert "([rollout] retain_old_for)" in out


def test_a_warning_is_printed_once_per_command() -> None:
    console = Console(file=io.StringIO(), width=200)
    handler = output.install_log_handler(console)
    try:
        for _ in range(2):  # two price books (the report builds several) warn about one model
            PriceBook().unit_price(name="private", provider="openai", upstream_model="acme-7b")
        logging.getLogger("swapsafe.x").warning("store unavailable")
        logging.getLogger("swapsafe.x").warning("store unavailable")
        text = console.file.getvalue()  # type: ignore[attr-defined]
    finally:
        logging.getLogger("swapsafe").removeHandler(handler)
    assert text.count("no price known for model private") == 1
    assert text.count("store unavailable") == 1


def test_a_warning_during_a_progress_bar_is_printed_above_it() -> None:
    console = Console(file=io.StringIO(), width=120, force_terminal=True)
    handler = output.install_log_handler(console)
    try:
        with Progress(console=console) as bar:
            task = bar.add_task("cases", total=2)
            bar.advance(task)
            logging.getLogger("swapsafe.x").warning("judge model has no price")
            bar.advance(task)
    finally:
        logging.getLogger("swapsafe").removeHandler(handler)
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    warning = [line for line in lines if "judge model has no price" in line]
    assert len(warning) == 1
    assert "cases" not in warning[0]  # its own line, not drawn into the bar
