"""The 2D NLSE: an embedded 1D soliton, conservation over nonlinear runs, batching, collapse, bad input."""

import math

import pytest
import torch

from solvers import nlse, nlse2d
from solvers.integrators import SolverError
from solvers.spectral import PeriodicGrid

GRID = PeriodicGrid(12.0, (48, 48))


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("method, options", [("if_dop853", dict(rtol=1e-12, atol=1e-13)),
                                             ("split_step8", dict(dt=0.05, dealiasing="none"))])
def test_embedded_soliton_stays_exact(axis, method, options):
    """``u(y, x) = soliton(x)``, constant along the other axis, solves the 2D equation."""
    lengths, sizes = [6.0, 6.0], [8, 8]
    lengths[axis], sizes[axis] = 50.0, 256
    grid = PeriodicGrid(tuple(lengths), tuple(sizes))
    along = grid.mesh()[axis]
    u0 = nlse.soliton(along, 1.0, 0.5)
    solution = nlse2d.solve(u0, grid, [0.0, 1.0], method=method, **options)
    assert (solution.u[-1] - nlse.soliton(along, 1.0, 0.5, t=1.0)).abs().max() < 1e-9


@pytest.mark.parametrize("nonlinearity, amplitude", [(1.0, 1.2), (-1.0, 2.0)])
def test_mass_and_energy_are_conserved_over_a_nonlinear_run(nonlinearity, amplitude):
    u0 = nlse2d.gaussian(GRID, amplitude, 1.0, center=(0.5, -0.5), wavevector=(0.5, 1.0))
    if nonlinearity > 0:  # below the critical mass: no collapse
        assert float(nlse.invariants(u0, GRID)["mass"]) < nlse2d.CRITICAL_MASS
    t = [0.0, 0.5, 1.0]
    solution = nlse2d.solve(u0, GRID, t, nonlinearity=nonlinearity, rtol=1e-12, atol=1e-13)
    invariants = nlse.invariants(solution.u, GRID, nonlinearity)
    assert (invariants["mass"] / invariants["mass"][0] - 1).abs().max() < 1e-12
    assert (invariants["energy"] / invariants["energy"][0] - 1).abs().max() < 1e-9
    assert (invariants["momentum"] - invariants["momentum"][0]).abs().max() < 1e-10
    linear = nlse2d.solve(u0, GRID, t, nonlinearity=1e-300, rtol=1e-12, atol=1e-13)
    assert (solution.u[-1] - linear.u[-1]).abs().max() > 0.05  # the nonlinearity acted
    split = nlse2d.solve(u0, GRID, t, method="strang", dt=0.05, nonlinearity=nonlinearity, dealiasing="none")
    mass = nlse.invariants(split.u, GRID, nonlinearity)["mass"]
    assert (mass / mass[0] - 1).abs().max() < 1e-12  # both split flows are unitary


def test_batched_equals_per_sample():
    u0 = torch.stack([nlse2d.gaussian(GRID, a, w) for a, w in ((0.5, 1.0), (1.2, 1.0), (0.8, 1.2))])
    batched = nlse2d.solve(u0, GRID, [0.0, 0.5, 1.0], method="if_dopri5", rtol=1e-9, atol=1e-11)
    assert batched.u.shape == (3, 3, 48, 48) and len(set(batched.stats.accepted_steps.tolist())) > 1
    for i in range(3):
        alone = nlse2d.solve(u0[i], GRID, [0.0, 0.5, 1.0], method="if_dopri5", rtol=1e-9, atol=1e-11)
        assert int(alone.stats.accepted_steps) == int(batched.stats.accepted_steps[i])
        assert (alone.u - batched.u[i]).abs().max() < 1e-12


@pytest.mark.parametrize("method, options", [("etdrk4", dict(dt=2e-3)), ("strang", dict(dt=2e-3, dealiasing="none"))])
def test_collapse_raises(method, options):
    """A Gaussian of mass 28 (critical 5.85) and negative energy collapses before t = 1."""
    grid = PeriodicGrid(16.0, (48, 48))
    u0 = nlse2d.gaussian(grid, 3.0, 1.0)
    assert float(nlse.invariants(u0, grid)["energy"]) < 0
    with pytest.raises(SolverError, match=r"not resolved on the grid \(48, 48\); focusing with mass 28.27 above "
                                          r"the critical 5.85: collapse"):
        nlse2d.solve(u0, grid, torch.linspace(0.0, 1.0, 11), method=method, **options)


def test_unresolved_subcritical_field_is_not_called_a_collapse():
    """A beam of mass 0.2 (critical 5.85) narrower than the grid resolves: refused, but not as a collapse."""
    grid = PeriodicGrid(16.0, (48, 48))
    with pytest.raises(SolverError, match=r"mass 0.199\d below the critical 5.85, which does not collapse: the grid is "
                                          r"too coarse"):
        nlse2d.solve(nlse2d.gaussian(grid, 1.0, 0.25), grid, [0.0, 0.1], method="etdrk4", dt=1e-3)


def test_outer_band_fraction():
    assert float(nlse2d.outer_band_fraction(nlse2d.gaussian(GRID, 1.0, 1.0), GRID)) < 1e-12
    noise = torch.randn(48, 48, dtype=torch.complex128, generator=torch.Generator().manual_seed(0))
    assert 0.4 < float(nlse2d.outer_band_fraction(noise, GRID)) < 0.7  # 1 - (2/3)^2 of white noise's power


@pytest.mark.parametrize("call, error, message", [
    (lambda: nlse2d.solve(torch.ones(48, 30, dtype=torch.complex128), GRID, [0, 1]), ValueError,
     r"u0 must have shape \(48, 48\) or \(batch, 48, 48\)"),
    (lambda: nlse2d.solve(torch.full((48, 48), math.nan, dtype=torch.complex128), GRID, [0, 1]), ValueError,
     "u0 must be finite"),
    (lambda: nlse2d.solve(torch.ones(32, dtype=torch.complex128), PeriodicGrid(16.0, 32), [0, 1]), ValueError,
     "grid must be a 2D PeriodicGrid"),
    (lambda: nlse2d.solve(torch.ones(48, 48), GRID, [0, 1], resolution=0.0), ValueError, r"resolution must lie in \(0, 1\)"),
    (lambda: nlse2d.gaussian(GRID, width=0.0), ValueError, "gaussian amplitude and width must be > 0"),
    (lambda: PeriodicGrid(16.0, (32, 33)), ValueError, "grid size n must be an even integer >= 4 per axis"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
