"""Import existing LLM call logs as served traces: OpenAI JSONL, OpenTelemetry GenAI, CSV.

>>> summary = import_file(config, store, "calls.jsonl", "openai-jsonl")   # doctest: +SKIP
"""

from swapsafe.traffic.importers.mapper import UNASSIGNED
from swapsafe.traffic.importers.rows import ParsedCall, Skipped
from swapsafe.traffic.importers.runner import FORMATS, ImportSummary, import_file, unknown_format

__all__ = [
    "FORMATS",
    "UNASSIGNED",
    "ImportSummary",
    "ParsedCall",
    "Skipped",
    "import_file",
    "unknown_format",
]
