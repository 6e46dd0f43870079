"""Importers: other eval formats into swapsafe cases (promptfoo configs, OpenAI evals JSONL)."""

from swapsafe.evals.importers.openai_evals import EVAL_CLASSES, import_openai_evals
from swapsafe.evals.importers.promptfoo import import_promptfoo

__all__ = ["EVAL_CLASSES", "import_openai_evals", "import_promptfoo"]
