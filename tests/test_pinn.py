"""Physics-informed networks: Taylor-mode jets, exact embeddings and constraints, residuals of exact
solutions, the reference solver, collocation, the restarting L-BFGS, LPINN characteristics, CLI."""

import math

import pytest
import torch

from sciml.cli import main
from sciml.models import LPINN, PINN, load_checkpoint, save_checkpoint
from sciml.models.jet import Jet
from sciml.train import PINNConfig, Problem, make_problem, minimize_lbfgs, predict, train_pinn
from sciml.train.collocation import resample, sample
from sciml.train.pinn import lagrangian_jets, solution_jet
from solvers import pdes
from solvers.spectral import PeriodicGrid


def _autograd_derivatives(model, z):
    z = z.clone().requires_grad_(True)
    u = model(z)[:, 0]
    first = torch.autograd.grad(u.sum(), z, create_graph=True)[0]
    second = torch.stack([torch.autograd.grad(first[:, d].sum(), z, retain_graph=True)[0][:, d] for d in range(2)], 1)
    return u, first, second


@pytest.mark.parametrize("options", [dict(periodic=True), dict(periodic=False, activation="sin"),
                                     dict(periodic=True, fourier_features=8, fourier_scale=2.0)])
def test_network_jets_equal_nested_autograd(options):
    model = PINN(x_range=(-1.0, 3.0), t_range=(0.0, 2.0), width=16, depth=3, **options).double()
    z = torch.rand(40, 2, dtype=torch.float64) * torch.tensor([4.0, 2.0]) - torch.tensor([1.0, 0.0])
    u, first, second = _autograd_derivatives(model, z)
    jet = model.jet(z, pure=(0, 1))
    torch.testing.assert_close(jet.value[:, 0], u, rtol=0, atol=1e-13)
    torch.testing.assert_close(jet.first[..., 0].T, first, rtol=1e-11, atol=1e-12)
    torch.testing.assert_close(jet.second[..., 0].T, second, rtol=1e-10, atol=1e-11)


def test_periodic_embedding_is_exactly_periodic():
    model = PINN(x_range=(0.0, 2 * math.pi), periodic=True, fourier_features=4).double()
    t = torch.rand(50, dtype=torch.float64)
    left = model.jet(torch.stack([torch.zeros_like(t), t], 1))
    right = model.jet(torch.stack([torch.full_like(t, 2 * math.pi), t], 1))
    for part in ("value", "first", "second"):
        torch.testing.assert_close(getattr(left, part), getattr(right, part), rtol=1e-12, atol=1e-12)


def _exact_jet(z: torch.Tensor, weight: list[float], shape) -> Jet:
    """A jet of ``shape(w . z)`` for a function of one linear combination of ``(x, t)``."""
    coordinates = Jet.coordinates(z)
    return shape(coordinates[0].affine(weight[0]) + coordinates[1].affine(weight[1]))


def test_residuals_of_exact_solutions_are_round_off():
    z = torch.rand(200, 2, dtype=torch.float64) * torch.tensor([2 * math.pi, 1.0])
    beta, nu, rho = 7.0, 0.05, 2.0
    # convection-diffusion: e^{-nu t} sin(x - beta t)
    wave = _exact_jet(z, [1.0, -beta], Jet.sin) * _exact_jet(z, [0.0, -nu], Jet.exp)
    assert make_problem("convection-diffusion", beta=beta, nu=nu).residual(wave).abs().max() < 1e-13
    # Burgers' stationary viscous shock -tanh(x / 2 nu)
    shock = _exact_jet(z - math.pi, [1 / (2 * nu), 0.0], Jet.tanh).affine(-1.0)
    assert make_problem("burgers", nu=nu).residual(shock).abs().max() < 1e-11
    # Fisher-KPP travelling wave (Ablowitz and Zeppetella 1979): (1 + exp(sqrt(rho/6nu) x - 5 rho t / 6))^-2
    half = _exact_jet(z, [0.5 * math.sqrt(rho / (6 * nu)), -5 * rho / 12], Jet.tanh).affine(-0.5, 0.5)
    assert make_problem("reaction-diffusion", nu=nu, rho=rho).residual(half * half).abs().max() < 1e-12
    assert make_problem("convection", beta=beta).residual(wave).abs().max() > 1e-3  # not trivially zero


