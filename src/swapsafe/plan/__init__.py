"""The migration planner: 12 items in 3 phases, ticked from evidence or by hand.

>>> service = PlanService(open_store(url), config)                 # doctest: +SKIP
>>> view = service.view(service.resolve("gpt5-swap"))              # doctest: +SKIP
>>> print(render_markdown(view))                                   # doctest: +SKIP
"""

from swapsafe.plan.evidence import RULES, evaluate
from swapsafe.plan.export import render_markdown, strip_generated
from swapsafe.plan.facts import Evidence, MigrationFacts, Requirements, WorkloadFacts
from swapsafe.plan.items import ITEMS, PHASES, Item, Phase, item_by_ref
from swapsafe.plan.service import PlanService
from swapsafe.plan.status import ItemState, PlanView

__all__ = [
    "ITEMS",
    "PHASES",
    "RULES",
    "Evidence",
    "Item",
    "ItemState",
    "MigrationFacts",
    "Phase",
    "PlanService",
    "PlanView",
    "Requirements",
    "WorkloadFacts",
    "evaluate",
    "item_by_ref",
    "render_markdown",
    "strip_generated",
]
