"""Periodic 1D PDEs for real fields, on the semilinear framework ``c_t = L c + N(c)``.

The state is the real-FFT coefficient vector ``c = rfft(u) / n`` of shape ``(batch, n/2 + 1)``;
``L`` is diagonal, ``N`` evaluates powers of ``u`` dealiased by zero padding or, with
``dealiasing="truncate"``, by Orszag's 2/3 (cubic: 1/2) rule (:func:`solvers.spectral.dealias.real_power`).
Equations (``k`` the angular wavenumber):

- viscous Burgers ``u_t + u u_x = nu u_xx``:           ``L = -nu k^2``, ``N = -(ik/2) F[u^2]``
- KdV ``u_t + 6 u u_x + u_xxx = 0``:                  ``L = i k^3``,   ``N = -3 ik F[u^2]``
- convection(-diffusion) ``u_t + beta u_x = nu u_xx``: ``L = -i beta k - nu k^2``, ``N = 0``
- Fisher-KPP ``u_t = nu u_xx + rho u (1 - u)``:        ``L = -nu k^2 + rho``, ``N = -rho F[u^2]``
- Allen-Cahn ``u_t = nu u_xx + u - u^3``:              ``L = -nu k^2 + 1``, ``N = -F[u^3]``

Dissipative ``L`` (Burgers, diffusion) suits ``etdrk4``; the integrating factor would overflow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .integrators import SemilinearTerm, SolverStats
from .integrators import solve as _integrate
from .spectral import PeriodicGrid
from .spectral.dealias import real_power


def wavenumbers(grid: PeriodicGrid) -> torch.Tensor:
    """Angular wavenumbers of the real-FFT coefficients, ``(n/2 + 1,)``."""
    return (2 * math.pi / grid.L) * torch.arange(grid.n // 2 + 1, dtype=grid.dtype, device=grid.x.device)


def to_coefficients(u: torch.Tensor) -> torch.Tensor:
    """Real values ``(..., n)`` to real-FFT coefficients ``(..., n/2 + 1)`` (forward normalisation)."""
    return torch.fft.rfft(u, dim=-1, norm="forward")


def to_values(c: torch.Tensor, n: int) -> torch.Tensor:
    """Real-FFT coefficients back to ``n`` real values."""
    return torch.fft.irfft(c, n=n, dim=-1, norm="forward")


def _check(name: str, value: float, positive: bool = False) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value)) or (positive and value <= 0):
        raise ValueError(f"{name} must be a {'positive ' if positive else ''}finite number, got {value!r}")


def burgers(grid: PeriodicGrid, viscosity: float = 0.1, dealiasing: str = "pad") -> SemilinearTerm:
    _check("viscosity", viscosity, positive=True)
    k = wavenumbers(grid)
    square = real_power(grid.n, 2, dealiasing)
    return SemilinearTerm((-viscosity * k**2).to(grid.complex_dtype), lambda t, c: square(c),
                          factor=(-0.5j * k).to(grid.complex_dtype))


def kdv(grid: PeriodicGrid, dealiasing: str = "pad") -> SemilinearTerm:
    k = wavenumbers(grid)
    square = real_power(grid.n, 2, dealiasing)
    return SemilinearTerm((1j * k**3).to(grid.complex_dtype), lambda t, c: square(c),
                          factor=(-3j * k).to(grid.complex_dtype))


def convection(grid: PeriodicGrid, speed: float = 1.0, viscosity: float = 0.0) -> SemilinearTerm:
    _check("speed", speed)
    _check("viscosity", viscosity)
    if viscosity < 0:
        raise ValueError(f"viscosity must be >= 0, got {viscosity!r}")
    k = wavenumbers(grid)
    return SemilinearTerm((-1j * speed * k - viscosity * k**2).to(grid.complex_dtype), lambda t, c: torch.zeros_like(c))


def reaction_diffusion(grid: PeriodicGrid, diffusivity: float = 0.01, rate: float = 1.0,
                       kind: str = "fisher", dealiasing: str = "pad") -> SemilinearTerm:
    """Fisher-KPP (``kind="fisher"``, growth ``rate``) or Allen-Cahn (``kind="allen_cahn"``)."""
    _check("diffusivity", diffusivity, positive=True)
    _check("rate", rate)
    k = wavenumbers(grid)
    if kind == "fisher":
        square = real_power(grid.n, 2, dealiasing)
        return SemilinearTerm((-diffusivity * k**2 + rate).to(grid.complex_dtype), lambda t, c: square(c),
                              factor=-float(rate))
    if kind == "allen_cahn":
        cube = real_power(grid.n, 3, dealiasing)
        return SemilinearTerm((-diffusivity * k**2 + 1.0).to(grid.complex_dtype), lambda t, c: cube(c),
                              factor=-1.0)
    raise ValueError(f"unknown reaction kind {kind!r}; allowed: fisher, allen_cahn")


EQUATIONS = {"burgers": burgers, "kdv": kdv, "convection": convection, "reaction_diffusion": reaction_diffusion}
"""PDE constructors by recipe name: ``EQUATIONS[name](grid, **parameters) -> SemilinearTerm``."""


@dataclass(frozen=True)
class PDESolution:
    """``t``: ``(T,)``; ``u``: real values ``(batch, T, n)`` (``(T, n)`` for an unbatched ``u0``)."""

    t: torch.Tensor
    u: torch.Tensor
    stats: SolverStats


def solve(term: SemilinearTerm, u0: torch.Tensor, grid: PeriodicGrid, t, method: str = "etdrk4",
          **options) -> PDESolution:
    """Solve a real PDE from values ``u0`` (``(n,)`` or ``(batch, n)``); ``options`` go to
    :func:`solvers.integrators.solve` (``dt`` for fixed-step methods, ``rtol``/``atol`` otherwise)."""
    u0 = torch.as_tensor(u0)
    if u0.is_complex() or u0.ndim not in (1, 2) or u0.shape[-1] != grid.n:
        raise ValueError(f"u0 must be real with shape ({grid.n},) or (batch, {grid.n}), got {tuple(u0.shape)}")
    if not torch.isfinite(u0).all():
        raise ValueError("u0 must be finite")
    c0 = to_coefficients(u0.to(device=grid.x.device, dtype=grid.dtype))
    solution = _integrate(term, c0, t, method=method, **options)
    return PDESolution(solution.t, to_values(solution.y, grid.n), solution.stats)


def burgers_cole_hopf(u0: torch.Tensor, grid: PeriodicGrid, t: float, viscosity: float) -> torch.Tensor:
    """Exact viscous Burgers solution at time ``t`` for a zero-mean ``u0`` (Cole 1951, Hopf 1950):
    ``u = -2 nu (ln phi)_x`` with ``phi_t = nu phi_xx`` and ``phi_0 = exp(-int u0 dx / (2 nu))``.
    ``u0`` of shape ``(..., n)`` must be resolved on ``grid``; the result has its shape."""
    k = wavenumbers(grid)
    c = to_coefficients(u0)
    if bool((c[..., 0].abs() > 1e-12 * c.abs().amax(-1).clamp_min(1e-300)).any()):
        raise ValueError("the Cole-Hopf solution here needs a zero-mean u0")
    antiderivative = torch.zeros_like(c)
    antiderivative[..., 1:] = c[..., 1:] / (1j * k[1:])
    potential = to_values(antiderivative, grid.n)
    exponent = -potential / (2 * viscosity)
    phi0 = torch.exp(exponent - exponent.amax(-1, keepdim=True))  # scaled: u does not depend on the constant
    phi_hat = to_coefficients(phi0) * torch.exp(-viscosity * k**2 * t)
    phi = to_values(phi_hat, grid.n)
    phi_x = to_values(1j * k * phi_hat, grid.n)
    return -2 * viscosity * phi_x / phi
