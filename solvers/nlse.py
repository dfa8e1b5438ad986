"""The 1D nonlinear Schrodinger equation ``i u_t + (1/2) u_xx + s |u|^2 u = 0`` on a periodic box.

``s = +1`` (``nonlinearity=1``) is focusing, ``s = -1`` defocusing. The state is advanced as its
Fourier coefficients ``c`` (forward normalisation, see :class:`~solvers.spectral.PeriodicGrid`):

    c_t = L c + N(c),   L = -(i/2) k^2,   N(c) = i s P[|u|^2 u],   u = F^-1[c]

where ``P`` is the dealiased product (2x zero padding by default; the seed solver's exponential
filter on request). Analytic solutions and the seed solver's four cases (see ANCHORS.md) are here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .integrators import SemilinearTerm, SolverStats
from .integrators import solve as _integrate
from .spectral import PeriodicGrid, ZeroPadding, backend
from .spectral.dealias import ExponentialFilter, NoDealiasing, dealiasing as _dealiasing

Grid = PeriodicGrid

# ---------------------------------------------------------------------------- initial conditions


def _complex(x: torch.Tensor) -> torch.dtype:
    return torch.complex128 if x.dtype == torch.float64 else torch.complex64


def soliton(x: torch.Tensor, amplitude: float = 1.0, velocity: float = 0.0, x0: float = 0.0,
            phase: float = 0.0, t: float = 0.0) -> torch.Tensor:
    """Exact bright soliton (focusing), ``(n,)`` complex:
    ``A sech(A(x - v t - x0)) exp(i v x + i (A^2 - v^2) t / 2 + i phase)``.

    Mass ``2A``, momentum ``2 A v``, energy ``A v^2 - A^3 / 3``.
    """
    if not amplitude > 0:
        raise ValueError(f"soliton amplitude must be > 0, got {amplitude!r}")
    envelope = amplitude / torch.cosh(amplitude * (x - velocity * t - x0))
    theta = velocity * x + (amplitude**2 - velocity**2) * t / 2 + phase
    return envelope * torch.exp(1j * theta.to(_complex(x)))


def n_solitons(x: torch.Tensor, amplitudes, velocities, positions, phases=None) -> torch.Tensor:
    """Linear superposition of solitons (exact only while they are well separated), ``(n,)``."""
    phases = [0.0] * len(amplitudes) if phases is None else phases
    if not len(amplitudes) == len(velocities) == len(positions) == len(phases):
        raise ValueError("amplitudes, velocities, positions and phases must have equal lengths")
    return sum(soliton(x, a, v, p, ph) for a, v, p, ph in zip(amplitudes, velocities, positions, phases))


def akhmediev_wavenumber(a: float) -> float:
    """Modulation wavenumber ``Omega = 2 sqrt(1 - 2a)`` of the Akhmediev breather; period ``2 pi / Omega``."""
    if not 0 < a < 0.5:
        raise ValueError(f"Akhmediev parameter a must lie in (0, 1/2), got {a!r}")
    return 2 * math.sqrt(1 - 2 * a)


def akhmediev_breather(x: torch.Tensor, t: float, a: float) -> torch.Tensor:
    """Exact Akhmediev breather on the unit background (focusing), peak ``1 + 2 sqrt(2a)`` at ``t = 0``:

    ``[(1-4a) cosh(bt) + i b sinh(bt) + sqrt(2a) cos(Omega x)] / [sqrt(2a) cos(Omega x) - cosh(bt)] e^{it}``
    with ``Omega = 2 sqrt(1-2a)``, ``b = sqrt(8a(1-2a))`` (Akhmediev & Korneev 1986).
    """
    omega = akhmediev_wavenumber(a)
    b = math.sqrt(8 * a * (1 - 2 * a))
    modulation = math.sqrt(2 * a) * torch.cos(omega * x).to(_complex(x))
    numerator = (1 - 4 * a) * math.cosh(b * t) + 1j * b * math.sinh(b * t) + modulation
    return numerator / (modulation - math.cosh(b * t)) * complex(math.cos(t), math.sin(t))


def peregrine(x: torch.Tensor, t: float) -> torch.Tensor:
    """Peregrine soliton ``[1 - 4(1 + 2it) / (1 + 4x^2 + 4t^2)] e^{it}``, peak 3 at ``x = t = 0``."""
    denominator = (1 + 4 * x**2 + 4 * t**2).to(_complex(x))
    return (1 - 4 * (1 + 2j * t) / denominator) * complex(math.cos(t), math.sin(t))


def plane_wave(x: torch.Tensor, power: float = 1.0, wavenumber: float = 0.0, t: float = 0.0,
               nonlinearity: float = 1.0) -> torch.Tensor:
    """Exact plane wave ``sqrt(P) exp(i q x + i (s P - q^2/2) t)``."""
    if not power > 0:
        raise ValueError(f"plane-wave power must be > 0, got {power!r}")
    theta = wavenumber * x + (nonlinearity * power - wavenumber**2 / 2) * t
    return math.sqrt(power) * torch.exp(1j * theta.to(_complex(x)))


def modulated_plane_wave(x: torch.Tensor, power: float = 1.0, sideband: float = 1.0,
                         epsilon: float = 1e-6, noise: float = 0.0, seed: int = 0) -> torch.Tensor:
    """Plane wave ``sqrt(P) (1 + epsilon cos(K x)) + noise (randn + i randn)`` for modulation
    instability: in the focusing NLSE a sideband ``K`` with ``K^2 < 4P`` grows at
    ``|K| sqrt(P - K^2/4)``, fastest (rate ``P``) at ``K = sqrt(2P)``. Noise is seeded."""
    u = plane_wave(x, power) * (1 + epsilon * torch.cos(sideband * x))
    if noise:
        generator = torch.Generator().manual_seed(seed)
        shape = (2,) + tuple(x.shape)
        z = torch.randn(shape, generator=generator, dtype=torch.float64).to(device=x.device, dtype=x.dtype)
        u = u + noise * torch.complex(z[0], z[1])
    return u


# ----------------------------------------------------------------- the seed solver's four cases

SEED_L, SEED_N, SEED_T_FINAL, SEED_SNAPSHOTS = 50.0, 512, 20.0, 100


def seed_single_soliton(x: torch.Tensor) -> torch.Tensor:
    """Seed case: ``2 sech(2(x + 10)) e^{ix}``."""
    return soliton(x, amplitude=2.0, velocity=1.0, x0=-10.0)


def seed_two_solitons(x: torch.Tensor) -> torch.Tensor:
    """Seed case: linear sum, A = (2, 1.5), x0 = (-10, 10), v = (2, -2)."""
    return n_solitons(x, (2.0, 1.5), (2.0, -2.0), (-10.0, 10.0))


def seed_breather(x: torch.Tensor) -> torch.Tensor:
    """Seed case "breather": ``sqrt(2) sech(x) e^{i x/2} (1 + 0.5 cos x)`` (not an Akhmediev breather)."""
    amplitude, w, m = 1.0, 0.5, 0.5
    envelope = math.sqrt(2) * amplitude / torch.cosh(amplitude * x) * (1 + m * torch.cos(2 * w * x))
    return envelope * torch.exp(1j * (w * x).to(_complex(x)))


def seed_modulation_instability(x: torch.Tensor, seed: int = 42) -> torch.Tensor:
    """Seed case "modulation instability": ``exp(-x^2/50) + 0.01 (randn + i randn)``, NumPy's
    legacy generator seeded with 42, real parts drawn before imaginary parts, as the seed does."""
    rng = np.random.RandomState(seed)
    noise = rng.randn(x.numel()) + 1j * rng.randn(x.numel())
    gaussian = torch.exp(-(x**2) / (2 * 5.0**2))
    return gaussian + 0.01 * torch.as_tensor(noise, dtype=_complex(x), device=x.device)


SEED_CASES = {
    "single_soliton": seed_single_soliton,
    "two_solitons": seed_two_solitons,
    "breather": seed_breather,
    "modulation_instability": seed_modulation_instability,
}
"""The seed solver's four initial conditions, each a function of ``x`` on its grid ``L = 50, n = 512``."""


