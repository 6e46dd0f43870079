"""Plain records <-> row dicts. Records are dataclasses whose fields are table columns."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Row

T = TypeVar("T")


_FIELDS: dict[type[Any], tuple[str, ...]] = {}


def field_names(cls: type[Any]) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def to_row(record: object, *, drop_none_id: bool = True) -> dict[str, Any]:
    """A record as a dict of column values (``id=None`` is left out so the DB assigns it)."""
    row = {name: getattr(record, name) for name in field_names(type(record))}
    if drop_none_id and row.get("id", 0) is None:
        del row["id"]
    return row


def from_row(cls: type[T], row: Row[Any] | Mapping[str, Any]) -> T:
    mapping = row._mapping if isinstance(row, Row) else row
    return cls(**{name: mapping[name] for name in field_names(cls)})


def from_rows(cls: type[T], rows: Iterable[Row[Any]]) -> list[T]:
    return [from_row(cls, row) for row in rows]


def jsonable(record: object) -> dict[str, Any]:
    """A record as a JSON-ready dict (datetimes as ISO 8601), e.g. for audit before/after."""
    out: dict[str, Any] = {}
    for name in field_names(type(record)):
        value = getattr(record, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


def utcnow() -> datetime:
    return datetime.now(UTC)
