"""Simulate the samples of a recipe: draw initial conditions per sample, solve, add noise.

Every random draw of sample ``i`` comes from its own generator seeded by ``(recipe.seed, i)``, so a
sample does not depend on which others it is generated with. Solving whole canonical micro-batches
(``MICRO_BATCH`` consecutive indices) keeps each sample on the same vector lanes whatever the batch
size, which makes the data bit-identical across batch sizes, shards and resumed runs.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
from dataclasses import dataclass

import numpy as np
import torch

from solvers import navier_stokes, nlse, nlse2d, pdes, systems
from solvers.integrators import solve as integrate
from solvers.random_fields import gaussian_random_field
from solvers.spectral import PeriodicGrid

from .recipe import ODE_SYSTEMS, PLANE_SYSTEMS, Recipe, RecipeError

MICRO_BATCH = 16

FAMILIES: dict[str, dict[str, dict[str, float]]] = {
    "nlse": {
        "soliton": {"amplitude": 1.0, "velocity": 0.0, "position": 0.0, "phase": 0.0},
        "two_solitons": {"amplitude1": 1.0, "amplitude2": 1.0, "velocity1": 1.0, "velocity2": -1.0,
                         "position1": -5.0, "position2": 5.0, "phase1": 0.0, "phase2": 0.0},
        "akhmediev": {"a": 0.25},
        "modulated_plane_wave": {"power": 1.0, "sideband": 1.0, "epsilon": 1e-3, "noise": 0.0},
    },
    "pde": {
        "grf": {"amplitude": 625.0, "shift": 25.0, "power": 2.0},
        "kdv_solitons": {"speed1": 1.0, "speed2": 0.5, "position1": -5.0, "position2": 5.0},
        "bumps": {"height": 1.0, "width": 1.0, "position": 0.0},
    },
    "ode": {"gaussian": {"mean": 0.0, "std": 1.0}},
    "navier_stokes": {"grf": {"amplitude": 343.0, "shift": 49.0, "power": 2.5}},
    "nlse2d": {"gaussian": {"amplitude": 1.0, "width": 1.0, "x": 0.0, "y": 0.0, "wavenumber_x": 0.0,
                            "wavenumber_y": 0.0}},
}
"""Initial-condition families by system kind, each with its keys and their defaults."""

NAVIER_STOKES_PARAMETERS = {"viscosity": None, "drag": 0.0, "forcing": "none", "forcing_mode": 4,
                            "forcing_amplitude": 1.0}
"""``[parameters]`` of ``navier_stokes`` and their defaults (``viscosity`` required); ``forcing`` is
``"fno"`` (``0.1 (sin 2 pi (x + y) + cos 2 pi (x + y))``), ``"kolmogorov"`` (``forcing_amplitude
sin(2 pi forcing_mode y / L)``) or ``"none"``."""
FORCINGS = ("fno", "kolmogorov", "none")


def _kind(system: str) -> str:
    if system in ("nlse", *PLANE_SYSTEMS):
        return system
    return "ode" if system in ODE_SYSTEMS else "pde"


def check(recipe: Recipe) -> None:
    """Raise :class:`RecipeError` if the family or one of its keys does not fit the system."""
    families = FAMILIES[_kind(recipe.system)]
    if recipe.family not in families:
        raise RecipeError(f"unknown initial_condition.family {recipe.family!r} for {recipe.system}; "
                          f"allowed: {', '.join(families)}")
    extra = set(recipe.initial_condition) - set(families[recipe.family])
    if extra:
        raise RecipeError(f"unknown key(s) {', '.join(sorted(extra))} for family {recipe.family}; "
                          f"allowed: {', '.join(families[recipe.family])}")
    if recipe.system == "navier_stokes":
        navier_stokes_forcing(recipe.parameters, grid_of(recipe, solver=True))
    else:
        _check_parameters(recipe)


def _check_parameters(recipe: Recipe) -> None:
    """Raise :class:`RecipeError` unless the ``[parameters]`` of an NLSE, ODE or 1D PDE recipe are the
    keyword arguments of its equation and the equation accepts their values (built once on a small grid)."""
    system, parameters = recipe.system, recipe.parameters
    if system in ("nlse", "nlse2d"):
        allowed, build = ("nonlinearity",), lambda nonlinearity=1.0: _finite("nonlinearity", nonlinearity)
    elif system in ODE_SYSTEMS:
        build = systems.SYSTEMS[system]
        allowed = tuple(field.name for field in dataclasses.fields(build))
    else:
        build = functools.partial(pdes.EQUATIONS[system], PeriodicGrid(1.0, 16))
        allowed = tuple(inspect.signature(pdes.EQUATIONS[system]).parameters)[1:]
    extra = set(parameters) - set(allowed)
    if extra:
        raise RecipeError(f"unknown key(s) {', '.join(sorted(extra))} in [parameters] of {system}; "
                          f"allowed: {', '.join(allowed)}")
    try:
        build(**parameters)
    except (TypeError, ValueError) as error:
        raise RecipeError(f"[parameters] of {system}: {error}") from None


def _finite(name: str, value) -> None:
    if isinstance(value, bool) or not (isinstance(value, (int, float)) and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def navier_stokes_parameters(parameters: dict) -> dict:
    """The ``[parameters]`` of a ``navier_stokes`` recipe with defaults filled in, checked."""
    extra = set(parameters) - set(NAVIER_STOKES_PARAMETERS)
    if extra:
        raise RecipeError(f"unknown key(s) {', '.join(sorted(extra))} in [parameters] of navier_stokes; "
                          f"allowed: {', '.join(NAVIER_STOKES_PARAMETERS)}")
    values = {**NAVIER_STOKES_PARAMETERS, **parameters}
    viscosity, drag = values["viscosity"], values["drag"]
    if not (isinstance(viscosity, (int, float)) and math.isfinite(viscosity) and viscosity > 0):
        raise RecipeError(f"parameters.viscosity must be a positive number, got {viscosity!r}")
    if not (isinstance(drag, (int, float)) and math.isfinite(drag) and drag >= 0):
        raise RecipeError(f"parameters.drag must be a number >= 0, got {drag!r}")
    if values["forcing"] not in FORCINGS:
        raise RecipeError(f"parameters.forcing must be one of {', '.join(FORCINGS)}, got {values['forcing']!r}")
    amplitude = values["forcing_amplitude"]
    if isinstance(amplitude, bool) or not (isinstance(amplitude, (int, float)) and math.isfinite(amplitude)):
        raise RecipeError(f"parameters.forcing_amplitude must be a finite number, got {amplitude!r}")
    if not isinstance(values["forcing_mode"], int) or values["forcing_mode"] < 1:
        raise RecipeError(f"parameters.forcing_mode must be an integer >= 1, got {values['forcing_mode']!r}")
    return values


def navier_stokes_forcing(parameters: dict, grid: PeriodicGrid) -> torch.Tensor | None:
    """The forcing ``f`` of a ``navier_stokes`` recipe's parameters on ``grid``, values ``(n_y, n_x)``, or None."""
    values = navier_stokes_parameters(parameters)
    if values["forcing"] == "fno":
        return navier_stokes.fno_forcing(grid)
    if values["forcing"] == "kolmogorov":
        try:
            return navier_stokes.kolmogorov_forcing(grid, values["forcing_mode"], float(values["forcing_amplitude"]))
        except ValueError as error:
            raise RecipeError(f"parameters.forcing_mode: {error}") from None
    return None


