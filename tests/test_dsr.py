"""Dynamical-systems reconstruction: PWL RNN Jacobians, generalized teacher forcing and its training, D_stsp,
D_H, Lyapunov exponents."""

import dataclasses
import math
import time

import pytest
import torch

from sciml.evaluate.dsr import (
    hellinger_spectrum,
    max_lyapunov_flow,
    max_lyapunov_map,
    state_space_divergence,
    state_space_divergence_gmm,
)
from sciml.evaluate.symbolic import symbol, symbolic_graph
from sciml.models.alrnn_reference import alrnn_from_reference
from sciml.models import RNNEnsemble
from sciml.models.alrnn_forcing import forced_run
from sciml.models.rnn import ALRNN, PLRNN, ShallowPLRNN, _PiecewiseLinearRNN
from sciml.train.teacher_forcing import TeacherForcingConfig, jacobian_norm_bound, train_teacher_forcing
from solvers.integrators import solve
from solvers.systems import Lorenz63

MODELS = [lambda: PLRNN(3, 8), lambda: ShallowPLRNN(3, 6, 20), lambda: ShallowPLRNN(3, 6, 20, clipped=True),
          lambda: ALRNN(3, 10, 2), lambda: ALRNN(3, 10, 4, observation="affine")]


@pytest.fixture(scope="module")
def lorenz() -> torch.Tensor:
    t = torch.arange(0, 210.0, 0.02, dtype=torch.float64)
    y = solve(Lorenz63(), torch.tensor([[1.0, 1.0, 1.0]], dtype=torch.float64), t, method="rk4", dt=0.02).y[0, 500:]
    return (y - y.mean(0)) / y.std(0)


@pytest.mark.parametrize("build", MODELS)
def test_jacobian_equals_autograd(build):
    torch.manual_seed(0)
    model = build().double()
    z = torch.randn(5, model.latent, dtype=torch.float64)
    expected = torch.stack([torch.autograd.functional.jacobian(model.step, z[i]) for i in range(5)])
    assert torch.allclose(model.jacobian(z), expected, atol=1e-12)


@pytest.mark.parametrize("build", MODELS)
def test_generalized_teacher_forcing_limits(build, lorenz):
    torch.manual_seed(1)
    model = build().double()
    x = lorenz[:40].reshape(2, 20, 3)
    _, forced = model.teacher_forced(x, alpha=1.0)
    if model.observation == "identity":
        assert torch.equal(forced[..., :3], x)  # alpha = 1: the observed units are the data
    else:
        assert torch.allclose(model.observe(forced[:, 1:]), x[:, 1:], atol=1e-10)
    predictions, free = model.teacher_forced(x, alpha=0.0)
    generated = model.generate(x[:, 0], 19)
    assert torch.allclose(model.observe(free), generated, atol=1e-12)  # alpha = 0: free running
    assert torch.allclose(predictions, generated[:, 1:], atol=1e-12)


@pytest.mark.parametrize("alpha", [1.0, 0.3])
def test_sparse_teacher_forcing_forces_every_interval_steps(alpha, lorenz):
    torch.manual_seed(4)
    model = ALRNN(3, 8, 2).double()
    x, interval = lorenz[:60].reshape(2, 30, 3), 7
    predictions, states = model.teacher_forced(x, alpha, interval)
    assert torch.equal(states[:, 0, :3], x[:, 0])
    for t in range(1, 30):
        free = model.step(states[:, t - 1])
        assert torch.allclose(predictions[:, t - 1], free[:, :3], atol=1e-12)
        forced = (1 - alpha) * free[:, :3] + alpha * x[:, t] if t % interval == 0 else free[:, :3]
        assert torch.allclose(states[:, t, :3], forced, atol=1e-12)
        assert torch.allclose(states[:, t, 3:], free[:, 3:], atol=1e-12)  # hidden units are never forced
    assert not torch.allclose(states[:, 13, :3], x[:, 13], atol=1e-3)  # between forcings the model runs free
    with pytest.raises(ValueError, match="interval must be >= 1"):
        model.teacher_forced(x, alpha, 0)
    with pytest.raises(ValueError, match=r"alpha must lie in \[0, 1\]"):
        model.teacher_forced(x, 1.5, interval)
    with pytest.raises(ValueError, match="interval must be >= 1"):
        TeacherForcingConfig(interval=0)


