"""Empirical convergence order of every registered method, by a log-log fit against exact solutions.

Two semilinear problems ``u' = L u + N(t, u)`` with independent components and exact solutions:
- logistic ``u' = L u - u^2``: ``u = L u0 e^{Lt} / (L + u0 (e^{Lt} - 1))``, nonlinear flow ``u / (1 + tau u)``;
- rotating Riccati ``u' = i w u - 2 t u^2`` (non-autonomous): ``u = e^{iwt} v`` with
  ``1/v = 1/u0 + 2 [e^{iwt} (t/(iw) + 1/w^2) - 1/w^2]``.
Step sizes sit between the pre-asymptotic range and round-off (checked when they were chosen).
"""

import math

import pytest
import torch

from solvers import nlse
from solvers.integrators import METHODS, SemilinearTerm, solve


def logistic():
    linear = torch.tensor([-1.0 + 0j, 3j, -0.5 + 4j, -6.0 + 0j], dtype=torch.complex128)
    u0 = torch.tensor([[0.5 + 0j, 0.3 + 0.2j, 0.4 + 0j, 1.0 + 0j], [0.2 + 0j, 0.1j, 0.7 + 0j, 0.5 + 0j]],
                      dtype=torch.complex128)
    t_end = 2.0
    growth = torch.exp(linear * t_end)
    exact = linear * u0 * growth / (linear + u0 * (growth - 1))
    return SemilinearTerm(linear, lambda t, u: -u * u, lambda u, tau: u / (1 + tau * u)), u0, t_end, exact


def rotating_riccati():
    w = torch.tensor([1.0, 2.0, -1.5, 0.5], dtype=torch.float64)
    u0 = torch.tensor([[0.5 + 0j, 0.3 + 0.2j, 0.4 + 0j, 0.6j], [0.2 + 0j, 0.5j, 0.7 + 0j, 0.3 + 0j]],
                      dtype=torch.complex128)
    t_end = 1.0
    rotation = torch.exp(1j * w * t_end)
    exact = rotation / (1 / u0 + 2 * (rotation * (t_end / (1j * w) + 1 / w**2) - 1 / w**2))
    term = SemilinearTerm((1j * w).to(torch.complex128), lambda t, u: -2 * t.reshape(-1, 1) * u * u)
    return term, u0, t_end, exact


HALVING = [1 / 10, 1 / 20, 1 / 40, 1 / 80]
CASES = {
    "rk4": (logistic, HALVING), "dopri5": (logistic, HALVING), "dop853": (rotating_riccati, [1 / 8, 1 / 12, 1 / 16, 1 / 24]),
    "if_rk4": (logistic, HALVING), "if_dopri5": (logistic, HALVING), "if_dop853": (rotating_riccati, [1 / 8, 1 / 12, 1 / 16, 1 / 24]),
    "etdrk4": (logistic, HALVING), "strang": (logistic, HALVING), "split_step4": (logistic, HALVING),
    "split_step6": (logistic, [1 / 4, 1 / 6, 1 / 8, 1 / 12]), "split_step8": (logistic, [1 / 2, 1 / 3, 1 / 4, 1 / 6]),
}
NOMINAL = {"rk4": 4, "dopri5": 5, "dop853": 8, "if_rk4": 4, "if_dopri5": 5, "if_dop853": 8,
           "etdrk4": 4, "strang": 2, "split_step4": 4, "split_step6": 6, "split_step8": 8}


def fitted_order(steps, errors) -> float:
    x = torch.log(torch.tensor(steps, dtype=torch.float64))
    y = torch.log(torch.tensor(errors, dtype=torch.float64))
    return float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())


def test_every_method_is_checked():
    assert set(CASES) == set(METHODS) == set(NOMINAL)


@pytest.mark.parametrize("method", METHODS)
def test_convergence_order(method):
    problem, steps = CASES[method]
    term, u0, t_end, exact = problem()
    f = term.__call__ if method in ("rk4", "dopri5", "dop853") else term
    errors = []
    for h in steps:
        solution = solve(f, u0, [0.0, t_end], method=method, dt=h)
        errors.append(float((solution.y[:, -1] - exact).abs().max()))
    assert max(errors) < 1e-2 and min(errors) > 1e-14, errors
    assert abs(fitted_order(steps, errors) - NOMINAL[method]) <= 0.3, errors


@pytest.mark.parametrize("method, steps", [("if_rk4", [0.04, 0.02, 0.01]), ("etdrk4", [0.04, 0.02, 0.01]),
                                           ("split_step4", [0.04, 0.02, 0.01]), ("strang", [0.04, 0.02, 0.01]),
                                           ("split_step6", [0.05, 0.025, 0.0125]), ("split_step8", [0.1, 0.05, 0.025])])
def test_nlse_soliton_order(method, steps):
    """The same orders on the NLSE itself, against the exact soliton (n = 512 on L = 60: spatial error ~1e-14)."""
    grid = nlse.Grid(L=60.0, n=512)
    u0 = nlse.soliton(grid.x, 1.5, 0.5, 0.0)
    exact = nlse.soliton(grid.x, 1.5, 0.5, 0.0, t=1.0)
    errors = [float((nlse.solve(u0, grid, [0.0, 1.0], method=method, dt=h).u[-1] - exact).abs().max()) for h in steps]
    assert abs(fitted_order(steps, errors) - NOMINAL[method]) <= 0.3, errors


def test_adaptive_error_follows_tolerance():
    """Adaptive DOP853 and Dormand-Prince 5(4): tighter tolerances give proportionally smaller errors."""
    term, u0, t_end, exact = logistic()
    for method in ("dopri5", "dop853"):
        errors = []
        for rtol in (1e-6, 1e-8, 1e-10):
            solution = solve(term.__call__, u0, [0.0, t_end], method=method, rtol=rtol, atol=rtol * 1e-2)
            errors.append(float((solution.y[:, -1] - exact).abs().max()))
        assert errors[0] > errors[1] > errors[2]
        assert errors[2] < 1e-8 and math.log10(errors[0] / errors[2]) > 2.5, errors
