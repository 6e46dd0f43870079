"""Where the CLI writes: one stderr console shared by progress bars, spinners and log lines.

Warnings logged by the library (an unknown price, a store that went away) go through
:func:`install_log_handler`: each distinct message is printed once per command, on the same
console as the progress bars, so Rich draws it above a live bar instead of through it.
"""

from __future__ import annotations

import logging

from rich.console import Console
from rich.markup import escape

#: stderr for everything that is not the command's result: progress, spinners, warnings
err = Console(stderr=True)


class _OncePerCommand(logging.Handler):
    """Print each distinct log message once, in the colour of its level."""

    _STYLES = {logging.WARNING: "yellow", logging.ERROR: "red", logging.CRITICAL: "bold red"}

    swapsafe_cli = True  # one CLI handler at a time (see the install functions)

    def __init__(self, console: Console) -> None:
        super().__init__(level=logging.WARNING)
        self.console = console
        self.seen: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed %-format from a library: show it raw
            message = str(record.msg)
        if message in self.seen:
            return
        self.seen.add(message)
        style = self._STYLES.get(record.levelno, "yellow")
        self.console.print(f"[{style}]{escape(message)}[/{style}]", soft_wrap=True)


def install_log_handler(console: Console = err) -> logging.Handler:
    """Route swapsafe's warnings to ``console``, each once; replaces an earlier CLI handler."""
    logger = logging.getLogger("swapsafe")
    for old in [h for h in logger.handlers if getattr(h, "swapsafe_cli", False)]:
        logger.removeHandler(old)
    handler = _OncePerCommand(console)
    logger.addHandler(handler)
    return handler


def install_server_log_handler() -> logging.Handler:
    """For commands that run until stopped: every swapsafe record from INFO up, timestamped."""
    logger = logging.getLogger("swapsafe")
    for old in [h for h in logger.handlers if getattr(h, "swapsafe_cli", False)]:
        logger.removeHandler(old)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.swapsafe_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    return handler
