"""2D Navier-Stokes vorticity: exact decay and steady states, conservation by the dealiased advection,
diagnostics, batching with per-sample steps, and bad input."""

import math

import pytest
import torch

from solvers import navier_stokes as ns
from solvers.spectral import PeriodicGrid

GRID = ns.box(32)


def random_vorticity(grid, batch: int = 3, modes: int = 4, seed: int = 0) -> torch.Tensor:
    """Real fields ``(batch, n_y, n_x)`` of unit RMS on the modes ``|m_i| < modes``."""
    generator = torch.Generator().manual_seed(seed)
    c = torch.zeros((batch,) + grid.spectral_shape(real=True), dtype=torch.complex128)
    c[:, :modes, :modes] = torch.randn(batch, modes, modes, dtype=torch.complex128, generator=generator)
    c[:, -modes + 1:, :modes] = torch.randn(batch, modes - 1, modes, dtype=torch.complex128, generator=generator)
    w = grid.to_real_values(c)
    return w / w.std(dim=(-2, -1), keepdim=True)


@pytest.mark.parametrize("method, options", [("etdrk4", dict(dt=0.01)), ("if_rk4", dict(dt=0.01)),
                                             ("if_dop853", dict(rtol=1e-12, atol=1e-12))])
def test_taylor_green_decays_exactly(method, options):
    nu, k = 0.01, 2 * math.pi
    t = torch.linspace(0.0, 1.0, 5, dtype=torch.float64)
    solution = ns.solve(ns.taylor_green(GRID), GRID, t, viscosity=nu, method=method, **options)
    for i, time in enumerate(t.tolist()):
        exact = ns.taylor_green(GRID) * math.exp(-2 * nu * k**2 * time)
        assert (solution.w[i] - exact).abs().max() < 1e-10 * exact.abs().max()


def test_kolmogorov_forcing_with_drag_reaches_the_laminar_state():
    """From rest, ``w = f (1 - exp(-r t)) / r`` with ``r = nu k^2 + alpha`` (a shear flow: no advection)."""
    nu, alpha, mode = 0.02, 0.1, 2
    forcing = ns.kolmogorov_forcing(GRID, mode)
    solution = ns.solve(torch.zeros(GRID.shape, dtype=torch.float64), GRID, [0.0, 2.0], nu, forcing, alpha, dt=0.05)
    rate = nu * (2 * math.pi * mode) ** 2 + alpha
    assert (solution.w[-1] - forcing * (1 - math.exp(-2 * rate)) / rate).abs().max() < 1e-13


def test_dealiased_advection_conserves_energy_and_enstrophy():
    """At ``nu = 1e-16`` the 2/3-rule Galerkin system conserves both quadratic invariants (to the tolerance);
    with the mask removed, aliasing breaks them by 2e-4 (energy) and 3e-3 (enstrophy) on this run."""
    w0 = random_vorticity(GRID, batch=2, modes=8)
    solution = ns.solve(w0, GRID, [0.0, 1.0], viscosity=1e-16, method="if_dop853", rtol=1e-12, atol=1e-12)
    for invariant in (ns.energy, ns.enstrophy):
        value = invariant(solution.w, GRID)
        assert (value[:, -1] / value[:, 0] - 1).abs().max() < 1e-9
    assert (solution.w[:, -1] - w0).abs().max() > 0.1  # a nonlinear run


def test_diagnostics_of_the_taylor_green_vortex_and_the_spectrum():
    k = 2 * math.pi
    w = ns.taylor_green(GRID)
    assert float(ns.energy(w, GRID)) == pytest.approx(k**2 / 4, rel=1e-13)  # (1/2) <|u|^2>, |u| = k sin cos
    assert float(ns.enstrophy(w, GRID)) == pytest.approx((2 * k**2) ** 2 / 8, rel=1e-13)
    shells, spectrum = ns.energy_spectrum(w, GRID)
    assert float(shells[1]) == pytest.approx(k) and spectrum[1] == pytest.approx(k**2 / 4, rel=1e-13)
    w = random_vorticity(GRID)
    shells, spectrum = ns.energy_spectrum(w, GRID)
    assert spectrum.shape == (3, shells.numel()) and (spectrum >= 0).all()
    assert (spectrum.sum(-1) - ns.energy(w, GRID)).abs().max() < 1e-13 * ns.energy(w, GRID).max()


def test_batched_equals_per_sample_with_fno_forcing():
    w0 = random_vorticity(GRID)
    forcing = ns.fno_forcing(GRID)
    options = dict(viscosity=1e-3, forcing=forcing, method="if_dopri5", rtol=1e-8, atol=1e-10)
    batched = ns.solve(w0, GRID, [0.0, 0.5, 1.0], **options)
    assert batched.w.shape == (3, 3, 32, 32)
    assert len(set(batched.stats.accepted_steps.tolist())) > 1  # each sample its own steps
    for i in range(3):
        alone = ns.solve(w0[i], GRID, [0.0, 0.5, 1.0], **options)
        assert alone.w.shape == (3, 32, 32)
        assert int(alone.stats.accepted_steps) == int(batched.stats.accepted_steps[i])
        assert (alone.w - batched.w[i]).abs().max() < 1e-12


@pytest.mark.parametrize("call, message", [
    (lambda: ns.equation(GRID, 0.0), "viscosity nu must be a positive finite number, got 0.0"),
    (lambda: ns.equation(GRID, -1e-3), "viscosity nu must be a positive"),
    (lambda: ns.equation(GRID, math.nan), "viscosity nu must be a positive"),
    (lambda: ns.equation(GRID, 1e-3, drag=-0.1), "drag alpha must be a finite number >= 0"),
    (lambda: ns.equation(GRID, 1e-3, forcing=torch.zeros(32, 16)), r"forcing must be real with shape \(32, 32\)"),
    (lambda: ns.equation(PeriodicGrid(1.0, 32), 1e-3), "grid must be a 2D PeriodicGrid"),
    (lambda: ns.solve(torch.zeros(32, 30), GRID, [0, 1], 1e-3, dt=0.1), r"w0 must be real with shape \(32, 32\) or \(batch, 32, 32\)"),
    (lambda: ns.solve(torch.zeros(32, 32, dtype=torch.complex128), GRID, [0, 1], 1e-3, dt=0.1), "w0 must be real"),
    (lambda: ns.solve(torch.full((32, 32), math.inf), GRID, [0, 1], 1e-3, dt=0.1), "w0 must be finite"),
    (lambda: ns.box(31), "grid size n must be an even integer >= 4 per axis"),
    (lambda: ns.kolmogorov_forcing(GRID, 11), r"forcing mode must be an integer in \[1, 9\]"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
