"""Keeps the keys swapsafe sends upstream out of what an upstream sends back in an error.

An upstream's error body may echo the key it received: raw, or with JSON escapes (``\\/``,
``\\u002d``, every character as a four-hex-digit ``\\u`` escape). Masking the raw text misses
the escaped forms and the parsed body then carries the key in clear, so masking works on
decoded values:

* a parsed body: every string and every object key, at any depth (:func:`mask_value`);
* text that is not JSON: after its JSON escapes are undone (:func:`mask_error_text`).

A fragment of a secret of :data:`MIN_FRAGMENT` characters or more is masked too: a body cut at
a size limit can end inside a key, and some upstreams echo part of it. Every function here is
linear in the text for a given secret (one ``str.find`` sweep per fragment of the secret).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from swapsafe.exceptions import ProviderError

Secrets = tuple[str | None, ...]  # what an error must never show; None entries are skipped

MASK = "***"
#: the shortest fragment of a secret that is masked (shorter secrets are masked whole)
MIN_FRAGMENT = 9

_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[\"\\/bfnrt])")
_SIMPLE = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_MARKED = re.compile(rb"\x01+")


def _unescape(m: re.Match[str]) -> str:
    code = m.group(1)
    return chr(int(code[1:], 16)) if code[0] == "u" else _SIMPLE[code]


def decode_json_escapes(text: str) -> str:
    """Undo JSON string escapes wherever they appear (leniently: for text that is not JSON)."""
    return _ESCAPE.sub(_unescape, text) if "\\" in text else text


def mask_text(text: str, secrets: Iterable[str | None]) -> str:
    """Replace each secret, and each run of text made of its fragments of MIN_FRAGMENT or more
    characters, with ``***``."""
    marks: bytearray | None = None
    for secret in secrets:
        if not secret:
            continue
        size = min(len(secret), MIN_FRAGMENT)
        for i in range(len(secret) - size + 1):
            piece = secret[i : i + size]
            pos = text.find(piece)
            while pos >= 0:
                if marks is None:
                    marks = bytearray(len(text))
                marks[pos : pos + size] = b"\x01" * size
                pos = text.find(piece, pos + 1)
    if marks is None:
        return text
    out: list[str] = []
    last = 0
    for run in _MARKED.finditer(marks):
        out += (text[last : run.start()], MASK)
        last = run.end()
    out.append(text[last:])
    return "".join(out)


def mask_value(value: object, secrets: Secrets) -> object:
    """A parsed JSON value with every string and object key masked (see :func:`mask_text`)."""
    if isinstance(value, str):
        return mask_text(value, secrets)
    if isinstance(value, dict):
        return {mask_text(str(k), secrets): mask_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(v, secrets) for v in value]
    return value


def mask_error_text(text: str, secrets: Secrets) -> str:
    """Text that is not JSON (or a message built from an upstream body), escapes undone, masked."""
    return mask_text(decode_json_escapes(text), secrets)


def mask_error(exc: ProviderError, secrets: Secrets) -> ProviderError:
    """``exc`` with its message and body masked (in place; returned for ``raise``)."""
    if not any(secrets):
        return exc
    exc.args = (mask_error_text(str(exc), secrets),)
    exc.body = (
        mask_error_text(exc.body, secrets)
        if isinstance(exc.body, str)
        else mask_value(exc.body, secrets)
    )
    return exc


def mask_secrets(text: str, secrets: Secrets) -> str:
    """``text`` with every given secret masked (unchanged when there is none)."""
    return mask_error_text(text, secrets) if any(secrets) else text


def error_message(body: object) -> str:
    """The vendor's error message from an error body (OpenAI and Anthropic shapes)."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])
        if isinstance(err, str):
            return err
        if isinstance(body.get("message"), str):
            return str(body["message"])
    text = str(body) if body is not None else ""
    return text[:300]
