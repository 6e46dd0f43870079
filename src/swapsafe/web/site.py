"""The UI's pages: every page module imported by name, so the import graph (and import-linter's
contracts) sees each edge. A new page is a module in ``pages/`` (see
:mod:`swapsafe.web.context`) listed here."""

from __future__ import annotations

from swapsafe.web.context import NavEntry, PageRoutes
from swapsafe.web.pages import compare, evals, overview, plan, redteam, report, review, rollout

#: The navigation bar, in order, with the page that fills each place.
NAV: tuple[NavEntry, ...] = (
    NavEntry("/", "Overview", overview.routes),
    NavEntry("/review", "Review", review.routes),
    NavEntry("/compare", "Compare", compare.routes),
    NavEntry("/plan", "Plan", plan.routes),
    NavEntry("/rollout", "Rollout", rollout.routes),
    NavEntry("/redteam", "Red-team", redteam.routes),
    NavEntry("/report", "Report", report.routes),
)
#: pages without a nav entry (downloads): ``evals`` serves eval run exports
EXTRA_PAGES: tuple[PageRoutes, ...] = (evals.routes,)
