"""Values made to fit their columns before a write, so one odd value never fails a batch.

The limits come from the table definitions in :mod:`swapsafe.store.tables` (``String(64)`` is
64 characters), never from a copied list. Per column type:

- text: a non-string becomes its JSON (or ``str``) text; longer than the column: cut to it;
  characters UTF-8 cannot encode (lone surrogates): replaced by U+FFFD; on PostgreSQL, whose
  text cannot hold NUL, NUL becomes U+FFFD too;
- integer: an int outside the 32-bit range of ``Integer`` (or not a number): NULL;
  an integral float: that int;
- float: an int becomes a float; anything else that is not a number: NULL;
- boolean: its truth value.

What still fails (a NULL in a NOT NULL column, a timestamp that is not one) is the caller's to
isolate: :func:`swapsafe.store.engine.is_row_error` tells such an error from an unreachable
store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import BigInteger, Boolean, Float, Integer, String, Table

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")

Fix = Callable[[Any], Any]


def _text(limit: int | None, nul: bool) -> Fix:
    def fix(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not str:
            try:
                value = orjson.dumps(value).decode()
            except TypeError:
                value = str(value)
        if limit is not None and len(value) > limit:
            value = value[:limit]
        if not value.isascii():
            try:
                value.encode()
            except UnicodeEncodeError:
                value = _SURROGATE.sub("\ufffd", value)
        if nul and "\x00" in value:
            value = value.replace("\x00", "\ufffd")
        return value

    return fix


def _integer(value: Any) -> Any:
    if value is None or type(value) is bool:
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and _INT_MIN <= value <= _INT_MAX:
        return value
    return None


def _float(value: Any) -> Any:
    if value is None or type(value) is float:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _boolean(value: Any) -> Any:
    return value if value is None else bool(value)


def _fix_for(column_type: Any, nul: bool) -> Fix | None:
    if isinstance(column_type, String):
        return _text(column_type.length, nul)
    if isinstance(column_type, Boolean):
        return _boolean
    if isinstance(column_type, BigInteger):
        return None  # ids and counters: any Python int the driver takes
    if isinstance(column_type, Integer):
        return _integer
    if isinstance(column_type, Float):
        return _float
    return None


class RowFitter:
    """Fits rows of ``table`` given as tuples in ``fields`` order or as dicts by column name.

    ``nul=True`` (PostgreSQL) also replaces NUL characters in text.
    """

    def __init__(self, table: Table, fields: Sequence[str], *, nul: bool) -> None:
        self.limits: dict[str, int] = {
            c.name: c.type.length
            for c in table.columns
            if isinstance(c.type, String) and c.type.length is not None
        }
        fixes = {c.name: _fix_for(c.type, nul) for c in table.columns}
        self._by_index = tuple(
            (i, fix) for i, name in enumerate(fields) if (fix := fixes.get(name)) is not None
        )
        self._by_name = tuple(
            (name, fix) for name in fields if (fix := fixes.get(name)) is not None
        )

    def fit_tuple(self, values: Sequence[Any]) -> tuple[Any, ...]:
        out = list(values)
        for i, fix in self._by_index:
            out[i] = fix(out[i])
        return tuple(out)

    def fit_dict(self, values: dict[str, Any]) -> dict[str, Any]:
        for name, fix in self._by_name:
            if name in values:
                values[name] = fix(values[name])
        return values