def test_lagrangian_residual_uses_the_chain_rule():
    """For ``u(x0, t) = sin X`` along any map ``X``, ``D_t u - nu u_XX = cos(X) X_t + nu sin X``."""
    z = torch.rand(100, 2, dtype=torch.float64) * torch.tensor([2 * math.pi, 1.0])
    coordinates = Jet.coordinates(z)
    X = coordinates[0] + coordinates[0].sin().affine(0.3) * coordinates[1] * coordinates[1]
    problem = make_problem("convection-diffusion", beta=2.0, nu=0.1)
    r_x, r_u = problem.lagrangian_residuals(X, X.sin())
    x0, t = z[:, :1], z[:, 1:]
    with pytest.raises(ValueError, match="second derivatives along"):
        X.dd(1)
    Xv, X_t = x0 + 0.3 * torch.sin(x0) * t**2, 0.6 * torch.sin(x0) * t
    torch.testing.assert_close(r_u, torch.cos(Xv) * X_t + 0.1 * torch.sin(Xv), rtol=0, atol=1e-12)
    torch.testing.assert_close(r_x, X_t - 2.0, rtol=0, atol=1e-13)


def test_reference_solutions():
    convection = make_problem("convection", beta=30.0)
    x, t, u = convection.reference(128, 21)
    torch.testing.assert_close(u, torch.sin(x[None] - 30 * t[:, None]), rtol=0, atol=1e-10)
    burgers = make_problem("burgers", nu=0.1)
    x, t, u = burgers.reference(256, 11)
    grid = PeriodicGrid(2.0, 256)
    exact = pdes.burgers_cole_hopf(-torch.sin(math.pi * grid.x), grid, 1.0, 0.1)
    torch.testing.assert_close(u[-1], exact, rtol=0, atol=1e-9)
    assert u[:, 0].abs().max() < 1e-12  # x = -1: the Dirichlet condition holds
    with pytest.raises(ValueError, match="periodic extension"):
        Problem("bad", "gaussian", (0.0, 1.0), boundary="dirichlet").reference(64, 3)


def test_hard_conditions_hold_exactly():
    problem = make_problem("burgers")
    model = PINN(x_range=problem.x_range, periodic=False, width=8, depth=2).double()
    config = PINNConfig()
    x = torch.linspace(-1, 1, 33, dtype=torch.float64)
    t = torch.linspace(0, 1, 9, dtype=torch.float64)
    u = predict(model, problem, x, t, config)
    torch.testing.assert_close(u[0], problem.initial_values(x), rtol=0, atol=1e-15)
    assert u[:, [0, -1]].abs().max() < 1e-15


def test_collocation_samplers_and_resampling():
    points = sample(64, [0.0, -1.0], [2.0, 1.0], "lhs", seed=3)
    for d, (low, width) in enumerate(((0.0, 2.0), (-1.0, 2.0))):
        strata = torch.floor((points[:, d] - low) / width * 64).long()
        assert torch.equal(strata.sort().values, torch.arange(64))  # one point per stratum
    sobol = sample(256, [0.0, 0.0], [1.0, 1.0], "sobol", seed=1)
    assert sobol.min() >= 0 and sobol.max() <= 1 and abs(float(sobol.mean()) - 0.5) < 0.02
    candidates = torch.rand(1000, 2, dtype=torch.float64)
    residual = torch.where(candidates[:, 0] > 0.9, 100.0, 0.01)
    chosen = resample(candidates, residual, 100, seed=0)
    # the 10% of candidates with large residuals hold 11 / (11 + 9) of the density |r| / mean|r| + 1
    assert (chosen[:, 0] > 0.9).float().mean() > 0.4
    with pytest.raises(ValueError, match="sampler"):
        sample(8, [0.0], [1.0], "grid")
    with pytest.raises(ValueError, match="low < high"):
        sample(8, [1.0], [0.0])


def test_lbfgs_runs_to_convergence():
    x = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    result = minimize_lbfgs([x], lambda: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2, 1000, gtol=1e-10)
    assert result.reason.startswith("converged")
    torch.testing.assert_close(x.detach(), torch.ones(2, dtype=torch.float64), rtol=0, atol=1e-8)
    # an ill-conditioned quadratic (condition 1e4), where torch's L-BFGS with its default tolerances stops short
    generator = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(50, 50, generator=generator, dtype=torch.float64))
    a = (q * torch.logspace(0, 4, 50, dtype=torch.float64)) @ q.T
    b = torch.randn(50, generator=generator, dtype=torch.float64)
    optimum = float(-0.5 * b @ torch.linalg.solve(a, b))
    y = torch.zeros(50, dtype=torch.float64, requires_grad=True)
    result = minimize_lbfgs([y], lambda: 0.5 * y @ a @ y - b @ y, 5000)
    assert abs(result.loss - optimum) < 1e-10 * abs(optimum)
    z = torch.tensor([1.0], requires_grad=True)
    result = minimize_lbfgs([z], lambda: z.sum() * float("nan"), 10)
    assert "not finite" in result.reason and float(z.detach()) == 1.0


