"""What a probe is: one attack message (plus, for indirect attacks, the content that carries it).

A :class:`Probe` is plain data. Probes come from bundled data files, from decorated probe-set
factories (:mod:`swapsafe.redteam.probes.registry`) and from users' YAML files
(:mod:`swapsafe.redteam.probes.user`); all of them end up as the same frozen dataclass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

Category = Literal["injection", "indirect", "jailbreak", "leak", "secrets", "harmful", "output"]
Channel = Literal["user", "tool"]

#: every category, in report order
CATEGORIES: tuple[Category, ...] = get_args(Category)
CHANNELS: tuple[Channel, ...] = get_args(Channel)

#: ``--suite`` names: one per category, plus "all"
SUITES: tuple[str, ...] = ("all", *CATEGORIES)

CATEGORY_TITLES: dict[str, str] = {
    "injection": "direct prompt injection",
    "indirect": "indirect prompt injection",
    "jailbreak": "jailbreak",
    "leak": "system-prompt extraction",
    "secrets": "secret / PII leak",
    "harmful": "harmful requests",
    "output": "unsafe output (terminal escapes, invented packages)",
}

#: categories whose probes say which output shows the attack worked (``expect``/``expect_regex``)
NEEDS_EXPECT: frozenset[str] = frozenset({"injection", "indirect"})


@dataclass(frozen=True, slots=True)
class Probe:
    """One attack.

    - ``prompt``: the user message. For indirect attacks with ``channel="user"`` the
      ``document`` is appended to it (or replaces a ``{document}`` placeholder); with
      ``channel="tool"`` the document arrives as a tool result the application fetched.
    - ``expect`` / ``expect_regex``: output that shows the attack worked. Injection probes need
      one (a rogue string, an instructed answer, found only outside an echo of the attack); in
      leak / secrets probes each string is a further secret to look for (also encoded); in
      jailbreak / harmful probes it replaces the refusal check.
    - ``source``: the data source, named in the NOTICE file (``swapsafe`` for our own probes,
      ``user:<file>`` for a user's probe file).
    - ``detector``: a named output check
      (:mod:`swapsafe.redteam.probes.detector_registry`) that gives
      the verdict instead of the category's rule, e.g. ``exfil-url`` (``expect`` then lists the
      attacker's domains), ``ansi-escape``, ``package-hallucination``.
    """

    id: str
    category: Category
    prompt: str
    source: str = "swapsafe"
    technique: str = ""
    expect: tuple[str, ...] = ()
    expect_regex: str | None = None
    document: str | None = None
    channel: Channel = "user"
    detector: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "category": self.category, "prompt": self.prompt}
        for key in ("source", "technique", "expect_regex", "document", "detector"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.expect:
            out["expect"] = list(self.expect)
        if self.channel != "user":
            out["channel"] = self.channel
        return out


def suite_categories(suites: str | list[str] | tuple[str, ...]) -> tuple[Category, ...]:
    """Categories named by ``--suite`` values ("all" or category names, comma-separated)."""
    names = suites.split(",") if isinstance(suites, str) else list(suites)
    chosen: list[Category] = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        if name == "all":
            return CATEGORIES
        if name not in CATEGORIES:
            raise ValueError(f'unknown suite "{name}" (suites: {", ".join(SUITES)})')
        for cat in CATEGORIES:
            if cat == name and cat not in chosen:
                chosen.append(cat)
    return tuple(chosen) or CATEGORIES
