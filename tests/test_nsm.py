"""Neural spectral methods: exact bases, spectral residuals of exact solutions at round-off, second-order
grid residuals, the NSM layer, self-supervised training of NSM and of FNO on a grid residual, FNO on
solver data, CLI."""

import math

import numpy as np
import pytest
import torch

from sciml.cli import main
from sciml.models import FNO, NSM, load_checkpoint
from sciml.models.nsm import NSMConv
from sciml.train.self_supervised import SelfSupervisedConfig, evaluate, train_self_supervised
from sciml.train.spectral_residual import NLSE, Burgers, Poisson, ReactionDiffusion, make_residual_problem
from solvers import pdes
from solvers.spectral import PeriodicGrid
from solvers.spectral.bases import ChebyshevBasis, FourierBasis


def test_chebyshev_basis_is_exact_on_polynomials():
    basis = ChebyshevBasis(12, 0.5, 2.5)
    values = torch.randn(3, 12, 5, dtype=torch.float64)
    torch.testing.assert_close(basis.to_values(basis.to_coefficients(values, dim=1), dim=1), values, rtol=0, atol=1e-13)
    s = basis.nodes() - 1.5  # s in [-1, 1]
    p = 4 * s**7 - 3 * s**4 + s - 2
    c = basis.to_coefficients(p)
    torch.testing.assert_close(basis.to_values(basis.derivative(c)), 28 * s**6 - 12 * s**3 + 1, rtol=0, atol=1e-11)
    second = basis.to_values(basis.derivative(c, order=2))
    torch.testing.assert_close(second, 168 * s**5 - 36 * s**2, rtol=0, atol=1e-10)
    fine = ChebyshevBasis(25, 0.5, 2.5)
    s_fine = fine.nodes() - 1.5
    torch.testing.assert_close(basis.to_values(c, n=25), 4 * s_fine**7 - 3 * s_fine**4 + s_fine - 2, rtol=0, atol=1e-12)
    low, high = basis.boundary_values(c)
    assert abs(float(low) - (-4 - 3 - 1 - 2)) < 1e-12 and abs(float(high) - (4 - 3 + 1 - 2)) < 1e-12
    k = 5  # T_5 has the single coefficient c_5 = 1
    unit = torch.eye(12, dtype=torch.float64)[k]
    torch.testing.assert_close(basis.to_coefficients(torch.cos(k * torch.acos(s))), unit, rtol=0, atol=1e-14)


def test_fourier_basis_is_exact_on_trigonometric_polynomials():
    basis = FourierBasis(32, 1.0, 3.0)
    x = basis.nodes()
    phase = 2 * math.pi * (x - 1.0) / 3.0
    u = 1.5 + torch.sin(3 * phase) - 0.5 * torch.cos(7 * phase)
    c = basis.to_coefficients(u)
    k = 2 * math.pi / 3.0
    expected = -(3 * k) ** 2 * torch.sin(3 * phase) + 0.5 * (7 * k) ** 2 * torch.cos(7 * phase)
    torch.testing.assert_close(basis.to_values(basis.derivative(c, order=2)), expected, rtol=0, atol=1e-11)
    assert abs(float((basis.norm_weights() * c.abs().square()).sum() - u.square().mean())) < 1e-13  # Parseval
    fine = FourierBasis(64, 1.0, 3.0)
    torch.testing.assert_close(basis.to_values(c, n=64), 1.5 + torch.sin(3 * 2 * math.pi * (fine.nodes() - 1) / 3)
                               - 0.5 * torch.cos(7 * 2 * math.pi * (fine.nodes() - 1) / 3), rtol=0, atol=1e-13)
    nyquist = torch.cos(16 * phase)  # on 32 points the Nyquist term: (-1)^j, read as cos(16 phase)
    c = basis.to_coefficients(nyquist)
    padded = FourierBasis(48, 1.0, 3.0)
    on_padded = basis.to_values(c, n=48)
    torch.testing.assert_close(on_padded, torch.cos(16 * 2 * math.pi * (padded.nodes() - 1) / 3), rtol=0, atol=1e-13)
    torch.testing.assert_close(basis.truncate(padded.to_coefficients(on_padded)), c, rtol=0, atol=1e-14)
    with pytest.raises(ValueError, match="even"):
        FourierBasis(7)
    with pytest.raises(ValueError, match="low < high"):
        ChebyshevBasis(8, 1.0, 1.0)