def check_device(device: str | torch.device) -> torch.device:
    """The device, or a clear error if it is not usable here."""
    try:
        device = torch.device(device)
    except RuntimeError:
        raise ValueError(f"unknown device {str(device)!r}; use cpu or cuda") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' asked for, but torch sees no CUDA device here")
    return device


def sample_generator(seed: int, index: int) -> torch.Generator:
    """The generator of sample ``index``: a well-mixed seed from ``(seed, index)``."""
    state = np.random.SeedSequence([seed, index]).generate_state(2, dtype=np.uint32)
    return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))


@dataclass
class Simulation:
    """``u``: ``(batch, T, *space)`` clean data; ``observed``: with noise, or None;
    ``parameters``: per-sample drawn values, each ``(batch,)`` float64."""

    u: torch.Tensor
    observed: torch.Tensor | None
    parameters: dict[str, torch.Tensor]


def grid_of(recipe: Recipe, device: str | torch.device = "cpu", solver: bool = False) -> PeriodicGrid | None:
    """The stored grid of a field recipe (``solver=True``: the grid it is solved on, ``grid.solve_n``), or None.
    Plane systems have ``n x n`` points: Navier-Stokes on ``[0, L)^2``, the others on ``[-L/2, L/2)^2``."""
    if recipe.grid is None:
        return None
    n = recipe.grid.get("solve_n", recipe.grid["n"]) if solver else recipe.grid["n"]
    if recipe.system == "navier_stokes":
        return navier_stokes.box(n, recipe.grid["L"], device=device)
    return PeriodicGrid(recipe.grid["L"], (n, n) if recipe.system in PLANE_SYSTEMS else n, device=device)


