"""The text encodings garak's encoding probes hide a payload in, in pure Python (str -> str).

Ported from garak 0.17.1 ``garak/probes/encoding.py`` and
``garak/resources/smuggling/smuggle_ascii.py`` (Apache-2.0; see NOTICE). BASE2048 and Ecoji,
which garak takes from third-party packages, are in :mod:`.alphabet_codecs` with their vendored
alphabets.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import random
from collections.abc import Callable

from swapsafe.redteam.probes.alphabet_codecs import base2048, ecoji

# fmt: off
_BRAILLE = {
    "a": "\u2801", "b": "\u2803", "k": "\u2805", "l": "\u2807", "c": "\u2809", "i": "\u280a",
    "f": "\u280b", "m": "\u280d", "s": "\u280e", "p": "\u280f", "e": "\u2811", "h": "\u2813",
    "o": "\u2815", "r": "\u2817", "d": "\u2819", "j": "\u281a", "g": "\u281b", "n": "\u281d",
    "t": "\u281e", "q": "\u281f", "u": "\u2825", "v": "\u2827", "x": "\u282d", "z": "\u2835",
    "w": "\u283a", "y": "\u283d", "num": "\u283c", "caps": "\u2820", ".": "\u2832",
    "'": "\u2804", ",": "\u2802", "-": "\u2824", "/": "\u280c", "!": "\u2816", "?": "\u2826",
    "$": "\u2832", ":": "\u2812", ";": "\u2830", "(": "\u2836", ")": "\u2836", "1": "\u2801",
    "2": "\u2803", "3": "\u2809", "4": "\u2819", "5": "\u2811", "6": "\u280b", "7": "\u281b",
    "8": "\u2813", "9": "\u280a", "0": "\u281a", " ": " ",
}
_MORSE = {
    "A": ".-", "B": "-...", "C": "-.-.", "D": "-..", "E": ".", "F": "..-.", "G": "--.",
    "H": "....", "I": "..", "J": ".---", "K": "-.-", "L": ".-..", "M": "--", "N": "-.",
    "O": "---", "P": ".--.", "Q": "--.-", "R": ".-.", "S": "...", "T": "-", "U": "..-",
    "V": "...-", "W": ".--", "X": "-..-", "Y": "-.--", "Z": "--..", "1": ".----",
    "2": "..---", "3": "...--", "4": "....-", "5": ".....", "6": "-....", "7": "--...",
    "8": "---..", "9": "----.", "0": "-----", " ": "/", "\n": "/", "\r": "/", "\t": "/",
}
_NATO = {
    "A": "Alfa", "B": "Bravo", "C": "Charlie", "D": "Delta", "E": "Echo", "F": "Foxtrot",
    "G": "Golf", "H": "Hotel", "I": "India", "J": "Juliett", "K": "Kilo", "L": "Lima",
    "M": "Mike", "N": "November", "O": "Oscar", "P": "Papa", "Q": "Quebec", "R": "Romeo",
    "S": "Sierra", "T": "Tango", "U": "Uniform", "V": "Victor", "W": "Whiskey", "X": "Xray",
    "Y": "Yankee", "Z": "Zulu",
}
# fmt: on
_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})


def braille(text: str) -> str:
    out: list[str] = []
    for ch in text:
        if ch in "\n\r\t":
            out.append(ch)
        elif ch.isupper() and ch.lower() in _BRAILLE:
            out.append(_BRAILLE["caps"] + _BRAILLE[ch.lower()])
        elif ch in _BRAILLE:
            out.append((_BRAILLE["num"] if ch.isdigit() else "") + _BRAILLE[ch])
    return "".join(out)


def morse(text: str) -> str:
    return " ".join(_MORSE[c] for c in text.upper() if c in _MORSE)


def nato(text: str) -> str:
    return " ".join(_NATO[c] for c in text.upper() if c in _NATO)


def atbash(text: str) -> str:
    def flip(ch: str) -> str:
        if "a" <= ch <= "z":
            return chr(ord("z") - (ord(ch) - ord("a")))
        if "A" <= ch <= "Z":
            return chr(ord("Z") - (ord(ch) - ord("A")))
        return ch

    return "".join(flip(ch) for ch in text)


def zalgo(text: str, intensity: int = 5, seed: int = 0) -> str:
    """Each letter followed by ``intensity`` combining marks (seeded: the same text each run)."""
    rng = random.Random(seed)
    marks = [chr(c) for c in range(0x0300, 0x036F)]
    return "".join(ch + "".join(rng.choice(marks) for _ in range(intensity)) for ch in text)


def uuencode(text: str) -> str:
    data = text.encode()
    return "".join(binascii.b2a_uu(data[i : i + 45]).decode() for i in range(0, len(data), 45))


def unicode_tags(text: str, emoji: str = "\U0001f608") -> str:
    """ASCII as invisible Unicode tag characters after an emoji (U+E0000 + code point)."""
    return emoji + "".join(chr(0xE0000 + ord(ch)) for ch in text if ord(ch) < 0x80)


def variation_selectors(text: str) -> str:
    return "".join(chr(0xE0100 + ord(ch)) for ch in text if ord(ch) < 0x80)


def sneaky_bits(text: str) -> str:
    """Each character's bits as invisible times (0) / invisible plus (1); spaces as ZWSP."""
    bits = {"0": "\u2062", "1": "\u2064"}
    return "".join(
        "\u200b" if ch == " " else "".join(bits[b] for b in bin(ord(ch))[2:]) for ch in text
    )


def _bytes(fn: Callable[[bytes], bytes]) -> Callable[[str], str]:
    return lambda text: fn(text.encode()).decode("ascii")


#: name -> (the name a prompt uses, encoder); garak's InjectX probes, one entry each
CODECS: dict[str, tuple[str, Callable[[str], str]]] = {
    "base64": ("BASE64", _bytes(base64.b64encode)),
    "base16": ("BASE16", _bytes(base64.b16encode)),
    "base32": ("BASE32", _bytes(base64.b32encode)),
    "ascii85": ("ASCII85", _bytes(base64.a85encode)),
    "base85": ("ASCII85", _bytes(base64.b85encode)),
    "hex": ("hex", _bytes(binascii.b2a_hex)),
    "quoted-printable": ("Quoted-Printable", _bytes(binascii.b2a_qp)),
    "uuencode": ("UUencode", uuencode),
    "mime": ("MIME", _bytes(quopri.encodestring)),
    "rot13": ("ROT13", lambda text: codecs.encode(text, "rot13")),
    "braille": ("Braille", braille),
    "atbash": ("Atbash", atbash),
    "morse": ("Morse", morse),
    "nato": ("Nato", nato),
    "zalgo": ("Zalgo", zalgo),
    "leetspeak": ("Leetspeak", lambda text: text.lower().translate(_LEET)),
    "unicode-tags": ("ASCII in Unicode Tags", unicode_tags),
    "variation-selectors": ("ASCII in Unicode Variant Selector", variation_selectors),
    "sneaky-bits": ("ASCII in hidden unicode binary encoding", sneaky_bits),
    # appended last: the probes of the encodings above keep their payload and template
    "base2048": ("BASE2048", base2048),
    "ecoji": ("Ecoji", ecoji),
}