def test_compiled_segments_equal_eager(lorenz):
    torch.manual_seed(4)
    model = ALRNN(3, 6, 2).double()
    x = lorenz[:22].reshape(2, 11, 3)
    outputs = []
    for compiled in (False, True):
        if compiled:
            model.compile_segments()
        predictions, states = model.teacher_forced(x, 0.7, 4)  # segments of 4 steps and a last one of 2
        (predictions.square().sum() + states.sum()).backward()
        outputs.append([predictions, states] + [p.grad.clone() for p in model.parameters()])
        model.zero_grad()
    for eager, compiled in zip(*outputs, strict=True):
        assert torch.allclose(eager, compiled, rtol=1e-12, atol=1e-12)


def _forcing_outputs(model, x, alpha, interval, autograd_path: bool):
    """Predictions, states and every parameter's gradient of a loss on both outputs."""
    model.zero_grad()
    run = _PiecewiseLinearRNN.teacher_forced if autograd_path else type(model).teacher_forced
    predictions, states = run(model, x, alpha, interval)
    weights = torch.linspace(-1, 1, states.shape[-1], dtype=states.dtype)
    ((predictions - x[..., 1:, :]).square().sum() + (states * weights).sum()).backward()
    return [predictions.detach(), states.detach()] + [p.grad.clone() for p in model.parameters()]


@pytest.mark.parametrize("alpha, interval", [(1.0, 5), (0.3, 4), (0.0, 7), (0.7, 1), (0.5, 30)])
def test_alrnn_hand_written_backward_equals_autograd(alpha, interval):
    """The AL-RNN's fused teacher-forced run (forced_run) against the generic autograd path: the same
    predictions, states and gradients, with a partial last segment and a segment longer than the data."""
    torch.manual_seed(6)
    model, x = ALRNN(3, 8, 2).double(), torch.randn(4, 23, 3, dtype=torch.float64)
    for fused, reference in zip(_forcing_outputs(model, x, alpha, interval, False),
                                _forcing_outputs(model, x, alpha, interval, True), strict=True):
        assert torch.allclose(fused, reference, rtol=1e-12, atol=1e-13)
    members = RNNEnsemble.stack([ALRNN(3, 8, 2).double() for _ in range(3)])
    xs, alphas = torch.randn(3, 4, 23, 3, dtype=torch.float64), torch.tensor([1.0, 0.4, 0.0], dtype=torch.float64)
    predictions, _ = members.teacher_forced(xs, alphas, interval)
    predictions.square().sum().backward()
    for k in range(3):  # each member's gradient through the ensemble equals its own generic path
        alone = members.member(k)
        reference = _forcing_outputs(alone, xs[k], float(alphas[k]), interval, True)
        gradients = {name: value.grad[k] for name, value in members.stacked.items()}
        alone.zero_grad()
        own, _ = _PiecewiseLinearRNN.teacher_forced(alone, xs[k], float(alphas[k]), interval)
        own.square().sum().backward()
        assert torch.allclose(predictions[k].detach(), reference[0], rtol=1e-12, atol=1e-13)
        for name, value in alone.named_parameters():
            assert torch.allclose(gradients[name.replace(".", "__")], value.grad, rtol=1e-12, atol=1e-13)
    with pytest.raises(ValueError, match="no gradient for x or alpha"):
        forced_run(torch.zeros(8), model.A, model.W, model.h, model.floor, x[0].requires_grad_(), torch.tensor(1.0), 4)


def test_alrnn_teacher_forcing_costs_at_most_10_tensor_operations_a_step():
    """The outermost aten events (those not called by another aten operation) of a forward and backward
    pass of 100 forced steps, from torch.profiler: the fused run's count a step, at most a third of the
    generic autograd path's (deterministic, not a timing)."""
    torch.manual_seed(7)
    model, x = ALRNN(3, 20, 2), torch.randn(64, 101, 3)

    def operations(autograd_path: bool) -> float:
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
            _forcing_outputs(model, x, 1.0, 16, autograd_path)
        return sum(1 for event in profile.events() if event.name.startswith("aten::")
                   and not (event.cpu_parent is not None and event.cpu_parent.name.startswith("aten::"))) / 100

    fused, generic = operations(False), operations(True)
    assert fused <= 10 and 3 * fused <= generic, (fused, generic)