def dimension(recipe: Recipe) -> int:
    """State dimension of an ODE recipe."""
    return int(recipe.parameters.get("dimension", 3))


def _draw(recipe: Recipe, generator: torch.Generator) -> dict[str, float]:
    values = dict(FAMILIES[_kind(recipe.system)][recipe.family])
    values.update({key: distribution.sample(generator) for key, distribution in recipe.initial_condition.items()})
    return values


def _nlse_initial(grid: nlse.Grid, family: str, p: dict[str, float], start: float, generator) -> torch.Tensor:
    x = grid.x
    if family == "soliton":
        return nlse.soliton(x, p["amplitude"], p["velocity"], p["position"], p["phase"])
    if family == "two_solitons":
        return nlse.n_solitons(x, (p["amplitude1"], p["amplitude2"]), (p["velocity1"], p["velocity2"]),
                               (p["position1"], p["position2"]), (p["phase1"], p["phase2"]))
    if family == "akhmediev":  # the modulation wavenumber is snapped to a multiple of 2 pi / L
        period = round(nlse.akhmediev_wavenumber(p["a"]) * grid.L / (2 * math.pi))
        omega = 2 * math.pi * max(period, 1) / grid.L
        p["a"] = (1 - omega**2 / 4) / 2
        return nlse.akhmediev_breather(x, start, p["a"])
    sideband = 2 * math.pi * max(round(p["sideband"] * grid.L / (2 * math.pi)), 1) / grid.L
    p["sideband"] = sideband
    seed = int(torch.randint(2**62, (), generator=generator))
    return nlse.modulated_plane_wave(x, p["power"], sideband, p["epsilon"], p["noise"], seed)


def _pde_initial(grid: nlse.Grid, family: str, p: dict[str, float], generator) -> torch.Tensor:
    x = grid.x
    if family == "grf":
        return gaussian_random_field(grid, generator, p["amplitude"], p["shift"], p["power"])
    if family == "kdv_solitons":
        return sum(c / 2 / torch.cosh(math.sqrt(c) / 2 * (x - x0)) ** 2
                   for c, x0 in ((p["speed1"], p["position1"]), (p["speed2"], p["position2"])))
    return p["height"] * torch.exp(-((x - p["position"]) ** 2) / (2 * p["width"] ** 2))


def _plane_initial(recipe: Recipe, grid: PeriodicGrid, p: dict[str, float], generator) -> torch.Tensor:
    """A 2D initial field on the solver's ``grid``, axes ``(y, x)``: drawn on the stored grid's modes."""
    if recipe.system == "navier_stokes":
        n = recipe.grid["n"]
        return gaussian_random_field(grid, generator, p["amplitude"], p["shift"], p["power"], band=(n, n))
    return nlse2d.gaussian(grid, p["amplitude"], p["width"], (p["y"], p["x"]), (p["wavenumber_y"], p["wavenumber_x"]))


def _solve_plane(recipe: Recipe, u0: torch.Tensor, grid: PeriodicGrid, times: torch.Tensor, method: str,
                 options: dict) -> torch.Tensor:
    """``(batch, T, n_y, n_x)`` on the solver's grid, after ``time.transient`` solved and dropped."""
    if recipe.system == "navier_stokes":
        p = navier_stokes_parameters(recipe.parameters)
        forcing = navier_stokes_forcing(recipe.parameters, grid)

        def solve(w0, t):
            return navier_stokes.solve(w0, grid, t, float(p["viscosity"]), forcing, float(p["drag"]), method,
                                       **options).w
    else:
        nonlinearity = float(recipe.parameters.get("nonlinearity", 1.0))

        def solve(u, t):
            return nlse2d.solve(u, grid, t, method, nonlinearity, **options).u
    return solve(_after_transient(recipe, solve, u0, times), times)


