"""Lean stepping and dense output: tensor operations per evaluation (deterministic, from torch.profiler),
interpolant orders by log-log fit, dense against clipped outputs, steps independent of the outputs."""

import math

import pytest
import torch

from solvers import nlse
from solvers.integrators import DOP853, DOPRI5, RungeKutta, SemilinearTerm, SplitStep, solve

from test_convergence import fitted_order, rotating_riccati


def _aten_events_per_evaluation(run) -> float:
    run()  # warm-up: one-time allocations of the first call are not the method's cost
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
        solution = run()
    events = sum(1 for event in profile.events() if event.name.startswith("aten::"))
    return events / solution.stats.evaluations


def test_if_dop853_nlse_costs_at_most_30_tensor_operations_per_evaluation():
    """Every aten event the profiler records, nested ones included, over a whole solve (set-up, initial
    step, rejected steps and dense output at 11 times included), per evaluation of the cubic term."""
    grid = nlse.Grid(L=50.0, n=512)
    u0 = nlse.seed_single_soliton(grid.x)
    times = torch.linspace(0.0, 2.0, 11, dtype=torch.float64)
    per_evaluation = _aten_events_per_evaluation(
        lambda: nlse.solve(u0, grid, times, method="if_dop853", rtol=1e-8, atol=1e-10))
    assert per_evaluation <= 30, per_evaluation


def _one_step_errors(method, integrating_factor, problem, steps, theta):
    term, u0, _, _ = problem()
    stepper = RungeKutta(method, integrating_factor=integrating_factor)
    f = term if integrating_factor else term.__call__
    errors = []
    for h in steps:
        t = torch.zeros(u0.shape[0], dtype=torch.float64)
        stages = stepper.start(f, t, u0)
        stages.h.fill_(h)
        stepper.step(stages, t)
        value = stepper.interpolate(stages, torch.full_like(t, theta))
        reference = solve(f, u0, [0.0, theta * h], method="dop853", rtol=1e-13, atol=1e-15, clip=True).y[:, -1]
        errors.append(float((value - reference).abs().max()))
    return errors


@pytest.mark.parametrize("tableau, order, steps", [(DOPRI5, 4, [0.2, 0.1, 0.05, 0.025]),
                                                   (DOP853, 7, [0.4, 0.3, 0.2, 0.15])])
@pytest.mark.parametrize("integrating_factor", [False, True])
def test_dense_output_order(tableau, order, steps, integrating_factor):
    """Error of the interpolant at mid-step over one step of size h: O(h^(order + 1))."""
    errors = _one_step_errors(tableau, integrating_factor, rotating_riccati, steps, 0.5)
    assert min(errors) > 1e-14 and abs(fitted_order(steps, errors) - (order + 1)) <= 0.4, errors


def test_interpolant_ends_on_the_step():
    term, u0, _, _ = rotating_riccati()
    stepper = RungeKutta(DOP853, integrating_factor=True)
    t = torch.zeros(u0.shape[0], dtype=torch.float64)
    stages = stepper.start(term, t, u0)
    stages.h.copy_(torch.tensor([0.1, 0.3], dtype=torch.float64))
    stepper.step(stages, t)
    start, end = (stepper.interpolate(stages, torch.full_like(t, theta)) for theta in (0.0, 1.0))
    assert torch.allclose(start, u0, rtol=0, atol=1e-15) and torch.allclose(end, stages.y_new, rtol=0, atol=1e-14)


