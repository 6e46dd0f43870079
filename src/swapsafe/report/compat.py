"""The report's request-compatibility section: prompt variants, adapted and refused requests.

One sentence per configured prompt variant (``new model ran with prompt variant `x.txt`
(a1b2c3d4)``, with how many of its requests in the window carried it), and a row per model and
role with the share of requests its adapter changed and the share it refused with a 4xx (the
hidden incompatibilities: :mod:`swapsafe.store.sql_compat`). Markdown and HTML both use these.
"""

from __future__ import annotations

from swapsafe.report.data import WorkloadReport

HEADER = ("model", "role", "requests", "adapted", "refused (4xx)")


def variant_lines(rep: WorkloadReport) -> list[str]:
    out = []
    for model, variant in rep.variants.items():
        side = "New model" if model == rep.candidate else "Model"
        carried = sum(c.variants.get(variant.digest, 0) for c in rep.compat if c.model == model)
        total = sum(c.requests for c in rep.compat if c.model == model)
        out.append(
            f"{side} `{model}` ran with {variant.describe()}: {carried} of its {total} "
            "requests in the window carried it."
        )
    return out


def compat_rows(rep: WorkloadReport) -> list[tuple[str, ...]]:
    return [
        (
            c.model,
            c.role,
            str(c.requests),
            f"{100 * c.adapted_share:.1f}%",
            f"{100 * c.refused_share:.1f}% ({c.refused})",
        )
        for c in rep.compat
    ]


def compat_lines(rep: WorkloadReport) -> list[str]:
    """The section in markdown."""
    out = ["", "### Request compatibility", ""]
    variants = variant_lines(rep)
    out += [*variants, ""] if variants else []
    rows = compat_rows(rep)
    if not rows:
        return [*out, "No traffic recorded in the window."]
    out += ["| " + " | ".join(HEADER) + " |", "|---" * len(HEADER) + "|"]
    out += ["| " + " | ".join((f"`{r[0]}`", *r[1:])) + " |" for r in rows]
    return out