# --------------------------------------------------------------------------------- the equation


def equation(grid: PeriodicGrid, nonlinearity: float = 1.0,
             dealiasing: str | ZeroPadding | ExponentialFilter | NoDealiasing = "pad") -> SemilinearTerm:
    """The NLSE on ``grid`` as a :class:`SemilinearTerm` acting on Fourier coefficients ``(batch, n)``.

    ``dealiasing``: ``"pad"`` (2x zero padding, alias-free for the cubic term), ``"filter"`` (the
    seed's exponential filter, applied to the nonlinear term only), ``"none"``, or a strategy object.
    The nonlinear flow ``u -> u exp(i s |u|^2 tau)`` (for split-step methods) is not dealiased.
    With zero padding, where :mod:`solvers.spectral.backend` picks Triton (CUDA), the work around the
    FFTs of the cubic term runs in fused Triton kernels (``solvers.spectral.kernels.cubic_term``).
    """
    if not math.isfinite(nonlinearity):
        raise ValueError(f"nonlinearity must be finite, got {nonlinearity!r}")
    product = _dealiasing(dealiasing, grid.n) if isinstance(dealiasing, str) else dealiasing
    if product.n != grid.n:
        raise ValueError(f"dealiasing was built for n={product.n}, the grid has n={grid.n}")
    linear = (-0.5j * grid.k**2).to(grid.complex_dtype)
    factor = 1j * nonlinearity

    def cubic(u: torch.Tensor) -> torch.Tensor:
        return u * (u * u.conj())

    backends: dict[str, str] = {}  # device type -> "torch" or "triton", chosen on first use

    def nonlinear(t: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        if c.device.type not in backends:
            backends[c.device.type] = backend.choose(c.device) if isinstance(product, ZeroPadding) else "torch"
        if backends[c.device.type] == "triton":
            from .spectral.kernels.cubic_term import dealiased_cubic_term

            return dealiased_cubic_term(c, product.padded, factor)
        return factor * product(c, cubic)

    def nonlinear_flow(c: torch.Tensor, tau: float | torch.Tensor) -> torch.Tensor:
        u = grid.to_values(c)
        if torch.is_tensor(tau):
            tau = tau.reshape(tau.shape + (1,) * (u.ndim - 1))
        theta = (nonlinearity * tau) * (u * u.conj()).real
        return grid.to_coefficients(u * torch.complex(torch.cos(theta), torch.sin(theta)))

    return SemilinearTerm(linear, nonlinear, nonlinear_flow)


@dataclass(frozen=True)
class NLSESolution:
    """``t``: ``(T,)``; ``u``: ``(T, n)``, or ``(batch, T, n)`` for a batched ``u0``."""

    t: torch.Tensor
    u: torch.Tensor
    stats: SolverStats
    grid: PeriodicGrid


def solve(u0: torch.Tensor, grid: PeriodicGrid, t, method: str = "if_dop853", rtol: float = 1e-10,
          atol: float = 1e-12, dt: float | None = None, nonlinearity: float = 1.0,
          dealiasing: str | ZeroPadding | ExponentialFilter | NoDealiasing = "pad",
          max_steps: int = 1_000_000) -> NLSESolution:
    """Solve the NLSE from ``u0`` (values, ``(n,)`` or ``(batch, n)``) at the times ``t``.

    ``method``: any name of :data:`solvers.integrators.METHODS`; the default, integrating-factor
    DOP853, treats the dispersion exactly and steps at the pace of the nonlinearity. Tolerances
    apply to the Fourier coefficients (forward normalisation); fixed-step methods need ``dt``.
    """
    if not isinstance(grid, PeriodicGrid):
        raise TypeError(f"grid must be a PeriodicGrid (nlse.Grid), got {type(grid).__name__}")
    u0 = torch.as_tensor(u0)
    if u0.ndim not in (1, 2) or u0.shape[-1] != grid.n:
        raise ValueError(f"u0 must have shape ({grid.n},) or (batch, {grid.n}), got {tuple(u0.shape)}")
    if not torch.isfinite(u0).all():
        raise ValueError("u0 must be finite")
    term = equation(grid, nonlinearity, dealiasing)
    c0 = grid.to_coefficients(u0.to(device=grid.x.device, dtype=grid.complex_dtype))
    solution = _integrate(term, c0, t, method=method, rtol=rtol, atol=atol, dt=dt, max_steps=max_steps)
    return NLSESolution(solution.t, grid.to_values(solution.y), solution.stats, grid)


# ------------------------------------------------------------------------------------ invariants


def invariants(u: torch.Tensor, grid: PeriodicGrid, nonlinearity: float = 1.0) -> dict[str, torch.Tensor]:
    """Mass ``int |u|^2``, momentum ``Im int u* u_x`` and energy ``int |u_x|^2/2 - s |u|^4/2``,
    computed spectrally (the quartic term on a 2x padded grid), each of shape ``u.shape[:-1]``."""
    if u.shape[-1] != grid.n:
        raise ValueError(f"u must have last dimension {grid.n}, got {tuple(u.shape)}")
    c = grid.to_coefficients(u.to(grid.complex_dtype))
    power = c.real.square() + c.imag.square()
    k = grid.k.to(power.device)
    values = torch.fft.ifft(ZeroPadding(grid.n).pad(c), dim=-1, norm="forward")
    quartic = grid.L * (values.real.square() + values.imag.square()).square().mean(-1)
    return {
        "mass": grid.L * power.sum(-1),
        "momentum": grid.L * (k * power).sum(-1),
        "energy": grid.L * (0.5 * k**2 * power).sum(-1) - 0.5 * nonlinearity * quartic,
    }
