"""ODE systems, periodic PDEs against exact solutions, Gaussian random fields."""

import math

import pytest
import torch

from solvers import pdes, systems
from solvers.random_fields import gaussian_random_field
from solvers.spectral import PeriodicGrid


def test_lorenz63_vector_field():
    y = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
    expected = torch.tensor([[10.0 * (2 - 1), 1 * (28 - 3) - 2, 1 * 2 - 8 / 3 * 3]], dtype=torch.float64)
    assert torch.allclose(systems.Lorenz63()(None, y), expected)


def test_per_sample_parameters():
    y = torch.ones(2, 3, dtype=torch.float64)
    rho = torch.tensor([28.0, 10.0], dtype=torch.float64)
    out = systems.Lorenz63(rho=rho)(None, y)
    assert out[0, 1] == 28 - 1 - 1 and out[1, 1] == 10 - 1 - 1


def test_rossler_and_lorenz96():
    y = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
    assert torch.allclose(systems.Rossler()(None, y), torch.tensor([[-5.0, 1.4, 0.2 + 3 * (1 - 5.7)]], dtype=torch.float64))
    equilibrium = torch.full((1, 6), 8.0, dtype=torch.float64)
    assert systems.Lorenz96(6)(None, equilibrium).abs().max() == 0  # x_i = F is a fixed point
    with pytest.raises(ValueError, match="dimension must be an integer >= 4"):
        systems.Lorenz96(3)


def test_kdv_soliton():
    grid = PeriodicGrid(L=40.0, n=256)
    speed, x0 = 2.0, -5.0
    profile = lambda t: speed / 2 / torch.cosh(math.sqrt(speed) / 2 * (grid.x - speed * t - x0)) ** 2  # noqa: E731
    solution = pdes.solve(pdes.kdv(grid), profile(0.0), grid, [0.0, 2.0], method="if_dop853", rtol=1e-11, atol=1e-13)
    assert (solution.u[-1] - profile(2.0)).abs().max() < 1e-8


def test_convection_diffusion_of_a_fourier_mode():
    grid = PeriodicGrid(L=2 * math.pi, n=64)
    beta, nu, t = 3.0, 0.05, 0.7
    u0 = torch.sin(4 * grid.x)
    exact = math.exp(-nu * 16 * t) * torch.sin(4 * (grid.x - beta * t))
    for method, options in (("etdrk4", dict(dt=0.1)), ("if_dop853", dict(rtol=1e-10, atol=1e-12))):
        solution = pdes.solve(pdes.convection(grid, beta, nu), u0, grid, [0.0, t], method=method, **options)
        assert (solution.u[-1] - exact).abs().max() < 1e-12


@pytest.mark.parametrize("dealiasing", ["pad", "truncate"])
def test_burgers_matches_cole_hopf(dealiasing):
    """Our ETDRK4 Burgers data against the exact Cole-Hopf solution at 4x the resolution, under either rule."""
    coarse, fine = PeriodicGrid(L=1.0, n=1024), PeriodicGrid(L=1.0, n=4096)
    generator = torch.Generator().manual_seed(0)
    u0 = gaussian_random_field(coarse, generator)
    solution = pdes.solve(pdes.burgers(coarse, 0.1, dealiasing), u0, coarse, [0.0, 0.5, 1.0], method="etdrk4",
                          dt=1e-3)
    u0_fine = pdes.to_values(pdes.to_coefficients(u0), fine.n)  # the same band-limited function, finer grid
    exact = pdes.burgers_cole_hopf(u0_fine, fine, 1.0, 0.1)[::4]
    assert (solution.u[-1] - exact).abs().max() < 1e-8 * exact.abs().max()


def test_fisher_and_allen_cahn_on_uniform_states():
    grid = PeriodicGrid(L=2 * math.pi, n=32)
    t = 1.5
    u = pdes.solve(pdes.reaction_diffusion(grid, 0.01, 2.0), torch.full((32,), 0.5, dtype=torch.float64), grid,
                   [0.0, t], method="etdrk4", dt=1e-3).u[-1]
    assert (u - 1 / (1 + math.exp(-2.0 * t))).abs().max() < 1e-11
    u0 = 0.3
    u = pdes.solve(pdes.reaction_diffusion(grid, 0.01, kind="allen_cahn"), torch.full((32,), u0, dtype=torch.float64),
                   grid, [0.0, t], method="etdrk4", dt=1e-3).u[-1]
    exact = u0 * math.exp(t) / math.sqrt(1 + u0**2 * (math.exp(2 * t) - 1))
    assert (u - exact).abs().max() < 1e-11


def test_gaussian_random_field_covariance():
    grid = PeriodicGrid(L=1.0, n=64)
    generator = torch.Generator().manual_seed(3)
    samples = torch.stack([gaussian_random_field(grid, generator) for _ in range(4000)])
    coefficients = pdes.to_coefficients(samples)
    k = pdes.wavenumbers(grid)
    expected = 625 * (k**2 + 25) ** -2.0 / grid.L  # E|c_k|^2 for k > 0
    measured = coefficients.abs().square().mean(0)
    assert measured[0] < 1e-28 and samples.mean(-1).abs().max() < 1e-12
    assert ((measured[1:6] / expected[1:6]) - 1).abs().max() < 0.1


@pytest.mark.parametrize("call, message", [
    (lambda g: pdes.burgers(g, viscosity=0.0), "viscosity must be a positive"),
    (lambda g: pdes.reaction_diffusion(g, kind="gray_scott"), "unknown reaction kind"),
    (lambda g: pdes.kdv(g, dealiasing="2/3"), "unknown dealiasing rule '2/3'; allowed: pad, truncate"),
    (lambda g: pdes.solve(pdes.kdv(g), torch.ones(8, dtype=torch.complex128), g, [0.0, 1.0]), "u0 must be real"),
    (lambda g: pdes.burgers_cole_hopf(torch.ones(16, dtype=torch.float64), g, 1.0, 0.1), "zero-mean"),
    (lambda g: gaussian_random_field(g, torch.Generator(), amplitude=-1.0), "must be > 0"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call(PeriodicGrid(L=1.0, n=16))
