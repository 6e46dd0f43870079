"""base2048 and Ecoji V2, ported without their packages: checked against the encodings published
in those projects' own tests and READMEs."""

from __future__ import annotations

import struct
from importlib import resources
from pathlib import Path

import pytest

from swapsafe.redteam.probes.alphabet_codecs import (
    _base2048_table,
    _ecoji_table,
    encode_base2048,
    encode_ecoji,
)

DATA = resources.files("swapsafe.redteam.probes").joinpath("data")


# ionite34/base2048 0.1.3: tests/test_base2048.py, README.md and the tests of src/encoder.rs
@pytest.mark.parametrize(
    ("data", "encoded"),
    [
        (b"Hello", "ϓțƘį"),
        (b"Hello!", "ϓțƘ໐µ"),
        (b"Hello there!", "ϓțƘ໐úɡਪϵà"),
        (b'x/me"eu', "ետћζы༎"),  # ends in a tail character (1-3 bits left)
        (b"", ""),
    ],
)
def test_base2048_matches_the_published_encodings(data: bytes, encoded: str) -> None:
    assert encode_base2048(data) == encoded


def _base2048_decode(text: str) -> bytes:
    """A plain decoder (after src/encoder.rs) to check every 2-byte input round-trips."""
    table, tail = _base2048_table()
    index = {c: i for i, c in enumerate(table)}
    out = bytearray()
    stage = remaining = residue = 0
    for i, ch in enumerate(text):
        residue = (residue + 11) % 8
        if ch in tail:
            bits, value = 8 - remaining, tail.index(ch)
        else:
            bits, value = (11 - residue if i == len(text) - 1 else 11), index[ch]
        stage, remaining = (stage << bits) | value, remaining + bits
        while remaining >= 8:
            remaining -= 8
            out.append(stage >> remaining)
            stage &= (1 << remaining) - 1
    return bytes(out)


def test_base2048_round_trips_every_two_byte_input() -> None:
    for n in range(0, 1 << 16, 7):
        data = struct.pack(">H", n)
        assert _base2048_decode(encode_base2048(data)) == data


# keith-turner/ecoji: v2/ecoji_test.go (TestPhrase, TestWrap, TestDecodeConcatenated)
@pytest.mark.parametrize(
    ("data", "encoded"),
    [
        (
            b"Base64 is so 1999, isn't there something better?\n",
            "🧏📩🧈🐇🧅📘🔯🚜💞😽♏🐊🎱🥁🚄🌱💞😭💮✊💢🪠🐭🩴🍉🚲🦑🐶💢🪠🔮🩹🍉📸🐮🌼👦🚟🥴📑",
        ),
        (b"1234567890abc", "🎌🚟🦿🦣🎥🤠📠🐁👖📸🎈☕"),
        (b"abcdef", "👖📸🧈🌭👩☕"),
        (b"xyz", "💲🥇🪚☕"),
        (b"", ""),
    ],
)
def test_ecoji_matches_the_published_encodings(data: bytes, encoded: str) -> None:
    assert encode_ecoji(data) == encoded


def test_ecoji_pads_as_the_reference_concatenation_test() -> None:
    # enc("A") + enc("BC") + ... + enc("jklmnopqrs"): ends of 1 to 4 bytes, and 5 to 10 bytes
    text = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrs"
    parts, start = [], 0
    for n in range(1, 11):
        parts.append(encode_ecoji(text[start : start + n]))
        start += n
    assert "".join(parts) == (
        "🏒☕🧏🥱☕🧝🌚👑☕🏫🍌🔥📑🧦🎌🫣🧽🐒🏣🍜🫤🐥☕🐪👆📨🐫🎈🚌☕🎐🚯🧙🐇🎩🤰🔓☕👖📸🧈🌭👪🪐📬🛼👺😁🚗🧨💎🚃🦩🪄"
    )


def test_ecoji_groups_as_the_reference_byte_tests() -> None:
    emojis, fill, last = _ecoji_table()
    assert encode_ecoji(b"k") == emojis[ord("k") << 2] + fill
    assert encode_ecoji(b"\x00\x01") == emojis[0] + emojis[16] + fill
    assert encode_ecoji(b"\xab\xcd\xef\x01\x23") == "".join(emojis[i] for i in (687, 222, 960, 291))
    for i in range(4):
        assert encode_ecoji(bytes([0, 1, 2, i])) == emojis[0] + emojis[16] + emojis[128] + last[i]


@pytest.mark.parametrize("name", ["base2048.txt", "ecoji_v2.txt"])
def test_vendored_alphabets_carry_license_and_attribution(name: str) -> None:
    head = DATA.joinpath(name).read_text(encoding="utf-8")[:1500]
    assert "Copyright" in head and "License" in head and "licenses/" in head
    license_file = head.split("(licenses/", 1)[1].split(";", 1)[0]
    assert DATA.joinpath("licenses", license_file).read_text(encoding="utf-8").strip()
    notice = (Path(__file__).resolve().parents[2] / "NOTICE").read_text(encoding="utf-8")
    assert name in notice
