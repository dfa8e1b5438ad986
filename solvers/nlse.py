"""The nonlinear Schrodinger equation ``i u_t + (1/2) u_xx + s |u|^2 u = 0`` on a periodic box.

The equation, :func:`solve` and :func:`invariants` hold on a grid of any dimension (``u_xx`` then the
Laplacian; the 2D specifics, collapse above all, are in :mod:`solvers.nlse2d`); the initial
conditions and exact solutions here are one-dimensional.

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
from .integrators.split_step import NAMES as _SPLIT_NAMES
from .spectral import PeriodicGrid, ZeroPadding, backend, fft
from .spectral.dealias import ExponentialFilter, NoDealiasing, dealiasing as _dealiasing

Grid = PeriodicGrid
_SPLITTING = frozenset(_SPLIT_NAMES.values())

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


def _padded_cubic(dims: int):
    """``c -> F[|u|^2 u]``, ``u = F^-1[c]``, for spectra on a padded grid of ``dims`` axes: two FFTs and
    a pointwise product through buffers kept per batch shape (the FFTs' results are new tensors)."""
    buffers: dict[tuple, tuple[torch.Tensor, ...]] = {}

    def cubic(t: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        key = (c.shape, c.dtype, c.device)
        if key not in buffers:  # the backend is chosen here, once, not at every evaluation
            u = torch.empty_like(c)
            pairs = torch.view_as_real(u)
            power = torch.empty(c.shape, dtype=c.real.dtype, device=c.device)
            fused = backend.choose(c.device, "cubic_term") == "triton"
            buffers[key] = (fused, u, pairs, pairs[..., 0], pairs[..., 1], power, power.unsqueeze(-1))
        fused, u, pairs, real, imag, power, power_pairs = buffers[key]
        if fused:
            from .spectral.kernels.cubic_term import cubic as fused_cubic

            return fft.forward(fused_cubic(fft.inverse(c, dims=dims)), dims=dims)
        fft.inverse(c, out=u, dims=dims)
        torch.mul(real, real, out=power).addcmul_(imag, imag)
        pairs.mul_(power_pairs)
        return fft.forward(u, dims=dims)

    return cubic


def equation(grid: PeriodicGrid, nonlinearity: float = 1.0,
             dealiasing: str | ZeroPadding | ExponentialFilter | NoDealiasing = "pad") -> SemilinearTerm:
    """The NLSE ``i u_t + (1/2) lap u + s |u|^2 u = 0`` on ``grid`` (any dimension: ``L = (i/2) lap``) as
    a :class:`SemilinearTerm` ``c_t = L c + D N(c)`` on Fourier coefficients.

    ``dealiasing``: ``"pad"`` (2x zero padding, alias-free for the cubic term), ``"filter"`` (the
    seed's exponential filter, applied to the nonlinear term only), ``"none"``, or a strategy object.
    With zero padding the state is the spectrum on the padded grid, ``(batch, padded)`` with the modes
    beyond ``n`` zero (:meth:`ZeroPadding.pad`; ``(batch, *padded)`` on a grid of several axes): ``N`` is
    two FFTs around ``|u|^2 u`` and the truncation is part of ``D = i s 1[|m| < n/2]`` (``size`` the
    points of ``grid`` for error norms). Otherwise the state is ``(batch, *grid.shape)``.
    The nonlinear flow ``c -> F[u exp(i s |u|^2 tau)]`` (split-step methods) is taken on the state's own
    grid, without dealiasing: build the term with ``"none"`` for split-step methods.
    Where :mod:`solvers.spectral.backend` picks Triton (CUDA), ``|u|^2 u`` is one fused kernel.
    """
    if not math.isfinite(nonlinearity):
        raise ValueError(f"nonlinearity must be finite, got {nonlinearity!r}")
    product = _dealiasing(dealiasing, grid.n) if isinstance(dealiasing, str) else dealiasing
    if product.n != grid.n:
        raise ValueError(f"dealiasing was built for n={product.n}, the grid has n={grid.n}")
    factor, dims, device = 1j * nonlinearity, grid.ndim, grid.xs[0].device
    if isinstance(product, ZeroPadding):
        padded = PeriodicGrid(grid.L, product.padded, grid.dtype, device)
        live = product.pad(torch.ones(grid.shape, dtype=grid.complex_dtype, device=device))
        linear, nonlinear, factor, size = 0.5j * padded.laplacian().to(grid.complex_dtype), _padded_cubic(dims), \
            factor * live, math.prod(grid.shape)
    else:
        def nonlinear(t: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
            return product(c, lambda u: u * (u * u.conj()))

        linear, size = 0.5j * grid.laplacian().to(grid.complex_dtype), None

    def nonlinear_flow(c: torch.Tensor, tau: float | torch.Tensor) -> torch.Tensor:
        u = fft.inverse(c, dims=dims)
        pairs = torch.view_as_real(u)
        if torch.is_tensor(tau):
            tau = tau.reshape(tau.shape + (1,) * (u.ndim - 1))
        real, imag = pairs[..., 0], pairs[..., 1]
        angle = torch.mul(real, real).addcmul_(imag, imag).mul_(nonlinearity * tau)
        return fft.forward(u.mul_(torch.complex(torch.cos(angle), torch.sin(angle))), dims=dims)

    return SemilinearTerm(linear, nonlinear, nonlinear_flow, factor=factor, size=size)


@dataclass(frozen=True)
class NLSESolution:
    """``t``: ``(T,)``; ``u``: ``(T, *grid.shape)``, or ``(batch, T, *grid.shape)`` for a batched ``u0``."""

    t: torch.Tensor
    u: torch.Tensor
    stats: SolverStats
    grid: PeriodicGrid


def solve(u0: torch.Tensor, grid: PeriodicGrid, t, method: str = "if_dop853", rtol: float = 1e-10,
          atol: float = 1e-12, dt: float | None = None, nonlinearity: float = 1.0,
          dealiasing: str | ZeroPadding | ExponentialFilter | NoDealiasing = "pad",
          max_steps: int = 1_000_000, clip: bool = False) -> NLSESolution:
    """Solve the NLSE from ``u0`` (values, ``grid.shape`` or ``(batch, *grid.shape)``) at the times ``t``.

    ``method``: any name of :data:`solvers.integrators.METHODS`; the default, integrating-factor
    DOP853, treats the dispersion exactly and steps at the pace of the nonlinearity. Tolerances
    apply to the Fourier coefficients (forward normalisation); fixed-step methods need ``dt``.
    Adaptive methods reach the output times by dense output (``clip=True``: by shortened steps).
    """
    if not isinstance(grid, PeriodicGrid):
        raise TypeError(f"grid must be a PeriodicGrid (nlse.Grid), got {type(grid).__name__}")
    u0 = torch.as_tensor(u0)
    if u0.ndim not in (grid.ndim, grid.ndim + 1) or tuple(u0.shape[u0.ndim - grid.ndim:]) != grid.shape:
        sizes = ", ".join(map(str, grid.shape))
        raise ValueError(f"u0 must have shape {grid.shape} or (batch, {sizes}), got {tuple(u0.shape)}")
    if not torch.isfinite(u0).all():
        raise ValueError("u0 must be finite")
    splitting = method in _SPLITTING
    term = equation(grid, nonlinearity, "none" if splitting else dealiasing)
    batched = u0.ndim > grid.ndim
    c0 = grid.to_coefficients(u0.to(device=grid.xs[0].device, dtype=grid.complex_dtype))
    padded = term.linear.shape[-1]
    padding = ZeroPadding(grid.n, padded / grid.shape[-1]) if term.linear.shape != grid.shape else None
    c0 = padding.pad(c0) if padding else c0
    solution = _integrate(term, c0 if batched else c0.unsqueeze(0), t, method=method, rtol=rtol, atol=atol,
                          dt=dt, max_steps=max_steps, clip=clip)
    c = padding.truncate(solution.y) if padding else solution.y
    return NLSESolution(solution.t, grid.to_values(c if batched else c[0]), solution.stats, grid)


# ------------------------------------------------------------------------------------ invariants


def invariants(u: torch.Tensor, grid: PeriodicGrid, nonlinearity: float = 1.0) -> dict[str, torch.Tensor]:
    """Mass ``int |u|^2``, momentum ``Im int u* grad u`` and energy ``int |grad u|^2/2 - s |u|^4/2``,
    computed spectrally (the quartic term on a 2x padded grid), each of shape ``u.shape[:-d]`` on a grid
    of ``d`` axes; in more than one dimension the momentum has one component per axis, ``(..., d)``."""
    d = grid.ndim
    if tuple(u.shape[u.ndim - d:]) != grid.shape:
        raise ValueError(f"u must have last dimension{'s' if d > 1 else ''} {grid.n}, got {tuple(u.shape)}")
    c = grid.to_coefficients(u.to(grid.complex_dtype))
    power = c.real.square() + c.imag.square()
    axes = tuple(range(-d, 0))
    values = fft.inverse(ZeroPadding(grid.n).pad(c), dims=d)
    quartic = grid.area * (values.real.square() + values.imag.square()).square().mean(axes)
    momentum = [grid.area * (grid.wavenumber(axis).to(power.device) * power).sum(axes) for axis in range(d)]
    return {
        "mass": grid.area * power.sum(axes),
        "momentum": momentum[0] if d == 1 else torch.stack(momentum, -1),
        "energy": grid.area * (-0.5 * grid.laplacian().to(power.device) * power).sum(axes) - 0.5 * nonlinearity * quartic,
    }
