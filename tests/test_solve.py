"""The solve entry point: per-sample adaptive stepping, exact output times, statistics, errors."""

import math

import pytest
import torch

from solvers.integrators import SemilinearTerm, SolverError, StepSizeController, solve

RATES = torch.tensor([[1.0], [3.0], [10.0]], dtype=torch.float64)


def decay(t, y):
    return -RATES[: y.shape[0]] * y


def test_outputs_at_requested_times_match_exact_solution():
    t = torch.tensor([0.0, 0.13, 0.5, 0.77, 1.0], dtype=torch.float64)
    y0 = torch.ones(3, 1, dtype=torch.float64)
    solution = solve(decay, y0, t, method="dop853", rtol=1e-11, atol=1e-13)
    assert torch.equal(solution.t, t)
    exact = torch.exp(-RATES * t)
    assert solution.y.shape == (3, 5, 1)
    assert (solution.y[..., 0] - exact).abs().max() < 1e-11


def test_each_sample_has_its_own_step_size():
    y0 = torch.ones(3, 1, dtype=torch.float64)
    solution = solve(decay, y0, [0.0, 1.0], method="dopri5", rtol=1e-8, atol=1e-10)
    steps = solution.stats.accepted_steps
    assert steps[0] < steps[1] < steps[2]  # faster decay, more steps, each sample on its own
    assert solution.stats.evaluations >= 6 * int(steps.max())


@pytest.mark.parametrize("method", ["dopri5", "dop853"])
def test_batched_equals_per_sample(method):
    t = torch.linspace(0, 2, 7, dtype=torch.float64)
    y0 = torch.tensor([[1.0], [2.0], [0.5]], dtype=torch.float64)
    batched = solve(decay, y0, t, method=method, rtol=1e-9, atol=1e-12)
    for i in range(3):
        single = solve(lambda s, y, i=i: -RATES[i : i + 1] * y, y0[i : i + 1], t, method=method, rtol=1e-9, atol=1e-12)
        assert torch.allclose(batched.y[i], single.y[0], rtol=1e-13, atol=1e-15)
        assert batched.stats.accepted_steps[i] == single.stats.accepted_steps[0]


def test_unbatched_state_gives_unbatched_solution():
    solution = solve(lambda t, y: -y, torch.ones(2, dtype=torch.float64), [0.0, 1.0], rtol=1e-10, atol=1e-12)
    assert solution.y.shape == (2, 2)
    assert abs(float(solution.y[-1, 0]) - math.exp(-1)) < 1e-10


def test_complex_states_and_semilinear_adaptive():
    term = SemilinearTerm(torch.tensor([2j, -1 + 5j], dtype=torch.complex128), lambda t, u: torch.zeros_like(u))
    u0 = torch.ones(1, 2, dtype=torch.complex128)
    for method in ("dopri5", "if_dop853", "if_dopri5"):
        f = term if method.startswith("if") else term.__call__
        solution = solve(f, u0, [0.0, 3.0], method=method, rtol=1e-10, atol=1e-12)
        exact = torch.exp(term.linear * 3.0)
        assert (solution.y[0, -1] - exact).abs().max() < 1e-8
    # the integrating factor integrates a purely linear problem exactly, whatever the step:
    # with a zero error estimate the step grows by the maximal factor 10 each time
    solution = solve(term, u0, [0.0, 3.0], method="if_dop853", rtol=1e-10, atol=1e-12)
    assert (solution.y[0, -1] - torch.exp(term.linear * 3.0)).abs().max() < 1e-14
    assert int(solution.stats.accepted_steps[0]) <= 10


def test_float32_states_keep_their_dtype():
    y0 = torch.ones(2, 3, dtype=torch.float32)
    solution = solve(lambda t, y: -y, y0, [0.0, 1.0], method="dop853", rtol=1e-5, atol=1e-7)
    assert solution.y.dtype == torch.float32 and solution.t.dtype == torch.float32
    assert abs(float(solution.y[0, -1, 0]) - math.exp(-1)) < 1e-5


def test_blow_up_raises_a_clear_error():
    with pytest.raises(SolverError, match="step size underflow for sample 0"):
        solve(lambda t, y: y * y, torch.ones(1, 1, dtype=torch.float64), [0.0, 2.0], rtol=1e-8, atol=1e-10)


def test_max_steps_guard():
    with pytest.raises(SolverError, match="max_steps=5"):
        solve(decay, torch.ones(3, 1, dtype=torch.float64), [0.0, 10.0], rtol=1e-10, atol=1e-12, max_steps=5)


def test_fixed_step_instability_is_reported():
    with pytest.raises(SolverError, match="non-finite"):
        solve(lambda t, y: -100.0 * y, torch.ones(1, 1, dtype=torch.float64), [0.0, 100.0], method="rk4", dt=0.5)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(rtol=0.0), ValueError, "rtol must be > 0"),
        (dict(rtol=-1e-3), ValueError, "rtol must be a finite number"),
        (dict(atol=float("nan")), ValueError, "atol must be a finite number"),
        (dict(method="euler"), ValueError, "unknown method 'euler'; allowed: rk4, dopri5, dop853"),
        (dict(method="rk4"), ValueError, "fixed-step: pass dt"),
        (dict(method="dopri5", dt=-0.1), ValueError, "dt must be a positive"),
        (dict(method="etdrk4", dt=0.1), TypeError, "needs a SemilinearTerm"),
        (dict(method="strang", dt=0.1), TypeError, "needs a SemilinearTerm with a nonlinear_flow"),
        (dict(t=[0.0, 1.0, 0.5]), ValueError, "strictly increasing"),
        (dict(t=[0.0]), ValueError, "at least 2 output times"),
        (dict(t=[0.0, float("inf")]), ValueError, "t must be finite"),
        (dict(y0=torch.tensor([[float("nan")]])), ValueError, "y0 must be finite"),
        (dict(max_steps=0), ValueError, "max_steps must be a positive integer"),
    ],
)
def test_bad_input(kwargs, error, message):
    arguments = dict(f=lambda t, y: -y, y0=torch.ones(1, 1, dtype=torch.float64), t=[0.0, 1.0])
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        solve(**arguments)


def test_controller_validates_its_factors():
    with pytest.raises(ValueError, match="min_factor"):
        StepSizeController(rtol=1e-6, atol=1e-9, min_factor=2.0)
