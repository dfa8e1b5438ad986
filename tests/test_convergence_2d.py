"""Empirical convergence orders of the semilinear methods on 2D problems, by a log-log fit against a
converged reference of the same semi-discrete system: Navier-Stokes vorticity (``if_rk4``, ``etdrk4``)
and the 2D NLSE (``if_rk4``, ``etdrk4``, ``strang``, ``split_step4``)."""

import pytest
import torch

from solvers import navier_stokes as ns
from solvers import nlse2d
from solvers.spectral import PeriodicGrid
from test_convergence import NOMINAL, fitted_order
from test_navier_stokes import random_vorticity

STEPS = [0.1, 0.05, 0.025]


@pytest.mark.parametrize("method", ["if_rk4", "etdrk4"])
def test_navier_stokes_order(method):
    grid = ns.box(32)
    w0 = random_vorticity(grid, batch=2, modes=4, seed=3) * 2
    options = dict(viscosity=1e-2, forcing=ns.fno_forcing(grid))
    reference = ns.solve(w0, grid, [0.0, 1.0], method="if_dop853", rtol=1e-13, atol=1e-13, **options).w[:, -1]
    errors = [float((ns.solve(w0, grid, [0.0, 1.0], method=method, dt=h, **options).w[:, -1] - reference).abs().max())
              for h in STEPS]
    assert max(errors) < 1e-2 and min(errors) > 1e-12, errors
    assert abs(fitted_order(STEPS, errors) - NOMINAL[method]) <= 0.3, errors


@pytest.mark.parametrize("method", ["if_rk4", "etdrk4", "strang", "split_step4"])
def test_nlse2d_order(method):
    grid = PeriodicGrid(12.0, (32, 32))
    u0 = nlse2d.gaussian(grid, 1.2, 1.2, wavevector=(0.5, -0.5))
    dealiasing = "none" if method in ("strang", "split_step4") else "pad"  # the split flows are on the grid itself
    options = dict(dealiasing=dealiasing, resolution=0.5)
    reference = nlse2d.solve(u0, grid, [0.0, 1.0], rtol=1e-13, atol=1e-14, **options).u[-1]
    errors = [float((nlse2d.solve(u0, grid, [0.0, 1.0], method=method, dt=h, **options).u[-1] - reference).abs().max())
              for h in STEPS]
    assert max(errors) < 1e-1 and min(errors) > 1e-12, errors
    assert abs(fitted_order(STEPS, errors) - NOMINAL[method]) <= 0.3, errors
