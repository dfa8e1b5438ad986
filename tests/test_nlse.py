"""The NLSE solver against analytic results: solitons, collisions, breathers, modulation instability."""

import math

import numpy as np
import pytest
import torch

from solvers import nlse
from solvers.integrators import SolverError

SEED_GRID = nlse.Grid(L=50.0, n=512)
SEED_TIMES = torch.linspace(0, 20, 101, dtype=torch.float64)


def relative_drift(values: torch.Tensor) -> float:
    return float(((values - values[..., :1]).abs() / values[..., :1].abs()).max())


def test_api_as_written_in_the_issue():
    grid = nlse.Grid(L=50.0, n=512)
    u0 = nlse.soliton(grid.x, amplitude=2.0, velocity=1.0, x0=-10.0)
    sol = nlse.solve(u0, grid, t=torch.linspace(0, 1, 11), method="dop853", rtol=1e-10, atol=1e-12)
    assert sol.t.shape == (11,) and sol.u.shape == (11, 512)
    invariants = nlse.invariants(sol.u, grid)
    assert set(invariants) == {"mass", "momentum", "energy"}
    assert all(value.shape == (11,) for value in invariants.values())
    batched = nlse.solve(torch.stack([u0, 0.5 * u0]), grid, t=torch.linspace(0, 1, 11), rtol=1e-10, atol=1e-12)
    assert batched.u.shape == (2, 11, 512)


def test_soliton_invariants_are_exact():
    amplitude, velocity = 1.7, -0.6
    u = nlse.soliton(SEED_GRID.x, amplitude, velocity, 3.0)
    invariants = nlse.invariants(u, SEED_GRID)
    assert float(invariants["mass"]) == pytest.approx(2 * amplitude, rel=1e-13)
    assert float(invariants["momentum"]) == pytest.approx(2 * amplitude * velocity, rel=1e-13)
    assert float(invariants["energy"]) == pytest.approx(amplitude * velocity**2 - amplitude**3 / 3, rel=1e-12)


@pytest.mark.parametrize("method, options", [
    ("dop853", dict(rtol=1e-10, atol=1e-12)),
    ("if_dop853", dict(rtol=1e-12, atol=1e-14)),
    ("etdrk4", dict(dt=6e-4)),
])
def test_seed_single_soliton(method, options):
    """Seed case (L = 50, n = 512, t = 20): error <= 1e-9, mass drift <= 1e-12, energy drift <= 1e-9."""
    u0 = nlse.seed_single_soliton(SEED_GRID.x)
    sol = nlse.solve(u0, SEED_GRID, SEED_TIMES, method=method, **options)
    exact = nlse.soliton(SEED_GRID.x, 2.0, 1.0, -10.0, t=20.0)
    invariants = nlse.invariants(sol.u, SEED_GRID)
    assert float((sol.u[-1] - exact).abs().max()) <= 1e-9
    assert relative_drift(invariants["mass"]) <= 1e-12
    assert relative_drift(invariants["energy"]) <= 1e-9


def test_seed_filter_has_an_accuracy_floor_that_padding_removes():
    """The seed's 2/3-rule filter cannot reach the exact soliton below ~1e-7; 2x padding can."""
    u0 = nlse.seed_single_soliton(SEED_GRID.x)
    t = torch.tensor([0.0, 20.0], dtype=torch.float64)
    exact = nlse.soliton(SEED_GRID.x, 2.0, 1.0, -10.0, t=20.0)
    errors = {
        name: float((nlse.solve(u0, SEED_GRID, t, dealiasing=name, rtol=1e-11, atol=1e-13).u[-1] - exact).abs().max())
        for name in ("filter", "pad")
    }
    assert errors["filter"] > 1e-7 and errors["pad"] < 1e-9, errors


def _position_and_phase(u, x, amplitude, velocity, centre, t):
    """Centre of mass of |u|^2 near ``centre`` and the phase against ``A sech(A(x - pos)) e^{i v x + i (A^2 - v^2) t / 2}``."""
    window = ((x - centre).abs() < 12).to(u.real.dtype)
    density = u.abs().square() * window
    position = float((x * density).sum() / density.sum())
    reference = nlse.soliton(x, amplitude, velocity, position) * complex(
        math.cos((amplitude**2 - velocity**2) * t / 2), math.sin((amplitude**2 - velocity**2) * t / 2))
    phase = float(torch.angle((u * reference.conj() * window).sum()))
    return position, phase


