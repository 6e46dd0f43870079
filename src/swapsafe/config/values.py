"""Value types used by the config models: secrets, durations, ranges, paths, sticky keys.

Each validator raises a ``PydanticCustomError`` whose message is already the final,
user-facing text (the loader prints it after ``file:line: key.path:``).
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    GetCoreSchemaHandler,
    PlainValidator,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError, core_schema

ENV_PREFIX = "env::"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}

#: error type used for messages that are final text (see ``problems.py``)
FINAL = "swapsafe"


def final_error(message: str, at: tuple[str | int, ...] = ()) -> PydanticCustomError:
    """An error whose message is printed as is; ``at`` extends the error's key path."""
    return PydanticCustomError(FINAL, message, {"at": at} if at else None)


def toml_scalar(value: object) -> str | None:
    """A bool or a number as TOML writes it (``true``, ``3`` for 3.0, ``0.25``); else None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return None


def show_value(value: object) -> str:
    """Render a config value the way the user wrote it in TOML."""
    scalar = toml_scalar(value)
    if scalar is not None:
        return scalar
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return str(value)


# --- secrets ---------------------------------------------------------------------------------


class Secret:
    """A secret read from an environment variable named in the config (``env::NAME``).

    Its repr and str never contain the value; call :meth:`reveal` at the point of use.
    """

    __slots__ = ("_value", "ref")

    def __init__(self, ref: str, value: str) -> None:
        self.ref = ref
        self._value = value

    @classmethod
    def from_env(cls, ref: str, env: Mapping[str, str] | None = None) -> Secret:
        """Resolve ``ref`` (a variable name, with or without ``env::``) now."""
        name = ref.removeprefix(ENV_PREFIX)
        value = (os.environ if env is None else env).get(name)
        if value is None:
            raise KeyError(name)
        return cls(name, value)

    def reveal(self) -> str:
        return self._value

    def matches(self, candidate: str) -> bool:
        """Constant-time comparison with a presented credential."""
        return hmac.compare_digest(self._value.encode(), candidate.encode())

    def __repr__(self) -> str:
        return f"{ENV_PREFIX}{self.ref} (set, {len(self._value)} chars)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return self.ref == other.ref and hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(("Secret", self.ref))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            _validate_secret,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )


def _validate_secret(value: object, info: ValidationInfo) -> Secret:
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("secret_type", "expected a string")
    if not value.startswith(ENV_PREFIX):
        raise PydanticCustomError("literal_secret", "secret written in the config")
    name = value.removeprefix(ENV_PREFIX)
    if not _ENV_NAME.match(name):
        raise final_error(
            f'{show_value(value)} does not name an environment variable; use "env::NAME", '
            'e.g. "env::OPENAI_API_KEY"'
        )
    env = _context(info).get("env")
    env_map: Mapping[str, str] = os.environ if env is None else env
    secret = env_map.get(name)
    if secret is None:
        raise final_error(
            f"environment variable {name} is not set; export it or change the env:: reference"
        )
    if not secret:
        raise final_error(
            f"environment variable {name} is empty; export a value or change the env:: reference"
        )
    return Secret(name, secret)


def _context(info: ValidationInfo) -> dict[str, Any]:
    ctx = info.context
    return ctx if isinstance(ctx, dict) else {}


# --- durations -------------------------------------------------------------------------------


def parse_duration(value: str | float) -> float:
    """Seconds from ``"500ms"``, ``"90s"``, ``"15m"``, ``"24h"``, ``"30d"``, ``"2w"`` or a number.

    Raises ``ValueError`` with a message that says what is accepted.
    """
    if isinstance(value, bool):
        raise ValueError(_duration_hint(value))
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"{show_value(value)} is negative; durations must be 0 or more")
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        try:
            number = float(value)
        except ValueError:
            raise ValueError(_duration_hint(value)) from None
        return parse_duration(number)
    raise ValueError(_duration_hint(value))


def _duration_hint(value: object) -> str:
    return (
        f"{show_value(value)} is not a duration; use a number of seconds or a string like "
        '"500ms", "90s", "15m", "24h", "30d"'
    )


def _duration_before(value: object) -> object:
    if isinstance(value, str | int | float):
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise final_error(str(exc)) from None
    raise final_error(_duration_hint(value))


#: seconds; accepts a number or a duration string
Duration = Annotated[float, BeforeValidator(_duration_before)]


# --- ranges ----------------------------------------------------------------------------------


def in_range(low: float, high: float, hint: str) -> AfterValidator:
    """Reject values outside ``[low, high]`` with ``"<v> is outside low-high; <hint>"``."""

    def check(value: float) -> float:
        if not low <= value <= high:
            raise final_error(
                f"{show_value(value)} is outside {show_value(low)}-{show_value(high)}; {hint}"
            )
        return value

    return AfterValidator(check)


def at_least(low: float) -> AfterValidator:
    """Reject values below ``low``."""

    def check(value: float) -> float:
        if value < low:
            raise final_error(f"{show_value(value)} is too small; use {show_value(low)} or more")
        return value

    return AfterValidator(check)


Percent = Annotated[float, in_range(0, 100, "use a percentage like 10")]
Fraction = Annotated[float, in_range(0, 1, "use a fraction like 0.05")]
PositiveInt = Annotated[int, at_least(1)]
NonNegativeInt = Annotated[int, at_least(0)]


# --- files relative to the config file -------------------------------------------------------


def _existing_file(value: object, info: ValidationInfo) -> Path:
    if not isinstance(value, str | Path):
        raise final_error(f"expected a file path string, got {show_value(value)}")
    raw = Path(value).expanduser()
    root = _context(info).get("root")
    base = Path(root) if root is not None else Path.cwd()
    resolved = (raw if raw.is_absolute() else base / raw).resolve()
    if not resolved.is_file():
        what = "is a directory" if resolved.is_dir() else "does not exist"
        raise final_error(
            f"file {value} {what} (resolved to {resolved}); create it or fix the path"
        )
    return resolved


#: a path resolved against the config file's directory; the file must exist
ExistingFile = Annotated[Path, PlainValidator(_existing_file)]


# --- sticky key ------------------------------------------------------------------------------


def normalize_sticky_key(value: str) -> str:
    """``user``, ``metadata.user_id`` or ``header:<name>`` (header names are lower-cased)."""
    if value in ("user", "metadata.user_id"):
        return value
    if value.lower().startswith("header:") and value[7:].strip():
        return "header:" + value[7:].strip().lower()
    raise final_error(
        f'{show_value(value)} is not a sticky key; use "user", "metadata.user_id" or '
        '"header:<name>", e.g. "header:x-swapsafe-user"'
    )


def check_http_url(value: str) -> str:
    """Accept only http(s) URLs with a host."""
    match = re.match(r"^https?://[^/\s]+", value)
    if not match:
        raise final_error(
            f'{show_value(value)} is not an http(s) URL; use e.g. "http://127.0.0.1:8000/v1"'
        )
    return value.rstrip("/")