def test_alrnn_initialisation_and_self_coupling():
    torch.manual_seed(5)
    model = ALRNN(3, 20, 2)
    assert 0 < model.A.min() and model.A.max() <= 1 + 1e-6  # diagonal of K / max|eig K|, K positive definite
    assert model.A.std() > 0.01 and model.h.abs().max() == 0 and model.W.std() < 0.02
    assert model.mask.diagonal().tolist() == [0.0] * 18 + [1.0] * 2  # self-coupling only through the relu
    with torch.no_grad():
        model.W.zero_()
        model.W[19, 19] = 0.5
        z = torch.zeros(2, 20)
        z[:, 19] = torch.tensor([1.0, -1.0])
        a = float(model.A[19])
        assert model.step(z)[:, 19].tolist() == pytest.approx([a + 0.5, -a])


def test_reference_alrnn_state_maps_onto_ours():
    """A state dict in the reference code's parameterisation (W full, its diagonal on the linear units
    duplicating A; z_0 = x B with the observed units then set to x) gives the same orbits as ours."""
    torch.manual_seed(2)
    observed, latent, piecewise = 2, 6, 2
    state = {"A": 0.5 + 0.3 * torch.rand(latent, dtype=torch.float64),
             "W": 0.3 * torch.randn(latent, latent, dtype=torch.float64),
             "h": 0.2 * torch.randn(latent, dtype=torch.float64),
             "B": torch.randn(observed, latent, dtype=torch.float64)}
    x = torch.randn(4, observed, dtype=torch.float64)
    z = x @ state["B"]
    z[:, :observed] = x
    theirs = [z]
    for _ in range(30):
        phi = torch.cat([z[:, :-piecewise], torch.relu(z[:, -piecewise:])], 1)
        z = state["A"] * z + phi @ state["W"].T + state["h"]
        theirs.append(z)
    model = alrnn_from_reference(state, piecewise)
    assert model.A.dtype == torch.float64 and model.piecewise == piecewise
    assert float(model.A.detach()[0]) == pytest.approx(float(state["A"][0] + state["W"][0, 0]), abs=1e-15)
    assert float(model.W.detach()[5, 5]) == float(state["W"][5, 5])  # a relu unit keeps its self-coupling
    with torch.no_grad():
        ours = model.run(model.initial_state(x), 30)
    theirs = torch.stack(theirs, 1)
    assert (ours - theirs).abs().max() <= 1e-13 * theirs.abs().max()
    with pytest.raises(ValueError, match="missing B"):
        alrnn_from_reference({name: state[name] for name in ("A", "W", "h")}, piecewise)
    with pytest.raises(ValueError, match="shapes"):
        alrnn_from_reference(state | {"h": torch.zeros(latent + 1)}, piecewise)


def test_gradient_through_a_forced_step_scales_by_one_minus_alpha():
    model = ALRNN(2, 2, 0).double()  # linear: F(z) = A z + W z + h
    x = torch.randn(1, 3, 2, dtype=torch.float64)
    z0 = model.initial_state(x[:, 0]).detach().requires_grad_()
    alpha = 0.3
    z1 = model._force(model.step(z0), x[:, 1], alpha)
    gradient = torch.autograd.grad(z1.sum(), z0)[0]
    expected = (1 - alpha) * torch.ones(1, 2, dtype=torch.float64) @ model.jacobian(z0.detach())[0]
    assert torch.allclose(gradient, expected, atol=1e-12)


def test_state_space_divergence_and_hellinger(lorenz):
    first, second = lorenz[:5000], lorenz[5000:10000]
    assert state_space_divergence(lorenz, lorenz) < 1e-12
    assert hellinger_spectrum(first, first) < 1e-7
    same_attractor = state_space_divergence(lorenz[:5000], lorenz[5000:])
    shifted = state_space_divergence(lorenz[:5000], lorenz[5000:] + 1.5)
    assert same_attractor < 1.5 and shifted > 5 * same_attractor
    noise = torch.randn_like(second)
    assert hellinger_spectrum(first, second) < 0.2 < hellinger_spectrum(first, noise)
    assert hellinger_spectrum(first, torch.full_like(second, 0.3)) > 0.9  # a collapsed model: all power at 0
    with pytest.raises(ValueError, match="equal shape"):
        hellinger_spectrum(first, second[:100])


