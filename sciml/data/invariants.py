"""Conserved quantities of a dataset's system and how far the stored trajectories drift from them.

- NLSE (1D and 2D): mass ``int |psi|^2`` and energy (relative drift), momentum (absolute), from
  :func:`solvers.nlse.invariants`; in 2D the energy is checked as well as the mass
- Burgers, KdV, convection on a periodic box: the mean of ``u`` (absolute drift)
- KdV and inviscid convection: the mean of ``u^2`` (relative drift)
- Navier-Stokes vorticity: the mean of ``w`` (absolute; zero for ever from a zero-mean start), and
  the energy budget ``E(t_i+1) - E(t_i-1) - int (int psi f - 2 nu Z - 2 alpha E) dt`` over every two
  consecutive snapshot intervals (``E`` energy, ``Z`` enstrophy, ``psi`` stream function; the integral
  by Simpson's rule on the three snapshots), relative to ``max E + int |dE/dt| dt``: the advection
  exchanges no energy, so what the snapshots gain or lose must be what the forcing, viscosity and drag
  put in or take out

Reaction-diffusion and the ODE systems conserve nothing and get no entry. Each quantity may carry a
tolerance: a drift above it is a problem for ``sciml inspect``.
"""

from __future__ import annotations

import tomllib

import h5py
import numpy as np
import torch

from solvers import navier_stokes, nlse
from solvers.spectral import PeriodicGrid

from .simulate import navier_stokes_forcing, navier_stokes_parameters

NLSE2D_ENERGY_TOLERANCE = 1e-8
"""Relative energy drift above which a 2D NLSE file is reported (its recipe solves to rtol 1e-10)."""
MEAN_VORTICITY_TOLERANCE = 1e-10
ENERGY_BUDGET_TOLERANCE = 1e-3
"""Relative energy-budget residual above which a Navier-Stokes file is reported: Simpson's rule over the
snapshots leaves 2.3e-5 on ``ns2d`` (one time unit apart) and 1.2e-6 on ``kolmogorov2d``; one snapshot
scaled by 1.01 exceeds it (``tests/test_datasets_2d.py``)."""


def _mean(u: torch.Tensor) -> torch.Tensor:
    return u.mean(-1)


def _square_mean(u: torch.Tensor) -> torch.Tensor:
    return u.square().mean(-1)


def _energy_budget(grid: PeriodicGrid, times: torch.Tensor, viscosity: float, drag: float,
                   forcing: torch.Tensor | None):
    """``w (T, n, n) -> (T,)``: the energy budget's residual over each window of two snapshot intervals
    ending at a snapshot (zero at the first two), relative (module docstring)."""
    def residual(w: torch.Tensor) -> torch.Tensor:
        energy, enstrophy = navier_stokes.energy(w, grid), navier_stokes.enstrophy(w, grid)
        rate = -2 * viscosity * enstrophy - 2 * drag * energy
        if forcing is not None:
            stream = grid.to_real_values(-grid.inverse_laplacian(real=True) * grid.to_real_coefficients(w))
            rate = rate + grid.area * (stream * forcing).mean((-2, -1))
        steps = times.diff()
        scale = energy.abs().max() + (steps * (rate[1:].abs() + rate[:-1].abs()) / 2).sum()
        if len(times) == 2:  # one interval: the trapezoidal rule
            gap = energy[1] - energy[0] - steps[0] * (rate[0] + rate[1]) / 2
            return torch.stack((gap.new_zeros(()), gap)) / scale
        supplied = (steps[1:] / 3) * (rate[:-2] + 4 * rate[1:-1] + rate[2:])  # Simpson, equal steps
        return torch.cat((rate.new_zeros(2), energy[2:] - energy[:-2] - supplied)) / scale

    return residual


def conserved(handle: h5py.File, mass_tolerance: float | None = None) -> dict[str, tuple]:
    """``name -> (function of u (T, *space) giving (T,) or (T, d), relative, tolerance or None)`` for the
    file's system; ``mass_tolerance`` is the NLSE mass's."""
    system = str(handle.attrs["system"])
    parameters = tomllib.loads(str(handle.attrs["recipe"])).get("parameters", {})
    if system in ("nlse", "nlse2d"):
        space = tuple(handle[name].shape[0] for name in ("x", "y") if name in handle)
        grid = PeriodicGrid(float(handle.attrs["L"]), space if len(space) > 1 else space[0])
        strength = float(parameters.get("nonlinearity", 1.0))
        tolerances = {"mass": mass_tolerance, "momentum": None,
                      "energy": NLSE2D_ENERGY_TOLERANCE if system == "nlse2d" else None}
        return {name: (lambda u, name=name: nlse.invariants(u, grid, strength)[name], name != "momentum", tolerance)
                for name, tolerance in tolerances.items()}
    if system == "navier_stokes":  # the stored axes are (x, y): the forcing is transposed to them
        grid = navier_stokes.box((handle["x"].shape[0], handle["y"].shape[0]), float(handle.attrs["L"]))
        forcing = navier_stokes_forcing(parameters, grid)
        values = navier_stokes_parameters(parameters)
        budget = _energy_budget(grid, torch.as_tensor(handle["time"][:]), float(values["viscosity"]),
                                float(values["drag"]), None if forcing is None else forcing.transpose(-1, -2))
        return {"mean of w": (lambda w: w.mean((-2, -1)), False, MEAN_VORTICITY_TOLERANCE),
                "energy budget": (budget, False, ENERGY_BUDGET_TOLERANCE)}
    quantities = {}
    if system in ("burgers", "kdv", "convection"):
        quantities["mean of u"] = (_mean, False, None)
    if system == "kdv" or (system == "convection" and float(parameters.get("viscosity", 0.0)) == 0):
        quantities["mean of u^2"] = (_square_mean, True, None)
    return quantities


def drift(handle: h5py.File, rows, mass_tolerance: float | None = None) -> dict[str, tuple[float, bool, float | None]]:
    """``name -> (worst drift over rows and times, relative, tolerance or None)``; relative drifts are divided
    by the initial value."""
    quantities = conserved(handle, mass_tolerance)
    worst = {name: 0.0 for name in quantities}
    for row in rows:
        u = torch.as_tensor(np.asarray(handle["u"][int(row)]))
        for name, (function, relative, _) in quantities.items():
            values = function(u)
            change = (values - values[0]).abs()
            worst[name] = max(worst[name], float((change / values[0].abs() if relative else change).max()))
    return {name: (value, *quantities[name][1:]) for name, value in worst.items()}
