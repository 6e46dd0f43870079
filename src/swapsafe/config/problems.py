"""Turn pydantic validation errors into one plain sentence per problem (no pydantic jargon)."""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from swapsafe.config.models import Config
from swapsafe.config.values import FINAL, show_value

Loc = tuple[str | int, ...]
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_HIDDEN: dict[type[BaseModel], set[str]] = {Config: {"path", "root"}}
_EXPECTED = {
    "an integer": ("int_type", "int_parsing", "int_from_float", "int_parsing_size"),
    "a number": ("float_type", "float_parsing", "finite_number"),
    "a string": ("string_type", "secret_type"),
    "true or false": ("bool_type", "bool_parsing"),
    "a list": ("list_type", "tuple_type", "set_type"),
    "a table": ("dict_type", "model_type", "model_attributes_type"),
}
_EXPECTED_BY_TYPE = {t: word for word, types_ in _EXPECTED.items() for t in types_}
_SECRET_EXAMPLES = {
    "client_keys": 'client_keys = ["env::SWAPSAFE_CLIENT_KEY"]',
    "admin_token": 'admin_token = "env::SWAPSAFE_ADMIN_TOKEN"',
    "reviewer_tokens": 'reviewer_tokens = ["env::SWAPSAFE_REVIEWER_TOKEN"]',
    "session_secret": 'session_secret = "env::SWAPSAFE_SESSION_SECRET"',
}
_PROVIDER_KEYS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def format_path(loc: Loc) -> str:
    """``("rollout", "steps", 2, "weight")`` -> ``rollout.steps[2].weight``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if _BARE.match(part) else '"' + part.replace('"', '\\"') + '"'
            out += f".{text}" if out else text
    return out


def translate(error: ErrorDetails, raw: Mapping[str, Any]) -> tuple[Loc, str]:
    """The key path and the user-facing message for one pydantic error."""
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == FINAL:
        return (*loc, *ctx.get("at", ())), error["msg"]
    if kind == "extra_forbidden":
        return loc, unknown_key(loc)
    if kind == "missing":
        return loc, _missing(loc)
    if kind == "literal_secret":
        return loc, _literal_secret(loc, raw)
    if kind == "literal_error":
        return loc, _literal(loc, value)
    if kind in _EXPECTED_BY_TYPE:
        return loc, _wrong_type(loc, _EXPECTED_BY_TYPE[kind], value)
    message = error["msg"].replace("Input should be", "must be").replace("Value error, ", "")
    return loc, f"{message}; got {show_value(value)}"


def unknown_key(loc: Loc) -> str:
    """``unknown key; did you mean "x"?`` using the keys allowed next to ``loc``."""
    model = _model_at(loc[:-1])
    if model is None:
        return "unknown key; remove it"
    close = suggest(loc)
    if close:
        return f'unknown key; did you mean "{close}"?'
    return f"unknown key; valid keys here: {', '.join(_allowed(model))}"


def suggest(loc: Loc) -> str | None:
    """The allowed key closest to the unknown key at ``loc``, if one is close."""
    model = _model_at(loc[:-1])
    if model is None:
        return None
    close = difflib.get_close_matches(str(loc[-1]), _allowed(model), n=1, cutoff=0.6)
    return close[0] if close else None


def translate_all(errors: list[ErrorDetails], raw: Mapping[str, Any]) -> list[tuple[Loc, str]]:
    """Translate every error; a missing key is not repeated when a typo of it is reported."""
    typos = {
        (*tuple(e["loc"][:-1]), hint)
        for e in errors
        if e["type"] == "extra_forbidden" and (hint := suggest(tuple(e["loc"])))
    }
    return [
        translate(e, raw)
        for e in errors
        if not (e["type"] == "missing" and tuple(e["loc"]) in typos)
    ]


def _allowed(model: type[BaseModel]) -> list[str]:
    return [name for name in model.model_fields if name not in _HIDDEN.get(model, {"name"})]


def _missing(loc: Loc) -> str:
    parent = format_path(loc[:-1])
    if not parent:
        where = "the top of the file"
    elif isinstance(loc[-2], int):
        where = parent
    else:
        where = f"[{parent}]"
    choices = _literal_choices(loc)
    hint = f" (one of {_quoted(choices)})" if choices else ""
    return f"required key is missing; add {loc[-1]} = ...{hint} to {where}"


def _wrong_type(loc: Loc, expected: str, value: object) -> str:
    shown = repr(value) if isinstance(value, float) else show_value(value)
    message = f"expected {expected}, got {shown}"
    if expected == "a list" and isinstance(value, str):
        message += f"; use {loc[-1]} = [{show_value(value)}]"
    return message


def _literal(loc: Loc, value: object) -> str:
    choices = _literal_choices(loc)
    message = f"expected one of {_quoted(choices)}, got {show_value(value)}"
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
    return message + (f'; did you mean "{close[0]}"?' if close else "")


def _literal_secret(loc: Loc, raw: Mapping[str, Any]) -> str:
    field = next((p for p in reversed(loc) if isinstance(p, str)), "api_key")
    example = _SECRET_EXAMPLES.get(field)
    if example is None:
        table: Any = raw
        for part in loc[:-1]:
            table = table.get(part) if isinstance(table, Mapping) else None
        provider = table.get("provider") if isinstance(table, Mapping) else None
        name = _PROVIDER_KEYS.get(str(provider))
        if name is None:
            name = re.sub(r"[^A-Z0-9]+", "_", str(loc[-2]).upper()).strip("_") + "_API_KEY"
        example = f'{field} = "env::{name}"'
    return f"secrets are never written in the config: use {example}"


def _quoted(choices: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in choices)


def _literal_choices(loc: Loc) -> list[str]:
    model = _model_at(loc[:-1])
    if model is None or not isinstance(loc[-1], str) or loc[-1] not in model.model_fields:
        return []
    annotation = _unwrap(model.model_fields[loc[-1]].annotation)
    if get_origin(annotation) is Literal:
        return [str(a) for a in get_args(annotation)]
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            rest = [a for a in get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the table at ``loc``."""
    current: Any = Config
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) in (dict, list):
            current = get_args(current)[-1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None