def test_gaussian_mixture_state_space_divergence(lorenz):
    assert state_space_divergence_gmm(lorenz, lorenz) == 0.0  # the same mixture: log p - log q vanishes
    # one centre each: KL(N(a, s^2 I) || N(b, s^2 I)) = |a - b|^2 / (2 s^2), here 0.625; Monte Carlo error ~0.01
    a, b = torch.zeros(1, 4, dtype=torch.float64), torch.tensor([[0.5, -0.5, 0.5, 0.5]], dtype=torch.float64)
    estimate = state_space_divergence_gmm(a, b, scale=0.8, samples=20_000)
    assert estimate == pytest.approx(1.0 / (2 * 0.64), rel=0.04)
    same_attractor = state_space_divergence_gmm(lorenz[:5000], lorenz[5000:], scale=0.3)
    shifted = state_space_divergence_gmm(lorenz[:5000], lorenz[5000:] + 1.5, scale=0.3)
    assert same_attractor < 0.5 and shifted > 10 * same_attractor
    with pytest.raises(ValueError, match="scale must be > 0"):
        state_space_divergence_gmm(a, b, scale=0.0)


def test_symbolic_transition_graph():
    patterns = torch.tensor([[0, 1], [0, 1], [1, 1], [0, 1], [0, 0], [0, 0], [0, 1], [1, 1]])
    graph = symbolic_graph(patterns)
    assert graph.symbols == ["01", "00", "11"]  # by occupancy: 4, 2, 2 (ties in lexicographic order)
    assert graph.occupancy.tolist() == [0.5, 0.25, 0.25]
    assert graph.counts.tolist() == [[1, 1, 2], [1, 1, 0], [1, 0, 0]]
    assert torch.allclose(graph.transitions.sum(1), torch.ones(3, dtype=torch.float64))
    torch.manual_seed(2)
    model = ALRNN(3, 10, 3)
    with torch.no_grad():
        model.W.mul_(40)
        orbit = model.run(torch.randn(1, 10), 500)[0]
    graph = symbolic_graph(model.region(orbit))
    assert len(graph.symbols) == model.subregions(orbit).unique().numel() > 1
    visits = graph.counts.sum(1)  # every visit but the very last leaves by one transition
    visits[graph.symbols.index(symbol(model.region(orbit[-1])))] += 1
    assert torch.allclose(visits, graph.occupancy * orbit.shape[0])
    with pytest.raises(ValueError, match="time >= 2"):
        symbolic_graph(patterns[:1])


def test_lyapunov_exponents():
    lorenz = max_lyapunov_flow(Lorenz63(), torch.tensor([1.0, 1.0, 1.0]), dt=0.02, steps=25_000, transient=500)
    assert abs(lorenz - 0.90) < 0.05, lorenz
    a = torch.tensor([0.5, -0.8, 0.3], dtype=torch.float64)
    linear = max_lyapunov_map(lambda z: a * z, lambda z: torch.diag(a), torch.ones(3, dtype=torch.float64), 200, 100)
    assert linear == pytest.approx(math.log(0.8), abs=1e-9)


def test_alrnn_subregion_codes():
    model = ALRNN(3, 6, 3)
    z = torch.tensor([[0.0, 0, 0, 1.0, -1.0, 2.0], [5.0, 5, 5, -1.0, -1.0, -1.0]])
    assert model.subregions(z).tolist() == [0b101, 0]
    with pytest.raises(ValueError, match="piecewise units must lie in"):
        ALRNN(3, 6, 7)


