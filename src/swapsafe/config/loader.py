"""Read ``swapsafe.toml``: parse, validate, and report every problem as one line."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from swapsafe.config.checks import cross_check
from swapsafe.config.locate import KeyIndex
from swapsafe.config.models import Config
from swapsafe.config.problems import format_path, translate_all, unknown_key
from swapsafe.exceptions import ConfigError, ConfigProblem

DEFAULT_FILE = "swapsafe.toml"
_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_RESERVED = ("path", "root")


def load_config(
    path: str | Path, *, env: Mapping[str, str] | None = None, strict: bool = False
) -> Config:
    """Load and validate a config file (a directory means its ``swapsafe.toml``).

    ``env`` resolves ``env::NAME`` references (default: ``os.environ``). Raises
    :class:`ConfigError` holding one :class:`ConfigProblem` per problem found. ``strict``
    (``swapsafe config check``) also refuses what is only suspicious, such as a margin that
    looks like a proportion; other commands load such a config with a warning, so that a
    rollback or a gateway restart never fails on it.
    """
    given = Path(path)
    if given.is_dir():
        given = given / DEFAULT_FILE
    display = str(given)
    try:
        text = given.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _one(display, "not found; run `swapsafe init` to create one") from None
    except UnicodeDecodeError:
        raise _one(display, "is not valid UTF-8; save it as UTF-8 text") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise _one(display, f"cannot be read ({reason}); check the path and permissions") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(display, exc) from None
    return config_from_dict(raw, path=given, text=text, display=display, env=env, strict=strict)


def config_from_dict(
    raw: Mapping[str, Any],
    *,
    path: Path,
    text: str = "",
    display: str | None = None,
    env: Mapping[str, str] | None = None,
    strict: bool = False,
) -> Config:
    """Validate already-parsed TOML data as if it were read from ``path``."""
    path = path.resolve()
    display = display or str(path)
    index = KeyIndex(text)
    found: list[tuple[tuple[str | int, ...], str]] = []
    data = dict(raw)
    for key in _RESERVED:
        if key in data:
            del data[key]
            found.append(((key,), unknown_key((key,))))
    if data.get("models") in (None, {}):
        found.append(
            (("models",), 'no models are defined; add a [models.NAME] table with provider = "..."')
        )
    found.extend(cross_check(data))
    context = {"env": env, "root": path.parent, "cross_checked": True, "strict": strict}
    config: Config | None = None
    try:
        config = Config.model_validate({**data, "path": path, "root": path.parent}, context=context)
    except ValidationError as exc:
        found.extend(translate_all(exc.errors(), data))
    if found:
        raise ConfigError(_problems(found, display, index))
    assert config is not None
    return config


def _problems(
    found: list[tuple[tuple[str | int, ...], str]], display: str, index: KeyIndex
) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    for loc, message in found:
        problem = ConfigProblem(display, format_path(loc), message, index.find_line(loc))
        if problem not in problems:
            problems.append(problem)
    problems.sort(key=lambda p: p.line or 0)
    return problems


def _one(display: str, message: str, line: int | None = None) -> ConfigError:
    return ConfigError([ConfigProblem(display, "", message, line)])


def _toml_error(display: str, exc: tomllib.TOMLDecodeError) -> ConfigError:
    message = str(exc)
    match = _TOML_POS.search(message)
    line = None
    if match:
        line = int(match.group(1))
        message = message[: match.start()] + f" (column {match.group(2)})"
    message = message[:1].lower() + message[1:]
    return _one(display, f"invalid TOML: {message}; fix the syntax", line)
