"""Chaotic ODE systems as batched vector fields ``f(t, y)``, ``y`` of shape ``(batch, dim)``.

Parameters are floats or ``(batch,)`` tensors (one value per sample). Standard values:
Lorenz-63 ``sigma = 10, rho = 28, beta = 8/3`` (Lorenz 1963); Rossler ``a = b = 0.2, c = 5.7``
(Rossler 1976); Lorenz-96 ``F = 8`` in any dimension ``>= 4`` (Lorenz 1996).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

Parameter = float | torch.Tensor


def _column(p: Parameter) -> Parameter:
    """A per-sample ``(batch,)`` parameter as ``(batch, 1)``; a float stays a float."""
    return p.reshape(-1, 1) if torch.is_tensor(p) else p


@dataclass(frozen=True)
class Lorenz63:
    """``x' = sigma (y - x)``, ``y' = x (rho - z) - y``, ``z' = x y - beta z``."""

    sigma: Parameter = 10.0
    rho: Parameter = 28.0
    beta: Parameter = 8.0 / 3.0
    dimension = 3

    def __call__(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x, v, z = y.unbind(-1)
        sigma, rho, beta = (p.reshape(-1) if torch.is_tensor(p) else p for p in (self.sigma, self.rho, self.beta))
        return torch.stack([sigma * (v - x), x * (rho - z) - v, x * v - beta * z], dim=-1)


@dataclass(frozen=True)
class Rossler:
    """``x' = -y - z``, ``y' = x + a y``, ``z' = b + z (x - c)``."""

    a: Parameter = 0.2
    b: Parameter = 0.2
    c: Parameter = 5.7
    dimension = 3

    def __call__(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x, v, z = y.unbind(-1)
        a, b, c = (p.reshape(-1) if torch.is_tensor(p) else p for p in (self.a, self.b, self.c))
        return torch.stack([-v - z, x + a * v, b + z * (x - c)], dim=-1)


@dataclass(frozen=True)
class Lorenz96:
    """``x_i' = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F``, indices periodic, ``dimension >= 4``."""

    dimension: int = 40
    forcing: Parameter = 8.0

    def __post_init__(self) -> None:
        if isinstance(self.dimension, bool) or not isinstance(self.dimension, int) or self.dimension < 4:
            raise ValueError(f"Lorenz-96 dimension must be an integer >= 4, got {self.dimension!r}")

    def __call__(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if y.shape[-1] != self.dimension:
            raise ValueError(f"state has dimension {y.shape[-1]}, the system {self.dimension}")
        ahead, behind, two_behind = (torch.roll(y, s, dims=-1) for s in (-1, 1, 2))
        return (ahead - two_behind) * behind - y + _column(self.forcing)


SYSTEMS = {"lorenz63": Lorenz63, "rossler": Rossler, "lorenz96": Lorenz96}
"""ODE systems by recipe name."""