def test_pinn_trains_on_slow_convection():
    problem = make_problem("convection", beta=1.0)
    model = PINN(x_range=problem.x_range, width=20, depth=2)
    config = PINNConfig(points=500, adam_steps=200, lbfgs_iterations=300, resample_every=100, candidates=2000)
    history = train_pinn(model, problem, config, progress=False)
    x, t, reference = problem.reference(64, 21)
    error = float((predict(model, problem, x, t, config) - reference).norm() / reference.norm())
    assert error < 1e-2 and history.adam_loss[-1] < history.adam_loss[0]


def test_lpinn_recovers_characteristics_of_fast_convection():
    beta = 30.0
    problem = make_problem("convection", beta=beta)
    model = LPINN(x_range=problem.x_range, width=16, depth=2)
    config = PINNConfig(points=400, adam_steps=100, lbfgs_iterations=150)
    train_pinn(model, problem, config, progress=False)
    z = torch.rand(200, 2, dtype=torch.float64) * torch.tensor([2 * math.pi, 1.0])
    X, u = lagrangian_jets(model, problem, z, config)
    assert (X.value[:, 0] - (z[:, 0] + beta * z[:, 1])).abs().max() < 1e-3
    x, t, reference = problem.reference(64, 21)
    error = float((predict(model, problem, x, t, config) - reference).norm() / reference.norm())
    assert error < 1e-3


def test_checkpoint_round_trip_keeps_float64(tmp_path):
    model = LPINN(x_range=(0.0, 1.0), width=8, depth=2).double()
    model.state.layers[0].weight.data += 1e-12
    path = save_checkpoint(model, tmp_path / "m.pt", problem={})
    loaded, extra = load_checkpoint(path)
    z = torch.rand(5, 2, dtype=torch.float64)
    assert torch.equal(loaded(z), model(z)) and extra["problem"] == {}


def test_configuration_errors():
    with pytest.raises(ValueError, match="sampler"):
        PINNConfig(sampler="grid")
    with pytest.raises(ValueError, match="dtype"):
        PINNConfig(dtype="float16")
    with pytest.raises(ValueError, match="unknown problem"):
        make_problem("heat")
    with pytest.raises(ValueError, match="activation"):
        PINN(activation="relu")
    with pytest.raises(ValueError, match="domain"):
        train_pinn(PINN(x_range=(0.0, 1.0)), make_problem("convection"), PINNConfig(), progress=False)
    with pytest.raises(ValueError, match="periodic"):
        train_pinn(LPINN(x_range=(-1.0, 1.0), periodic=False), make_problem("burgers"), PINNConfig(), progress=False)
    z = torch.zeros(3, 2)
    assert solution_jet(PINN(), make_problem("convection"), z, PINNConfig()).value.shape == (3, 1)


def test_cli_trains_and_compares_a_pinn(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "pinn", "--model", "lpinn", "--problem", "convection", "--beta", "5", "--out", str(run),
                 "--quiet",
                 "--set", "model.width=8", "--set", "model.depth=2", "--set", "train.points=200",
                 "--set", "train.adam_steps=50", "--set", "train.lbfgs_iterations=50"]) == 0
    assert "final loss" in capsys.readouterr().out
    assert main(["evaluate", str(run), "--out", str(tmp_path / "report")]) == 0
    out = capsys.readouterr().out
    assert float(out.split("relative L2: ")[1].split()[0]) < 0.1
    assert (tmp_path / "report" / "fields.png").is_file()
    assert main(["train", "pinn", "--out", str(run), "--set", "model.widht=3"]) == 2
    assert "allowed: periodic, width" in capsys.readouterr().err
    assert main(["train", "operator", "--model", "fno", "--out", str(run)]) == 2
    assert "the following arguments are required: --data" in capsys.readouterr().err