def test_spectral_residuals_of_exact_solutions_are_round_off():
    nu = 0.02
    heat = ReactionDiffusion(nu=nu, rho=0.0)
    t, x = heat.times(33, True), FourierBasis(64, 0.0, heat.length).nodes()
    u = 0.5 + 0.3 * torch.exp(-nu * 9 * t)[:, None] * torch.sin(3 * x)[None]
    assert float(heat.loss(u[None], None, True)) < 1e-26
    logistic = ReactionDiffusion(nu=nu, rho=5.0)
    u = (1 / (1 + (1 / 0.3 - 1) * torch.exp(-5 * t)))[:, None].expand(33, 64)
    assert float(logistic.loss(u[None].clone(), None, True)) < 1e-26
    assert float(logistic.loss(u[None].clone() + 1e-3 * torch.sin(x), None, True)) > 1e-8  # not trivially zero
    u0 = logistic.inputs(2, 0)  # the solver's solution, band-limited data: residual near round-off
    assert float(logistic.loss(logistic.reference(u0, (33, 64), True), u0, True)) < 1e-9
    poisson = Poisson(dimensions=2)
    grid = FourierBasis(256, 0.0, 1.0).nodes()  # inputs live on the fine grid
    y, x = torch.meshgrid(grid, grid, indexing="ij")
    u = torch.sin(2 * math.pi * x) * torch.cos(4 * math.pi * y)
    f = (20 * math.pi**2 * u)[None]
    coarse = u[::8, ::8]
    assert float(poisson.loss(coarse[None], f, True)) < 1e-20
    torch.testing.assert_close(poisson.reference(f, (32, 32), True)[0], coarse, rtol=0, atol=1e-12)


def test_burgers_spectral_residual_of_the_solver_solution_is_round_off():
    burgers = Burgers()
    u0 = burgers.inputs(2, 0)
    t = torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64)
    exact = torch.stack([pdes.burgers_cole_hopf(u0, PeriodicGrid(burgers.length, 256), float(s), 0.1) for s in t], 1)
    torch.testing.assert_close(burgers.solve(u0, t, 256), exact, rtol=0, atol=1e-11)  # the reference's solver
    u = burgers.reference(u0, (33, 128), True)
    assert float(burgers.loss(u, u0, True)) < 1e-16
    assert float(burgers.loss(u[..., ::2], u0, True)) < 1e-8  # the default grid, 33 x 64
    x = FourierBasis(128, 0.0, burgers.length).nodes()
    assert float(burgers.loss(u + 1e-3 * torch.sin(3 * x), u0, True)) > 1e-8  # not trivially zero


def _plane_wave(x: torch.Tensor, t: torch.Tensor, a: float = 0.8, k: int = 3) -> torch.Tensor:
    """``a exp(i (k x - w t))``, ``w = k^2 / 2 - a^2``: an exact NLSE solution, ``(T, n)``."""
    return a * torch.exp(1j * (k * x[None] - (k**2 / 2 - a**2) * t[:, None]))


def test_nlse_spectral_residuals_of_exact_solutions_are_round_off():
    problem = NLSE()
    t, x = problem.times(33, True), FourierBasis(64, 0.0, problem.length).nodes()
    u = _plane_wave(x, t)[None]
    assert float(problem.loss(u, None, True)) < 1e-20
    assert float(problem.loss(1.01 * u, None, True)) > 1e-5  # the frequency of a = 0.8 for a = 0.808
    u0 = _plane_wave(FourierBasis(256, 0.0, problem.length).nodes(), t[-1:])
    torch.testing.assert_close(problem.reference(u0, (33, 64), True), u, rtol=0, atol=1e-9)
    u0 = problem.inputs(2, 0)
    assert float(problem.loss(problem.reference(u0, (65, 64), True), u0, True)) < 1e-9
    with pytest.raises(ValueError, match="channels|shape"):
        problem.solution(u0, torch.zeros(2, 1, 9, 16), True)