@pytest.mark.parametrize("method", ["if_dop853", "if_dopri5", "dop853"])
def test_dense_outputs_agree_with_clipped_steps_and_cost_no_steps(method):
    grid = nlse.Grid(L=60.0, n=256)  # sech tails and spectra below 1e-9 at the box edge and at Nyquist
    solitons = ((1.0, 0.5, -3.0), (0.9, -0.3, 4.0))
    u0 = torch.stack([nlse.soliton(grid.x, a, v, x0) for a, v, x0 in solitons])
    few, many = (torch.linspace(0.0, 3.0, n, dtype=torch.float64) for n in (3, 61))
    options = dict(method=method, rtol=1e-9, atol=1e-11)
    dense, dense_few = nlse.solve(u0, grid, many, **options), nlse.solve(u0, grid, few, **options)
    assert torch.equal(dense.stats.accepted_steps, dense_few.stats.accepted_steps)
    assert torch.equal(dense.u[:, ::30], dense_few.u)  # the same steps give the same values
    clipped, clipped_many = (nlse.solve(u0, grid, times, clip=True, **options) for times in (few, many))
    assert float((dense_few.u - clipped.u).abs().max()) < 1e-7  # within the tolerance of the clipped solution
    assert (clipped_many.stats.accepted_steps >= 60).all()  # clipping costs a step an output
    assert (dense.stats.accepted_steps < clipped_many.stats.accepted_steps).all()
    exact = torch.stack([torch.stack([nlse.soliton(grid.x, a, v, x0, t=float(s)) for s in many]) for a, v, x0 in solitons])
    assert float((dense.u - exact).abs().max()) < 1e-7  # the tolerance's accuracy between the steps too


def test_dense_output_from_an_earlier_start():
    """``t0`` before the first output: the states before ``t[0]`` are solved but not kept."""
    term, u0, _, _ = rotating_riccati()
    full = solve(term, u0, torch.linspace(0.0, 1.0, 5, dtype=torch.float64), method="if_dop853", rtol=1e-10, atol=1e-12)
    later = solve(term, u0, torch.linspace(0.5, 1.0, 3, dtype=torch.float64), method="if_dop853", rtol=1e-10,
                  atol=1e-12, t0=0.0)
    assert later.y.shape == (2, 3, 4) and torch.allclose(later.y, full.y[:, 2:], rtol=0, atol=1e-13)


@pytest.mark.parametrize("kwargs, message", [
    (dict(t0=0.5), "lies before t0=0.5, outside the solved interval"),
    (dict(t0=-1.0, clip=True), "t0 before t\\[0\\] needs dense output"),
    (dict(t0=-1.0, method="rk4", dt=0.1), "fixed steps start at t\\[0\\]"),
    (dict(clip="yes"), "clip must be True or False"),
    (dict(method="split_step5", dt=0.1), "unknown method 'split_step5'"),
])
def test_bad_dense_output_requests(kwargs, message):
    arguments = dict(f=lambda t, y: -y, y0=torch.ones(1, 1, dtype=torch.float64), t=[0.0, 1.0])
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        solve(**arguments)


def test_odd_composition_order_is_refused():
    with pytest.raises(ValueError, match="split-step order must be one of 2, 4, 6, 8, got 5"):
        SplitStep(5)


def test_semilinear_factor_is_folded_into_every_method():
    """``u' = L u + D N(u)`` with a diagonal ``D`` gives the same solution by every semilinear method
    as the same problem with ``D`` inside ``N``."""
    linear = torch.tensor([1j, -2j, 0.5j], dtype=torch.complex128)
    factor = torch.tensor([1j, -0.5 + 0j, 2.0 + 1j], dtype=torch.complex128)
    u0 = torch.tensor([[0.3 + 0.1j, 0.2j, 0.4 + 0j]], dtype=torch.complex128)
    folded = SemilinearTerm(linear, lambda t, u: -u * u, factor=factor)
    inside = SemilinearTerm(linear, lambda t, u: -factor * u * u)
    for method, options in (("if_dop853", dict(rtol=1e-10, atol=1e-12)), ("etdrk4", dict(dt=0.01)),
                            ("dopri5", dict(rtol=1e-10, atol=1e-12))):
        a = solve(folded if method != "dopri5" else folded.__call__, u0, [0.0, 1.0], method=method, **options).y
        b = solve(inside if method != "dopri5" else inside.__call__, u0, [0.0, 1.0], method=method, **options).y
        assert torch.allclose(a, b, rtol=0, atol=1e-9), method
    with pytest.raises(ValueError, match="size must be an integer"):
        SemilinearTerm(linear, lambda t, u: u, size=4)
    assert math.isfinite(float(solve(folded, u0, [0.0, 1.0], method="if_dop853").y.abs().max()))
