"""Conserved quantities of a dataset's system and how far the stored trajectories drift from them.

- NLSE: mass ``int |psi|^2`` and energy (relative drift), momentum (absolute), from :func:`solvers.nlse.invariants`
- Burgers, KdV, convection on a periodic box: the mean of ``u`` (absolute drift)
- KdV and inviscid convection: the mean of ``u^2`` (relative drift)

Reaction-diffusion and the ODE systems conserve nothing and get no entry.
"""

from __future__ import annotations

import tomllib

import h5py
import numpy as np
import torch

from solvers import nlse


def _mean(u: torch.Tensor) -> torch.Tensor:
    return u.mean(-1)


def _square_mean(u: torch.Tensor) -> torch.Tensor:
    return u.square().mean(-1)


def conserved(handle: h5py.File) -> dict[str, tuple]:
    """``name -> (function of u (T, n) giving (T,), relative)`` for the file's system."""
    system = str(handle.attrs["system"])
    parameters = tomllib.loads(str(handle.attrs["recipe"])).get("parameters", {})
    if system == "nlse":
        grid = nlse.Grid(L=float(handle.attrs["L"]), n=handle["x"].shape[0])
        strength = float(parameters.get("nonlinearity", 1.0))
        return {name: (lambda u, name=name: nlse.invariants(u, grid, strength)[name], name != "momentum")
                for name in ("mass", "momentum", "energy")}
    quantities = {}
    if system in ("burgers", "kdv", "convection"):
        quantities["mean of u"] = (_mean, False)
    if system == "kdv" or (system == "convection" and float(parameters.get("viscosity", 0.0)) == 0):
        quantities["mean of u^2"] = (_square_mean, True)
    return quantities


def drift(handle: h5py.File, rows) -> dict[str, tuple[float, bool]]:
    """``name -> (worst drift over rows and times, relative)``; relative drifts are divided by the initial value."""
    quantities = conserved(handle)
    worst = {name: 0.0 for name in quantities}
    for row in rows:
        u = torch.as_tensor(np.asarray(handle["u"][int(row)]))
        for name, (function, relative) in quantities.items():
            values = function(u)
            change = (values - values[0]).abs()
            worst[name] = max(worst[name], float((change / values[0].abs() if relative else change).max()))
    return {name: (value, quantities[name][1]) for name, value in worst.items()}
