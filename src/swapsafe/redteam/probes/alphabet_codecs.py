"""base2048 and Ecoji: the two encodings garak takes from third-party packages, in pure Python.

garak 0.17.1 encodes with the PyPI packages ``base2048`` (a Rust extension) and ``ecoji``;
swapsafe ports both encoders here and reads their alphabets from vendored data files, so no
package is needed:

- base2048 (``data/base2048.txt``, MIT, from ionite34's base2048 0.1.3): 11 bits a character
  from a table of 2048; the last character carries the leftover bits, from one of 8 tail
  characters when it is 1-3 bits (as ``src/encoder.rs``).
- Ecoji V1 (``data/ecoji_v1.txt``, Apache-2.0, from the ``ecoji`` package 0.1.1, a port of
  keith-turner/ecoji): 10 bits an emoji from 1024; 5 bytes become 4 emojis, and a shorter end is
  filled to 4 with padding emojis (for 4 bytes, one of four "last" padding emojis carrying their
  last 2 bits). As ``ecoji.encode(reader, writer)``, which garak calls with its default wrap of
  76: a newline after every 76 emojis and after a last line that is not empty. Ecoji V2
  (another emoji set, one padding emoji at most) is not what garak sends, so it is not here.
"""

from __future__ import annotations

import functools
from importlib import resources

_BASE2048_FILE = "base2048.txt"
_ECOJI_FILE = "ecoji_v1.txt"
_ECOJI_WRAP = 76  # ecoji 0.1.1: _DEFAULT_WRAP_COLS


def _code_points(name: str, count: int) -> list[str]:
    """The characters of a data file: one hexadecimal code point a line, ``#`` comments."""
    text = resources.files("swapsafe.redteam.probes").joinpath("data", name).read_text("utf-8")
    chars = [chr(int(line, 16)) for line in text.splitlines() if line and line[0] != "#"]
    if len(chars) != count or len(set(chars)) != count:
        raise ValueError(f"{name}: expected {count} distinct characters, found {len(chars)}")
    return chars


@functools.cache
def _base2048_table() -> tuple[list[str], list[str]]:
    chars = _code_points(_BASE2048_FILE, 2048 + 8)
    return chars[:2048], chars[2048:]


@functools.cache
def _ecoji_table() -> tuple[list[str], str, list[str]]:
    chars = _code_points(_ECOJI_FILE, 1024 + 1 + 4)
    return chars[:1024], chars[1024], chars[1025:]


def encode_base2048(data: bytes) -> str:
    """``data`` in base2048, as ``base2048.encode`` returns it."""
    table, tail = _base2048_table()
    out: list[str] = []
    stage = remaining = 0
    for byte in data:
        need = 11 - remaining
        if need <= 8:
            remaining = 8 - need
            out.append(table[(stage << need) | (byte >> remaining)])
            stage = byte & ((1 << remaining) - 1)
        else:
            stage = (stage << 8) | byte
            remaining += 8
    if remaining:
        out.append(tail[stage] if remaining <= 3 else table[stage])
    return "".join(out)


def encode_ecoji(data: bytes, wrap: int = _ECOJI_WRAP) -> str:
    """``data`` in Ecoji V1, as ``ecoji.encode`` (ecoji 0.1.1) writes it: after every group of 4
    emojis, a newline once ``wrap`` emojis (if ``wrap`` > 0) are on the line; a final newline
    when the last line is not empty."""
    emojis, fill, last = _ecoji_table()
    out: list[str] = []
    line = 0
    for start in range(0, len(data), 5):
        chunk = data[start : start + 5]
        b0, b1, b2, b3, b4 = (*chunk, 0, 0, 0, 0)[:5]
        group = [emojis[b0 << 2 | b1 >> 6]]
        if len(chunk) > 1:
            group.append(emojis[(b1 & 0x3F) << 4 | b2 >> 4])
        if len(chunk) > 2:
            group.append(emojis[(b2 & 0x0F) << 6 | b3 >> 2])
        if len(chunk) == 5:
            group.append(emojis[(b3 & 0x03) << 8 | b4])
        elif len(chunk) == 4:
            group.append(last[b3 & 0x03])
        out.append("".join(group).ljust(4, fill))
        line += 4
        if wrap > 0 and line >= wrap:
            out.append("\n")
            line = 0
    if line:
        out.append("\n")
    return "".join(out)


def base2048(text: str) -> str:
    return encode_base2048(text.encode())


def ecoji(text: str) -> str:
    return encode_ecoji(text.encode())