def test_jacobian_norm_bound_and_adaptive_forcing():
    model = ALRNN(2, 2, 0).double()
    with torch.no_grad():
        model.A.fill_(2.0)
        model.W.zero_()
    states = torch.randn(3, 10, 2, dtype=torch.float64)
    assert jacobian_norm_bound(model, states) == pytest.approx(2.0, rel=1e-12)
    switching = ALRNN(2, 2, 1).double()  # J = diag(A) + W diag(1, [z_2 > 0]): two subregions
    with torch.no_grad():
        switching.A.copy_(torch.tensor([0.5, 0.5]))
        switching.W.copy_(torch.tensor([[0.0, 3.0], [0.0, 0.0]]))
    on, off = torch.tensor([0.0, 1.0], dtype=torch.float64), torch.tensor([0.0, -1.0], dtype=torch.float64)
    sequences = torch.stack([torch.stack([on, off, off, off]), torch.stack([on, on, off, off])])
    norm_on = float(torch.linalg.matrix_norm(switching.jacobian(on).detach(), ord=2))  # 0.5 off the region
    assert jacobian_norm_bound(switching, sequences) == pytest.approx((norm_on**2 * 0.25) ** 0.25, rel=1e-12)
    rotation = torch.tensor([[math.cos(0.3), -math.sin(0.3)], [math.sin(0.3), math.cos(0.3)]], dtype=torch.float64)
    data = torch.stack([torch.tensor([1.0, 0.0], dtype=torch.float64) @ torch.linalg.matrix_power(rotation, k).T
                        for k in range(400)])
    torch.manual_seed(2)
    learner = ALRNN(2, 4, 0).double()
    config = TeacherForcingConfig(epochs=60, batches_per_epoch=5, batch_size=8, sequence=20, learning_rate=3e-2,
                                  final_learning_rate=3e-3, noise=0.0)
    history = train_teacher_forcing(learner, data, config, progress=False)
    assert history.loss[-1] < 0.01 * history.loss[0]
    assert all(0.0 <= alpha <= 1.0 for alpha in history.alpha)
    free = learner.generate(data[:1], 20)[0]
    assert (free - data[:21]).abs().max() < 0.1  # the learned map rotates like the data
    expected = [3e-2 * 0.1 ** (epoch / 59) for epoch in range(60)]  # exponential decay over the epochs
    assert history.learning_rate == pytest.approx(expected, rel=1e-9)
    timed = dataclasses.replace(config, epochs=10**6, time_limit=1.0)
    start = time.perf_counter()
    history = train_teacher_forcing(learner, data, timed, progress=False)
    assert 1.0 <= time.perf_counter() - start < 5.0 and len(history.loss) < 10**6
    assert history.learning_rate[-1] < 2 * 3e-3  # annealed over the time budget, not the epoch count
    with pytest.raises(ValueError, match="alpha must be 'adaptive' or a number in"):
        TeacherForcingConfig(alpha=1.5)
    with pytest.raises(ValueError, match="trajectory must be"):
        train_teacher_forcing(learner, data[:, :1], config, progress=False)


@pytest.mark.parametrize("build", [lambda: PLRNN(2, 6), lambda: ShallowPLRNN(2, 4, 5),
                                   lambda: ShallowPLRNN(2, 4, 3, clipped=True), lambda: ALRNN(2, 8, 4)])
def test_fixed_points_by_enumeration(build):
    torch.manual_seed(3)
    model = build().double()
    with torch.no_grad():
        model.h.normal_()
    points = model.fixed_points()
    assert points, "a contracting map (|A| < 1, small W) has a fixed point"
    for z, eigenvalues in points:
        assert torch.allclose(model.step(z), z, atol=1e-10)
        assert torch.allclose(torch.linalg.eigvals(model.jacobian(z)), eigenvalues)


def test_train_and_evaluate_cli(tmp_path, capsys):
    from sciml.cli import main as cli
    from sciml.data import generate, load

    data = generate(load("lorenz63", {"samples": "2", "time.end": "30.0", "time.snapshots": "3001"}),
                    tmp_path / "l63.h5", progress=False)
    assert cli(["train", "rnn", "--model", "alrnn", "--data", str(data), "--out", str(tmp_path / "run"),
                "--epochs", "2", "--quiet", "--set", "train.batches_per_epoch=3", "--set", "train.sequence=50",
                "--set", "select.steps=3000"]) == 0
    assert cli(["evaluate", str(tmp_path / "run"), "--data", str(data), "--sample", "1"]) == 0
    printed = capsys.readouterr().out
    for metric in ("D_stsp", "D_H", "PE(20)", "lambda_max solver", "subregions visited"):
        assert metric in printed
    solver = float(printed.split("lambda_max solver: ")[1].split()[0])
    assert abs(solver - 0.9) < 0.1
    report = tmp_path / "run" / "evaluation"
    assert all((report / f"{name}.png").is_file() for name in ("attractor", "spectra", "subregions"))
    table = (report / "report.md").read_text().split("Fixed points")[1]
    assert "| stable |" in table and table.count("\n|") >= 2  # the header, and every fixed point a row
    assert cli(["evaluate", str(tmp_path / "run"), "--data", str(data), "--sample", "5"]) == 2
    assert "sample 5 is not in" in capsys.readouterr().err
