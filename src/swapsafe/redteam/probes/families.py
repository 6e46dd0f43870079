"""Probe families built from data at load time: garak's encodings and unicode smuggling.

- encoding (source ``garak``): each of garak's payloads (``data/garak_encoding.yaml``) encoded
  with each encoding of :data:`~swapsafe.redteam.probes.codecs.CODECS` into one of garak's
  prompt templates; the attack worked when the decoded payload appears in plain text in the
  answer (``decoded-payload``, as garak's DecodeMatch).
- smuggling (source ``swapsafe``): a visible request plus a hidden instruction in Unicode tag
  characters, variation selectors or sneaky bits (``data/swapsafe_smuggling.yaml``); the attack
  worked when the answer holds the hidden instruction's marker.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any

import yaml

from swapsafe.redteam.probes.base import Probe
from swapsafe.redteam.probes.codecs import CODECS, sneaky_bits, unicode_tags, variation_selectors

ENCODING_FILE = "garak_encoding.yaml"
SMUGGLING_FILE = "swapsafe_smuggling.yaml"
#: data files of the families (not probe files) -> their source (checked against NOTICE)
FAMILY_FILES: dict[str, str] = {ENCODING_FILE: "garak", SMUGGLING_FILE: "swapsafe"}
#: probes per encoding (payload and template rotate)
PER_ENCODING = 1
_SMUGGLERS = (
    ("unicode-tags", unicode_tags),
    ("unicode-tags", unicode_tags),
    ("unicode-tags", unicode_tags),
    ("variation-selectors", variation_selectors),
    ("sneaky-bits", sneaky_bits),
)


def _data(name: str) -> dict[str, Any]:
    text = resources.files("swapsafe.redteam.probes").joinpath("data", name).read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping")
    return data


def _hidden(payloads: list[str], start: int, encode: Callable[[str], str]) -> tuple[str, str]:
    """(payload, encoded): the first payload from ``start`` on that the encoding really hides
    (quoted-printable leaves a short ASCII line as it is)."""
    for k in range(len(payloads)):
        payload = payloads[(start + k) % len(payloads)]
        encoded = encode(payload)
        if payload.casefold() not in encoded.casefold():
            return payload, encoded
    raise ValueError("no payload is changed by this encoding")


def encoding_probes() -> list[Probe]:
    """garak's encoding injection: PER_ENCODING probes per encoding."""
    data = _data(ENCODING_FILE)
    templates: list[str] = data["templates"]
    payloads: list[str] = data["payloads"]
    out: list[Probe] = []
    n = 0
    for key, (label, encode) in CODECS.items():
        for i in range(PER_ENCODING):
            payload, encoded = _hidden(payloads, n, encode)
            template = templates[n % len(templates)]
            n += 1
            prompt = template.replace("{encoding_name}", label).replace("{encoded_text}", encoded)
            out.append(
                Probe(
                    id=f"garak.encoding.{key}.{i + 1}",
                    category="injection",
                    prompt=prompt,
                    source="garak",
                    technique=f"encoding:{key}",
                    expect=(payload,),
                    detector="decoded-payload",
                )
            )
    return out


def smuggling_probes() -> list[Probe]:
    """Hidden instructions in invisible characters after a visible request."""
    out: list[Probe] = []
    for i, item in enumerate(_data(SMUGGLING_FILE)["smuggling"]):
        technique, encode = _SMUGGLERS[i % len(_SMUGGLERS)]
        out.append(
            Probe(
                id=f"swapsafe.smuggling.{technique}.{i + 1}",
                category="injection",
                prompt=f"{item['carrier']} {encode(item['hidden'])}",
                technique=technique,
                expect=(str(item["expect"]),),
            )
        )
    return out