def test_grid_residuals_converge_at_second_order():
    burgers, nlse = Burgers(), NLSE()
    u0 = burgers.inputs(1, 0)
    fine = PeriodicGrid(burgers.length, burgers.fine)
    sizes, losses = (32, 64, 128), {"burgers": [], "nlse": []}
    for n in sizes:  # n + 1 times, n points
        t = torch.linspace(0, 1, n + 1, dtype=torch.float64)
        exact = torch.stack([pdes.burgers_cole_hopf(u0, fine, float(s), burgers.nu) for s in t], 1)
        losses["burgers"].append(float(burgers.loss(exact[..., ::burgers.fine // n], u0, False)))
        t, x = nlse.times(n + 1, False), FourierBasis(n, 0.0, nlse.length).nodes()
        losses["nlse"].append(float(nlse.loss(_plane_wave(x, t)[None], None, False)))
    for name, values in losses.items():  # mean squared residual ~ h^4
        slope = np.polyfit(np.log(sizes), np.log(values), 1)[0]
        assert abs(slope + 4) < 0.3, (name, slope, values)


@pytest.mark.parametrize("kinds, grid", [(("chebyshev", "fourier"), (9, 16)), (("fourier", "fourier"), (8, 16)),
                                         (("chebyshev",), (11,))])
def test_nsm_layer_with_unit_weights_on_every_mode_is_the_identity(kinds, grid):
    modes = tuple(n if kind == "chebyshev" else (n // 2 + 1 if axis == len(grid) - 1 else n)
                  for axis, (kind, n) in enumerate(zip(kinds, grid)))
    layer = NSMConv(3, 3, kinds, modes)
    with torch.no_grad():
        layer.weight.zero_()
        for channel in range(3):
            layer.weight[channel, channel] = 1
    h = torch.randn(2, 3, *grid)
    torch.testing.assert_close(layer(h), h, rtol=1e-5, atol=1e-5)


def test_nsm_gradients_reach_every_parameter():
    model = NSM(kinds=("chebyshev", "fourier"), modes=(4, 5), width=6, layers=2)
    model(torch.randn(2, 1, 9, 16)).square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    with pytest.raises(ValueError, match="before"):
        NSM(kinds=("fourier", "chebyshev"), modes=(4, 4))


def test_nsm_learns_periodic_poisson_without_data():
    torch.manual_seed(0)
    problem = Poisson(dimensions=1)
    model = NSM(kinds=problem.kinds, modes=(16,), width=16, layers=4)
    config = SelfSupervisedConfig(grid=(64,), samples=200, batch_size=16, steps=300, learning_rate=3e-3)
    history = train_self_supervised(model, problem, config, progress=False)
    assert history.loss[-1] < 1e-2 * history.loss[0]
    assert evaluate(model, problem, config, count=16) < 0.15


def test_fno_trains_on_the_grid_residual():
    torch.manual_seed(0)
    problem = ReactionDiffusion(nu=0.05, rho=5.0)
    model = FNO(1, 1, modes=(4, 6), width=8, layers=2, padding=0.25)
    config = SelfSupervisedConfig(grid=(16, 32), spectral=False, samples=50, batch_size=8, steps=60,
                                  learning_rate=3e-3)
    history = train_self_supervised(model, problem, config, progress=False)
    assert history.loss[-1] < 0.25 * history.loss[0]
    u0 = problem.inputs(2, 1)
    torch.testing.assert_close(problem.solution(u0, model(problem.model_input(u0, (16, 32)).float()), False)[:, 0],
                               u0[:, ::8].float(), rtol=0, atol=1e-6)  # the initial condition is built in
    assert make_residual_problem(problem.spec()) == problem


@pytest.mark.parametrize("problem", [Burgers(), NLSE()], ids=["burgers", "nlse"])
def test_fno_trains_on_solver_data(problem):
    torch.manual_seed(0)
    model = FNO(problem.channels, problem.channels, modes=(4, 6), width=8, layers=2, padding=0.25)
    config = SelfSupervisedConfig(grid=(16, 32), spectral=False, data=True, samples=50, batch_size=8, steps=100,
                                  learning_rate=1e-2)
    history = train_self_supervised(model, problem, config, progress=False)
    assert history.data_seconds > 0 and history.loss[0] > 0.5 and np.mean(history.loss[-10:]) < 0.5 * history.loss[0]
    assert evaluate(model, problem, config, count=8) < 0.4  # held out: the same relative L2 as the loss
    assert make_residual_problem(problem.spec()) == problem


def test_cli_trains_and_compares_an_nsm(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "nsm", "--problem", "reaction-diffusion", "--nu", "0.05", "--out", str(run), "--quiet",
                 "--set", "model.width=8", "--set", "model.layers=2", "--set", "model.modes=[4, 6]",
                 "--set", "train.grid=[9, 16]", "--set", "train.steps=20", "--set", "train.samples=20"]) == 0
    assert "final loss" in capsys.readouterr().out
    assert main(["evaluate", str(run), "--out", str(tmp_path / "report")]) == 0
    assert float(capsys.readouterr().out.split("relative L2 (mean): ")[1].split()[0]) < 1.0
    assert (tmp_path / "report" / "solution.png").is_file()
    assert main(["train", "nsm", "--problem", "heat", "--out", str(run)]) == 2
    assert "choose from 'reaction-diffusion', 'burgers', 'nlse', 'poisson'" in capsys.readouterr().err


@pytest.mark.parametrize("problem, options", [("burgers", ["--nu", "0.2"]), ("nlse", [])])
def test_cli_trains_and_compares_burgers_and_nlse(tmp_path, capsys, problem, options):
    run = tmp_path / "run"
    assert main(["train", "nsm", "--problem", problem, *options, "--out", str(run), "--quiet",
                 "--set", "model.width=8", "--set", "model.layers=2", "--set", "model.modes=[4, 6]",
                 "--set", "train.grid=[9, 16]", "--set", "train.steps=30", "--set", "train.samples=16"]) == 0
    assert "final loss" in capsys.readouterr().out
    model, extra = load_checkpoint(run)
    assert extra["residual_problem"]["problem"] == problem and model.config["out_channels"] == (problem == "nlse") + 1
    assert main(["evaluate", str(run), "--out", str(tmp_path / "report")]) == 0
    assert float(capsys.readouterr().out.split("relative L2 (mean): ")[1].split()[0]) < 1.0
    assert (tmp_path / "report" / "solution.png").is_file()
    assert main(["train", "nsm", "--problem", problem, "--rho", "1", "--out", str(run)]) == 2
    assert f"sciml train nsm: --rho does not apply to problem '{problem}'" in capsys.readouterr().err
