"""Masks personal data and key-like strings in stored bodies (``[store] bodies = "redacted"``).

Linear time by construction, whatever the input:

* e-mail addresses are found by a scanner, not a pattern: it jumps from one ``@`` to the next,
  reads the local part backwards and the domain forwards, so each character is read at most
  twice (a backtracking pattern with an unanchored ``[...]+`` rereads a long run of local-part
  characters from every start: quadratic, 20 s for 100 kB);
* every other pattern either matches a bounded number of characters from a start (cards:
  at most 37, phones: at most 21) or is one character-class run that can only start where
  ``\\b`` holds, i.e. once per run (keys, bearer tokens, hex strings).

Bounded per body: :func:`redact` works in segments of at most :data:`SEGMENT` characters, cut
just after a character no pattern can match (``"``, ``,``, ``/``, ``{`` ...), so each regex call
holds the interpreter lock for at most one segment. A run of :data:`SEGMENT` characters with no
such character and no whitespace that no pattern can span (a space between two words, not next
to a digit, ``(``, ``)``, ``+`` or after ``Bearer``) is no text a person wrote: it is stored as
``[REDACTED n chars]``, so a cut never splits a card, phone number or token. Text past
:data:`MAX_CHARS` is not stored (``[TRUNCATED n chars]``), so one body costs at most about 16 M
characters of work. Measured on one core: 5-30 ms per MB for runs of one character class, about
90 ms per MB of chat JSON full of addresses and phone numbers, 400 ms per MB at worst (``"1 1 1
..."``: every 19 digits a card candidate). The gateway redacts bodies longer than a few kB on a
worker thread, after the response is sent (:mod:`swapsafe.gateway.tracing`).
"""

from __future__ import annotations

import re

#: the largest piece one regex call sees
SEGMENT = 16 * 1024
#: characters of a body that are redacted and stored; the rest is dropped
MAX_CHARS = 16 * 1024 * 1024

_KEY = re.compile(
    r"\b(?:sk|pk|rk|sess|key|tok|ghp|gho|xox[abpr])[-_][A-Za-z0-9_\-]{12,}"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\b[Bb]earer\s+[A-Za-z0-9._\-]{12,}"
    r"|\b[A-Fa-f0-9]{32,}\b"
)
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
_PHONE = re.compile(r"(?<![\w+])\+?\d{1,3}?[ .-]?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}\b")
_NON_DIGIT = re.compile(r"\D")
# e-mail pieces, each applied at one position only (see _emails)
_LOCAL_REVERSED = re.compile(r"[A-Za-z0-9._%+-]*")
_DOMAIN = re.compile(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# characters no pattern above can match: a segment may end just after one
_SEPARATORS = "\"\\,:;{}[]<>/=&?!|'`*#^~$"
_LAST_SEPARATOR = re.compile(r".*[" + re.escape(_SEPARATORS) + "]", re.S)
_LAST_SPACE = re.compile(r".*\s", re.S)
# whitespace no pattern can span: not after a digit, ")" or "+" (phones, cards), not after
# "Bearer" (a bearer token), not before a digit, "(" or "+"
_SAFE_SPACE = re.compile(r".*(?<=[^\d)+\s])(?<![Bb]earer)\s+(?=[^\d(+\s])", re.S)
_OPAQUE_RUN = re.compile(r"[^\s" + re.escape(_SEPARATORS) + "]*")


def _luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _card(m: re.Match[str]) -> str:
    digits = _NON_DIGIT.sub("", m.group(0))
    return "[CARD]" if 13 <= len(digits) <= 19 and _luhn_ok(digits) else m.group(0)


def _emails(text: str) -> str:
    """Replace ``local@domain.tld`` as ``[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}`` would
    (leftmost, longest), reading each character at most twice."""
    at = text.find("@")
    if at < 0:
        return text
    reversed_text, n = text[::-1], len(text)
    out: list[str] = []
    last = 0  # end of the previous match: a local part starts at or after it
    while at >= 0:
        domain = _DOMAIN.match(text, at + 1)
        if domain is not None:
            local = _LOCAL_REVERSED.match(reversed_text, n - at).end() - (n - at)  # type: ignore[union-attr]
            start = max(last, at - local)
            if start < at:
                out += (text[last:start], "[EMAIL]")
                last = domain.end()
                at = text.find("@", last)
                continue
        at = text.find("@", at + 1)
    out.append(text[last:])
    return "".join(out)


def redact_piece(text: str) -> str:
    """Redact one piece of text in a single pass per pattern (linear; no size limit here)."""
    text = _KEY.sub("[SECRET]", text)
    text = _emails(text)
    text = _CARD.sub(_card, text)
    return _PHONE.sub("[PHONE]", text)


def _segment_end(text: str, start: int) -> int:
    """Where the segment starting at ``start`` ends: after its last separator, else after its
    last whitespace that no pattern can span, else at ``start`` (see :func:`redact`)."""
    end = start + SEGMENT
    if end >= len(text):
        return len(text)
    for pattern in (_LAST_SEPARATOR, _SAFE_SPACE):
        m = pattern.match(text, start, end)
        if m is not None:
            return m.end()
    return start


def redact(text: str) -> str:
    """Replace e-mail addresses, card numbers, key-like strings and phone numbers.

    Linear in ``len(text)``; see the module docstring for the segment and size bounds.
    """
    dropped = 0
    if len(text) > MAX_CHARS:  # cut after a separator or a space, not inside an address or a key
        cut = _segment_end(text, MAX_CHARS - SEGMENT) or MAX_CHARS
        dropped, text = len(text) - cut, text[:cut]
    if len(text) <= SEGMENT:
        out = [redact_piece(text)]
    else:
        out, start = [], 0
        while start < len(text):
            end = _segment_end(text, start)
            if end == start:  # SEGMENT characters with nowhere safe to cut: never split, drop
                space = _LAST_SPACE.match(text, start, start + SEGMENT)
                run = _OPAQUE_RUN.match(text, start)
                end = space.end() if space is not None else run.end()  # type: ignore[union-attr]
                out.append(f"[REDACTED {end - start} chars]")
            else:
                out.append(redact_piece(text[start:end]))
            start = end
    if dropped > 0:
        out.append(f"[TRUNCATED {dropped} chars]")
    return "".join(out)