def test_two_soliton_collision_shifts():
    """Seed amplitudes and velocities on a domain twice as long: shifts within 1e-6 of the formulas (issue: 1e-3)."""
    (a1, a2), (v1, v2), (x1, x2) = (2.0, 1.5), (2.0, -2.0), (-10.0, 10.0)
    grid = nlse.Grid(L=100.0, n=1024)
    t_end = 10.0
    u0 = nlse.n_solitons(grid.x, (a1, a2), (v1, v2), (x1, x2))
    u = nlse.solve(u0, grid, torch.tensor([0.0, t_end], dtype=torch.float64), rtol=1e-10, atol=1e-12).u[-1]
    dv = v1 - v2
    ratio = (dv**2 + (a1 + a2) ** 2) / (dv**2 + (a1 - a2) ** 2)
    expected_shift = (math.log(ratio) / a1, -math.log(ratio) / a2)
    expected_phase = (2 * (math.atan((a1 + a2) / dv) - math.atan((a1 - a2) / dv)),
                      2 * (math.atan((a1 + a2) / dv) + math.atan((a1 - a2) / dv)))
    assert expected_shift[0] == pytest.approx(0.2765, abs=1e-4) and expected_phase[1] == pytest.approx(1.686, abs=1e-3)
    for amplitude, velocity, start, shift, phase in zip((a1, a2), (v1, v2), (x1, x2), expected_shift, expected_phase):
        position, measured_phase = _position_and_phase(u, grid.x, amplitude, velocity, start + velocity * t_end, t_end)
        assert abs(position - (start + velocity * t_end) - shift) < 1e-6
        assert abs(math.remainder(measured_phase - phase, 2 * math.pi)) < 1e-6


@pytest.mark.parametrize("a", [0.25, 0.4])
def test_akhmediev_breather(a):
    """One spatial period, t from -6 through the peak at t = 0 to 3: max error <= 1e-6."""
    grid = nlse.Grid(L=2 * math.pi / nlse.akhmediev_wavenumber(a), n=128)
    t = torch.linspace(-6.0, 3.0, 91, dtype=torch.float64)
    sol = nlse.solve(nlse.akhmediev_breather(grid.x, -6.0, a), grid, t, rtol=1e-12, atol=1e-14)
    exact = torch.stack([nlse.akhmediev_breather(grid.x, float(s), a) for s in t])
    assert float((sol.u - exact).abs().max()) <= 1e-6
    assert float(sol.u.abs().max()) == pytest.approx(1 + 2 * math.sqrt(2 * a), rel=1e-6)


def test_peregrine_peak_and_background():
    x = torch.tensor([0.0, 1e6], dtype=torch.float64)
    u = nlse.peregrine(x, 0.0)
    assert float(u[0].abs()) == pytest.approx(3.0) and float(u[1].abs()) == pytest.approx(1.0, abs=1e-11)


@pytest.mark.parametrize("sideband", [1.0, math.sqrt(2.0)])
def test_modulation_instability_growth_rate(sideband):
    """A seeded sideband K of the unit plane wave grows at K sqrt(P - K^2/4) in the linear stage: within 2%."""
    power = 1.0
    grid = nlse.Grid(L=2 * math.pi / sideband, n=32)
    t = torch.linspace(0.0, 12.0, 121, dtype=torch.float64)
    u0 = nlse.modulated_plane_wave(grid.x, power=power, sideband=sideband, epsilon=1e-8)
    c = grid.to_coefficients(nlse.solve(u0, grid, t, rtol=1e-12, atol=1e-16).u)
    amplitude = torch.sqrt(c[:, 1].abs() ** 2 + c[:, -1].abs() ** 2)
    linear_stage = t >= 4.0
    design = torch.stack([t[linear_stage], torch.ones_like(t[linear_stage])], dim=1)
    rate = float(torch.linalg.lstsq(design, amplitude[linear_stage].log()[:, None]).solution[0])
    expected = sideband * math.sqrt(power - sideband**2 / 4)
    assert abs(rate / expected - 1) < 0.02
    assert float(amplitude[-1]) < 1e-2  # still linear


