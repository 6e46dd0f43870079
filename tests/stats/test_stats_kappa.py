"""Cohen's kappa against a textbook example."""

from __future__ import annotations

import pytest

from swapsafe.stats import cohens_kappa


def test_cohens_kappa_textbook_example() -> None:
    # the worked example of the "Cohen's kappa" Wikipedia article: 50 items, yes/yes 20,
    # yes/no 5, no/yes 10, no/no 15 -> p_o = 0.7, p_e = 0.5, kappa = 0.4
    ratings = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10
    ratings += [("no", "no")] * 15
    k = cohens_kappa(ratings, ("yes", "no"))
    assert (k.pairs, k.observed, k.kappa) == (50, pytest.approx(0.7), pytest.approx(0.4))


def test_cohens_kappa_edges() -> None:
    assert cohens_kappa([("a", "a"), ("b", "b")], ("a", "b")).kappa == pytest.approx(1.0)
    assert cohens_kappa([], ("a",)).kappa is None
    assert cohens_kappa([("a", "a")] * 4, ("a", "b")).kappa is None  # one category: undefined