def _after_transient(recipe: Recipe, solve, u0: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
    """The state ``time.transient`` after ``u0``, from ``solve(u0, t) -> (batch, T, ...)``, started so that it
    ends at ``times[0]``; ``u0`` itself without a transient."""
    transient = float(recipe.time["transient"])
    if transient == 0:
        return u0
    spin_up = torch.tensor([float(times[0]) - transient, float(times[0])], dtype=times.dtype, device=times.device)
    return solve(u0, spin_up)[:, -1]


def _solver_options(recipe: Recipe) -> dict:
    return {key: recipe.solver[key] for key in ("rtol", "atol", "dt", "clip") if key in recipe.solver}


def simulate(recipe: Recipe, indices: list[int], device: str | torch.device = "cpu") -> Simulation:
    """Solve the samples ``indices`` of ``recipe`` in one batch on ``device``; results come back on the CPU.
    Random draws always happen on the CPU, so the initial conditions do not depend on the device."""
    check(recipe)
    device = check_device(device)
    generators = [sample_generator(recipe.seed, i) for i in indices]
    draws = [_draw(recipe, g) for g in generators]
    times = recipe.times.to(device)
    method, options = recipe.solver["method"], _solver_options(recipe)
    if recipe.system == "nlse":
        grid = grid_of(recipe, device)
        u0 = torch.stack([_nlse_initial(grid, recipe.family, p, float(times[0]), g) for p, g in zip(draws, generators)])
        nonlinearity = float(recipe.parameters.get("nonlinearity", 1.0))

        def solve(u, t):
            return nlse.solve(u, grid, t, method=method, nonlinearity=nonlinearity, **options).u
        u = solve(_after_transient(recipe, solve, u0, times), times)
    elif recipe.system in PLANE_SYSTEMS:
        grid = grid_of(recipe, device, solver=True)
        u0 = torch.stack([_plane_initial(recipe, grid, p, g) for p, g in zip(draws, generators)])
        u = _solve_plane(recipe, u0, grid, times, method, options)
        stride = grid.shape[0] // recipe.grid["n"]
        u = u[..., ::stride, ::stride].transpose(-1, -2)  # stored (x, y): u[..., i, j] at (x_i, y_j)
    elif recipe.system in ODE_SYSTEMS:
        system = systems.SYSTEMS[recipe.system](**recipe.parameters)
        dim = dimension(recipe)
        y0 = torch.stack([p["mean"] + p["std"] * torch.randn(dim, generator=g, dtype=torch.float64)
                          for p, g in zip(draws, generators)]).to(device)

        def solve(y, t):
            return solve_ode(system, y, t, method, options)
        u = solve(_after_transient(recipe, solve, y0, times), times)
    else:
        grid = grid_of(recipe, device)
        term = pdes.EQUATIONS[recipe.system](grid, **recipe.parameters)
        u0 = torch.stack([_pde_initial(grid, recipe.family, p, g) for p, g in zip(draws, generators)])

        def solve(u, t):
            return pdes.solve(term, u, grid, t, method=method, **options).u
        u = solve(_after_transient(recipe, solve, u0, times), times)
    u = u.cpu()
    observed = None
    if recipe.noise > 0:
        scale = u.std(dim=1, keepdim=True)  # per sample and component, over time (modulus for complex)
        noise = torch.stack([torch.randn(u.shape[1:], generator=g, dtype=u.dtype) for g in generators])
        observed = u + recipe.noise * scale * noise
    parameters = {key: torch.tensor([p[key] for p in draws], dtype=torch.float64) for key in draws[0]}
    return Simulation(u, observed, parameters)


def solve_ode(system, y0: torch.Tensor, times: torch.Tensor, method: str, options: dict) -> torch.Tensor:
    return integrate(system, y0, times, method=method, **options).y


def coordinates(recipe: Recipe) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    """Output times ``(T,)`` and the coordinates of the other axes of a sample, one tensor per axis:
    grid points ``(n,)`` for fields on a line, ``x`` and ``y`` ``(n,)`` each on a plane, component
    numbers ``(dim,)`` (int64) for ODE systems."""
    grid = grid_of(recipe)
    if grid is None:
        return recipe.times, (torch.arange(dimension(recipe)),)
    return recipe.times, tuple(reversed(grid.xs))  # a solver's axes are (y, x), the file's (x, y)


def sample_shape(recipe: Recipe) -> tuple[tuple[int, ...], torch.dtype]:
    """Shape ``(T, *space)`` and dtype of one sample."""
    snapshots = int(recipe.time["snapshots"])
    if recipe.system in ODE_SYSTEMS:
        return (snapshots, dimension(recipe)), torch.float64
    dtype = torch.complex128 if recipe.system in ("nlse", "nlse2d") else torch.float64
    n = recipe.grid["n"]
    return ((snapshots, n, n) if recipe.system in PLANE_SYSTEMS else (snapshots, n)), dtype
