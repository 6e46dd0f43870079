"""Find the line of a key path in TOML text (tomllib reports no positions).

Best effort: table headers (``[a.b]``, ``[[a.b]]``), dotted keys, and positions inside
inline tables and arrays. A path that is not written falls back to its nearest written
parent (usually the table header).
"""

from __future__ import annotations

import bisect
import re

Loc = tuple[str | int, ...]
_KEY_PART = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*(\.|$)""")


class KeyIndex:
    """Positions of the keys and tables written in one TOML document."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._newlines = [i for i, c in enumerate(text) if c == "\n"]
        self.lines: dict[Loc, int] = {}
        self.values: dict[Loc, int] = {}
        self._scan()

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    def find_line(self, loc: Loc) -> int | None:
        """1-based line where ``loc`` (or its nearest written parent) is written."""
        if loc in self.lines:
            return self.lines[loc]
        for k in range(len(loc) - 1, 0, -1):
            prefix = loc[:k]
            if prefix in self.values:
                offset = _descend(self.text, self.values[prefix], loc[k:])
                return self.line_of(offset) if offset is not None else self.lines[prefix]
            if prefix in self.lines:
                return self.lines[prefix]
        return None

    def _record(self, loc: Loc, offset: int) -> None:
        line = self.line_of(offset)
        for k in range(1, len(loc)):
            self.lines.setdefault(loc[:k], line)
        self.lines[loc] = line

    def _scan(self) -> None:
        text, n, pos = self.text, len(self.text), 0
        table: Loc = ()
        arrays: dict[Loc, int] = {}
        while pos < n:
            c = text[pos]
            if c in " \t\r\n":
                pos += 1
            elif c == "#":
                pos = _eol(text, pos)
            elif c == "[":
                double = text.startswith("[[", pos)
                end = text.find("]]" if double else "]", pos)
                end = _eol(text, pos) if end == -1 else end
                keys = _split_key(text[pos + (2 if double else 1) : end])
                table = self._header(keys, arrays, double)
                self._record(table, pos)
                pos = end + (2 if double else 1)
            else:
                eq = _find_eq(text, pos)
                if eq is None:
                    pos = _eol(text, pos)
                    continue
                loc = table + tuple(_split_key(text[pos:eq]))
                self._record(loc, pos)
                self.values[loc] = eq + 1
                pos = _skip_value(text, eq + 1)

    def _header(self, keys: list[str], arrays: dict[Loc, int], double: bool) -> Loc:
        loc: Loc = ()
        for i, key in enumerate(keys):
            loc = (*loc, key)
            last = i == len(keys) - 1
            if last and double:
                arrays[loc] = arrays.get(loc, -1) + 1
                loc = (*loc, arrays[loc])
            elif loc in arrays:
                loc = (*loc, arrays[loc])
        return loc


def _split_key(raw: str) -> list[str]:
    parts: list[str] = []
    pos = 0
    raw = raw.strip()
    while pos < len(raw):
        match = _KEY_PART.match(raw, pos)
        if not match:
            return [*parts, raw[pos:].strip()]
        token = match.group(1)
        if token[0] in "\"'":
            token = token[1:-1].replace('\\"', '"')
        parts.append(token)
        pos = match.end()
    return parts


def _eol(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end == -1 else end


def _find_eq(text: str, pos: int) -> int | None:
    i, end = pos, _eol(text, pos)
    while i < end:
        c = text[i]
        if c in "\"'":
            i = _skip_string(text, i)
            continue
        if c == "=":
            return i
        i += 1
    return None


def _skip_string(text: str, pos: int) -> int:
    """Offset just after the string starting at ``pos``."""
    for quote in ('"""', "'''"):
        if text.startswith(quote, pos):
            end = text.find(quote, pos + 3)
            while quote == '"""' and end > 0 and text[end - 1] == "\\":
                end = text.find(quote, end + 1)
            if end == -1:
                return len(text)
            end += 3
            while end < len(text) and text[end] == quote[0]:
                end += 1
            return end
    quote, i = text[pos], pos + 1
    while i < len(text) and text[i] != "\n":
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    return i


def _skip_value(text: str, pos: int, stop: str = "\n") -> int:
    """Offset of the end of the value starting at ``pos`` (at ``stop`` at depth 0)."""
    depth, i = 0, pos
    while i < len(text):
        c = text[i]
        if c in "\"'":
            i = _skip_string(text, i)
            continue
        if c == "#":
            i = _eol(text, i)
            continue
        if depth == 0 and c in stop:
            return i
        if c in "[{":
            depth += 1
        elif c in "]}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return i


def _skip_blank(text: str, pos: int) -> int:
    while pos < len(text):
        if text[pos] == "#":
            pos = _eol(text, pos)
        elif text[pos] in " \t\r\n,":
            pos += 1
        else:
            break
    return pos


def _descend(text: str, pos: int, rest: Loc) -> int | None:
    """Offset of ``rest`` inside the inline value starting at ``pos``."""
    for i, part in enumerate(rest):
        pos = _skip_blank(text, pos)
        if pos >= len(text):
            return None
        opener = text[pos]
        if isinstance(part, int) and opener == "[":
            pos = _nth_item(text, pos + 1, part)
        elif isinstance(part, str) and opener == "{":
            pos = _inline_key(text, pos + 1, part)
            eq = _find_eq(text, pos) if pos >= 0 and i < len(rest) - 1 else None
            pos = pos if eq is None else eq + 1
        else:
            return None
        if pos < 0:
            return None
    return pos


def _nth_item(text: str, pos: int, index: int) -> int:
    for _ in range(index):
        pos = _skip_blank(text, pos)
        if pos >= len(text) or text[pos] == "]":
            return -1
        pos = _skip_value(text, pos, stop=",")
    pos = _skip_blank(text, pos)
    return -1 if pos >= len(text) or text[pos] == "]" else pos


def _inline_key(text: str, pos: int, key: str) -> int:
    while True:
        pos = _skip_blank(text, pos)
        if pos >= len(text) or text[pos] == "}":
            return -1
        eq = _find_eq(text, pos)
        if eq is None:
            return -1
        if _split_key(text[pos:eq])[:1] == [key]:
            return pos
        pos = _skip_value(text, eq + 1, stop=",")