def test_defocusing_plane_wave_is_exact():
    grid = nlse.Grid(L=2 * math.pi, n=32)
    u0 = nlse.plane_wave(grid.x, power=2.0, wavenumber=3.0, nonlinearity=-1.0)
    sol = nlse.solve(u0, grid, [0.0, 5.0], nonlinearity=-1.0, rtol=1e-12, atol=1e-14)
    exact = nlse.plane_wave(grid.x, power=2.0, wavenumber=3.0, t=5.0, nonlinearity=-1.0)
    assert float((sol.u[-1] - exact).abs().max()) < 1e-10  # a phase error of ~1e-11 rad after 32 rad
    energy = nlse.invariants(sol.u, grid, nonlinearity=-1.0)["energy"]
    assert float(energy[0]) == pytest.approx(2 * math.pi * (2.0 * 9 / 2 + 0.5 * 4.0), rel=1e-13)


def test_split_step_conserves_mass_to_round_off():
    u0 = nlse.seed_two_solitons(SEED_GRID.x)
    sol = nlse.solve(u0, SEED_GRID, torch.linspace(0, 2, 11, dtype=torch.float64), method="strang", dt=0.01)
    assert relative_drift(nlse.invariants(sol.u, SEED_GRID)["mass"]) < 1e-13


def test_seed_initial_conditions_match_the_seed_package():
    seed = pytest.importorskip("simple_idealized_1d_nlse")
    x = np.linspace(-25, 25, 512, endpoint=False)
    theirs = {
        "single_soliton": seed.SingleSoliton(2.0, -10.0, 1.0)(x),
        "two_solitons": seed.TwoSoliton()(x),
        "breather": seed.BreatherSolution()(x),
        "modulation_instability": seed.GaussianNoise(seed=42)(x),
    }
    assert np.allclose(SEED_GRID.x.numpy(), x, rtol=0, atol=1e-14)
    for name, make in nlse.SEED_CASES.items():
        assert np.abs(make(SEED_GRID.x).numpy() - theirs[name]).max() < 1e-14, name


@pytest.mark.parametrize("call, error, message", [
    (lambda: nlse.Grid(L=-50.0, n=512), ValueError, "grid length L must be a positive"),
    (lambda: nlse.Grid(L=50.0, n=0), ValueError, "grid size n"),
    (lambda: nlse.solve(torch.full((512,), float("nan"), dtype=torch.complex128), SEED_GRID, [0.0, 1.0]),
     ValueError, "u0 must be finite"),
    (lambda: nlse.solve(torch.ones(256, dtype=torch.complex128), SEED_GRID, [0.0, 1.0]), ValueError, r"u0 must have shape \(512,\)"),
    (lambda: nlse.solve(torch.ones(512, dtype=torch.complex128), SEED_GRID, [0.0, 1.0], rtol=0.0), ValueError, "rtol must be > 0"),
    (lambda: nlse.solve(torch.ones(512, dtype=torch.complex128), SEED_GRID, [0.0, 1.0], method="rk45"), ValueError,
     "unknown method 'rk45'; allowed:"),
    (lambda: nlse.solve(torch.ones(512, dtype=torch.complex128), SEED_GRID, [0.0, 1.0], dealiasing="2/3"), ValueError,
     "unknown dealiasing"),
    (lambda: nlse.solve(torch.ones(512, dtype=torch.complex128), (50.0, 512), [0.0, 1.0]), TypeError, "grid must be a PeriodicGrid"),
    (lambda: nlse.soliton(SEED_GRID.x, amplitude=0.0), ValueError, "soliton amplitude must be > 0"),
    (lambda: nlse.akhmediev_breather(SEED_GRID.x, 0.0, a=0.5), ValueError, r"must lie in \(0, 1/2\)"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_tolerance_that_cannot_be_met_is_reported():
    u0 = nlse.seed_single_soliton(SEED_GRID.x)
    with pytest.raises(SolverError, match="max_steps"):
        nlse.solve(u0, SEED_GRID, [0.0, 20.0], rtol=1e-10, atol=1e-12, max_steps=50)
