"""Butcher tableaux: structural properties and classical order conditions, for every method."""

import itertools

import numpy as np
import pytest

from solvers.integrators import TABLEAUX, ButcherTableau


@pytest.mark.parametrize("name", sorted(TABLEAUX))
def test_structure(name):
    tab = TABLEAUX[name]
    a = tab.matrix()
    assert np.allclose(a.sum(1), tab.c, atol=1e-14)
    assert np.triu(a).max() == 0 and np.triu(a).min() == 0
    assert abs(sum(tab.b) - 1) < 1e-14
    for weights in tab.error_weights:
        assert abs(sum(weights)) < 1e-14


def _order_conditions(tab: ButcherTableau, order: int) -> list[float]:
    """Residuals of the rooted-tree order conditions of orders 1..min(order, 5)."""
    a, b, c = tab.matrix(), np.array(tab.b), np.array(tab.c)
    conditions = [
        (b.sum(), 1), (b @ c, 1 / 2), (b @ c**2, 1 / 3), (b @ a @ c, 1 / 6),
        (b @ c**3, 1 / 4), (b @ (c * (a @ c)), 1 / 8), (b @ a @ c**2, 1 / 12), (b @ a @ a @ c, 1 / 24),
        (b @ c**4, 1 / 5), (b @ (c**2 * (a @ c)), 1 / 10), (b @ (c * (a @ c**2)), 1 / 15),
        (b @ (c * (a @ a @ c)), 1 / 30), (b @ (a @ c) ** 2, 1 / 20), (b @ a @ c**3, 1 / 20),
        (b @ a @ (c * (a @ c)), 1 / 40), (b @ a @ a @ c**2, 1 / 60), (b @ a @ a @ a @ c, 1 / 120),
    ]
    count = {1: 1, 2: 2, 3: 4, 4: 8, 5: 17}[min(order, 5)]
    return [value - target for value, target in conditions[:count]]


@pytest.mark.parametrize("name", sorted(TABLEAUX))
def test_order_conditions(name):
    tab = TABLEAUX[name]
    assert max(abs(r) for r in _order_conditions(tab, tab.order)) < 1e-13


def _embedded(tab: ButcherTableau, index: int) -> ButcherTableau:
    return ButcherTableau("embedded", 1, tab.a, tuple(np.subtract(tab.b, tab.error_weights[index])), tab.c)


@pytest.mark.parametrize("name, index, order", [("dopri5", 0, 4), ("dop853", 0, 5), ("dop853", 1, 3)])
def test_embedded_solutions_have_their_order(name, index, order):
    """``b - w`` is the embedded solution: it meets every condition of its order and (below 5) fails one above."""
    embedded = _embedded(TABLEAUX[name], index)
    assert max(abs(r) for r in _order_conditions(embedded, order)) < 1e-12
    if order < 5:
        assert max(abs(r) for r in _order_conditions(embedded, order + 1)) > 1e-6


def test_first_same_as_last():
    assert TABLEAUX["dopri5"].first_same_as_last and TABLEAUX["dop853"].first_same_as_last
    assert not TABLEAUX["rk4"].first_same_as_last


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(a=((), (0.4,)), b=(0.5, 0.5), c=(0.0, 0.5)), "row 1 of a sums"),
        (dict(a=((), (0.5,)), b=(0.5, 0.6), c=(0.0, 0.5)), "weights b sum"),
        (dict(a=((), (0.5,)), b=(0.5, 0.5), c=(0.0, 0.5), error_weights=((0.1, 0.0),), error_order=1), "error weights sum"),
        (dict(a=((), (0.5, 0.1)), b=(0.5, 0.5), c=(0.0, 0.5)), "row 1 of a must have 1"),
        (dict(a=((), (0.5,)), b=(0.5, 0.5), c=(0.0, 0.5), error_weights=((0.1, -0.1),)), "needs error_order"),
    ],
)
def test_invalid_tableaux_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ButcherTableau(name="bad", order=1, **kwargs)


def test_tableaux_are_frozen():
    with pytest.raises(AttributeError):
        TABLEAUX["rk4"].order = 3
    assert all(isinstance(x, tuple) for x in itertools.chain([TABLEAUX["rk4"].a, TABLEAUX["rk4"].b]))
