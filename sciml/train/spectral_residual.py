"""Self-supervised operator-learning problems with spectral residuals (Du et al., ICLR 2024) and, for
the baselines, grid residuals by finite differences.

- :class:`PeriodicEvolution`, the base of the evolution problems on ``[0, 2 pi)`` (periodic) x
  ``[0, t_max]`` from ``u0``: basis Chebyshev (time) x Fourier (space), grid ``(nt, nx)`` with times from
  ``t_max`` down to 0; the initial condition is built in, ``u = u0 + w - w(t = 0)`` for the network
  output ``w`` (on the baselines' uniform grids ``u = u0 + (t / t_max) w``). Problems:
  :class:`ReactionDiffusion` ``u_t = nu u_xx + rho u (1 - u)``, :class:`Burgers`
  ``u_t + (u^2 / 2)_x = nu u_xx``, :class:`NLSE` ``i u_t + u_xx / 2 + |u|^2 u = 0`` (complex ``u``, two
  channels).
- :class:`Poisson`: ``-Laplace u = f`` on ``[0, 1)^d`` (periodic, ``d`` = 1 or 2), ``f`` and ``u`` of zero
  mean; the mean of ``w`` is removed.

The spectral loss is the squared norm of the residual's coefficients: linear terms act exactly on
coefficients (Chebyshev differentiation matrix, ``i k``), polynomial terms of degree ``p`` are evaluated
on a grid padded for exactness (``p (nt - 1) + 1`` Lobatto points in time, more than ``(p + 1) / 2``
times the points in space) and projected back; Fourier coefficients carry their Parseval weights.
Inputs are Gaussian random fields drawn on a fine grid (``fine`` points) and sampled at each model's
grid; references come from our spectral solvers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import ClassVar

import torch

from solvers import nlse, pdes
from solvers.random_fields import gaussian_random_field
from solvers.spectral import PeriodicGrid
from solvers.spectral.bases import ChebyshevBasis, FourierBasis

from ..data.channels import from_channels, to_channels

# Every problem: inputs(count, seed) on the fine grid; model_input(a, grid); solution(a, w, spectral) with
# the conditions built in; loss(u, a, spectral); reference(a, grid, spectral) on the model's grid; spec().


def _random_fields(count: int, fine: int, seed: int, dimensions: int = 1, length: float = 1.0,
                   power: float = 2.0) -> torch.Tensor:
    """``count`` zero-mean smooth periodic fields on ``[0, length)^d``, ``(count, *[fine] * d)``, unit RMS:
    Gaussian random fields ``N(0, (-Laplace + 25 (2 pi / length)^2)^-power)``."""
    generator = torch.Generator().manual_seed(seed)
    grid = PeriodicGrid(length, fine)
    shift = 25 * (2 * math.pi / length) ** 2

    def draw() -> torch.Tensor:
        return gaussian_random_field(grid, generator, amplitude=1.0, shift=shift, power=power)

    if dimensions == 1:
        fields = torch.stack([draw() for _ in range(count)])
    else:  # a sum of products of 1D fields: smooth, periodic, zero mean
        fields = torch.stack([sum(torch.outer(draw(), draw()) for _ in range(4)) for _ in range(count)])
    fields = torch.roll(fields, fine // 2, dims=-1)  # the grid starts at -length/2; put x = 0 first
    if dimensions == 2:
        fields = torch.roll(fields, fine // 2, dims=-2)
    return fields / fields.flatten(1).square().mean(1).sqrt().reshape(-1, *[1] * dimensions)


def _subsample(fields: torch.Tensor, n: int, dimensions: int) -> torch.Tensor:
    stride = fields.shape[-1] // n
    if stride * n != fields.shape[-1]:
        raise ValueError(f"grid size {n} must divide the fine grid {fields.shape[-1]}")
    index = (Ellipsis,) + (slice(None, None, stride),) * dimensions
    return fields[index]


def _periodic_second_difference(u: torch.Tensor, dim: int, length: float = 1.0) -> torch.Tensor:
    n = u.shape[dim]
    return (torch.roll(u, 1, dim) - 2 * u + torch.roll(u, -1, dim)) * (n / length) ** 2


class _SpectralOperators:
    """Exact operators on the coefficients ``(B, C, nt, nx/2 + 1)`` of the Chebyshev (time, on ``[0, t_max]``) x
    Fourier (space, on ``[0, length)``) basis of an ``(nt, nx)`` grid."""

    def __init__(self, grid: tuple[int, int], t_max: float, length: float):
        self.time, self.space = ChebyshevBasis(grid[0], 0.0, t_max), FourierBasis(grid[1], 0.0, length)

    def coefficients(self, values: torch.Tensor) -> torch.Tensor:
        return self.space.to_coefficients(self.time.to_coefficients(values, dim=-2), dim=-1)

    def d_t(self, c: torch.Tensor) -> torch.Tensor:
        return self.time.derivative(c, dim=-2)

    def d_x(self, c: torch.Tensor, order: int) -> torch.Tensor:
        return self.space.derivative(c, order, dim=-1)

    def product(self, c: torch.Tensor, function, degree: int) -> torch.Tensor:
        """Coefficients of ``function(u)`` (``(B, C, *grid) -> (B, C, *grid)``, a polynomial of ``degree``),
        exactly: evaluated on ``degree (nt - 1) + 1`` Lobatto times x more than ``(degree + 1) nx / 2`` points,
        where it is resolved with no aliasing onto the retained modes, and projected back."""
        nt, nx = self.time.n, self.space.n
        time = ChebyshevBasis(degree * (nt - 1) + 1, self.time.low, self.time.high)
        space = FourierBasis(2 * ((degree + 1) * nx // 4) + 2, self.space.low, self.space.length)
        values = self.time.to_values(self.space.to_values(c, dim=-1, n=space.n), dim=-2, n=time.n)
        result = space.to_coefficients(time.to_coefficients(function(values), dim=-2), dim=-1)
        return self.space.truncate(self.time.truncate(result, dim=-2), dim=-1)


class _FiniteDifferences:
    """Second-order finite differences on values ``(B, C, nt, nx)`` of the uniform grid: central in time
    (one-sided at ``t = 0`` and ``t_max``), periodic central in space; products are pointwise."""

    def __init__(self, grid: tuple[int, int], t_max: float, length: float):
        self.dt, self.length = t_max / (grid[0] - 1), length

    def d_t(self, u: torch.Tensor) -> torch.Tensor:
        return torch.gradient(u, spacing=self.dt, dim=-2, edge_order=2)[0]

    def d_x(self, u: torch.Tensor, order: int) -> torch.Tensor:
        if order == 1:
            return (torch.roll(u, -1, -1) - torch.roll(u, 1, -1)) * (u.shape[-1] / (2 * self.length))
        if order == 2:
            return _periodic_second_difference(u, -1, self.length)
        raise ValueError(f"finite-difference order must be 1 or 2, got {order!r}")

    def product(self, u: torch.Tensor, function, degree: int) -> torch.Tensor:
        return function(u)


@dataclass(frozen=True)
class PeriodicEvolution:
    """An evolution equation ``R(u) = 0`` (``R`` linear in ``u_t, u_x, u_xx``, polynomial in ``u``) on
    ``[0, length)`` (periodic) x ``[0, t_max]`` from ``u0``, for real or complex ``u`` (complex: two channels,
    Re and Im, for the models).

    Spectral discretisation (grid ``(nt, nx)``, times from ``t_max`` down to 0): ``u = sum_km c_km T_k(s(t))
    e^{2 pi i m x / length}`` (``k < nt``, ``|m| <= nx/2``, ``s`` in [-1, 1]); the initial condition is built
    in, ``u = u0 + w - w(t = 0)`` for the network output ``w``; the loss is ``sum_km w_m |R_km|^2`` over the
    residual's coefficients (Parseval weights ``w_m``), with derivatives exact on coefficients and the
    polynomial terms evaluated on grids padded for exactness and projected back (:class:`_SpectralOperators`).
    Uniform grid (the FNO baselines): ``u = u0 + (t / t_max) w``, the loss is the mean squared second-order
    finite-difference residual (:class:`_FiniteDifferences`). Inputs are band-limited random fields (no
    Fourier modes above ``bandwidth``) on the ``fine`` grid; references come from our solvers on the fine grid.

    Subclasses give ``name``, ``channels``, ``inputs``, ``_residual(operators, u)`` (``u`` as values or
    coefficients ``(B, C, nt, *)``, the residual likewise) and ``_integrate`` (our solver on a
    :class:`PeriodicGrid`).
    """

    t_max: float = 1.0
    length: float = 2 * math.pi
    bandwidth: int = 12
    fine: int = 256

    name: ClassVar[str]
    channels: ClassVar[int] = 1

    def __post_init__(self) -> None:
        if not (math.isfinite(self.t_max) and self.t_max > 0 and math.isfinite(self.length) and self.length > 0):
            raise ValueError(f"need finite t_max > 0 and length > 0, got {self.t_max!r}, {self.length!r}")
        if isinstance(self.fine, bool) or not isinstance(self.fine, int) or self.fine < 4 or self.fine % 2:
            raise ValueError(f"fine must be an even integer >= 4, got {self.fine!r}")
        if not (isinstance(self.bandwidth, int) and 1 <= self.bandwidth < self.fine // 2):
            raise ValueError(f"bandwidth must be an integer in [1, {self.fine // 2 - 1}], got {self.bandwidth!r}")

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("chebyshev", "fourier")

    def spec(self) -> dict:
        return {"problem": self.name, **asdict(self)}

    def _band_limited_fields(self, count: int, seed: int) -> torch.Tensor:
        """``(count, fine)`` zero-mean fields of unit RMS with power falling as ``k^-8``, modes above
        ``bandwidth`` then removed."""
        fields = _random_fields(count, self.fine, seed, length=self.length, power=4.0)
        spectrum = torch.fft.rfft(fields, dim=-1)
        spectrum[..., self.bandwidth + 1:] = 0
        return torch.fft.irfft(spectrum, n=self.fine, dim=-1)

    def model_input(self, u0: torch.Tensor, grid: tuple[int, int]) -> torch.Tensor:
        """``u0 (B, fine)`` broadcast over ``nt`` times on ``nx`` points, ``(B, channels, nt, nx)``."""
        nt, nx = grid
        return to_channels(_subsample(u0, nx, 1), 1)[:, :, None, :].expand(-1, self.channels, nt, nx)

    def times(self, nt: int, spectral: bool) -> torch.Tensor:
        """The grid's times: Chebyshev-Lobatto from ``t_max`` down to 0, or uniform from 0."""
        if spectral:
            return ChebyshevBasis(nt, 0.0, self.t_max).nodes()
        return torch.linspace(0, self.t_max, nt, dtype=torch.float64)

    def solution(self, u0: torch.Tensor, w: torch.Tensor, spectral: bool) -> torch.Tensor:
        """``w (B, channels, nt, nx)`` -> ``u (B, nt, nx)`` (complex for two channels) with ``u(t = 0) = u0``:
        ``u = u0 + w - w(t = 0)`` on the Chebyshev grid (``t = 0`` last), ``u = u0 + (t / t_max) w`` on the
        uniform one."""
        if w.ndim != 4 or w.shape[1] != self.channels:
            raise ValueError(f"expected w of shape (batch, {self.channels}, nt, nx), got {tuple(w.shape)}")
        w = from_channels(w, self.channels == 2, 1)
        initial = _subsample(u0, w.shape[-1], 1)[:, None, :].to(w.dtype)
        if spectral:
            return initial + w - w[:, -1:, :]
        t = self.times(w.shape[-2], False).to(w.real.dtype).to(w.device)
        return initial + (t / self.t_max)[:, None] * w

    def loss(self, u: torch.Tensor, u0: torch.Tensor, spectral: bool) -> torch.Tensor:
        """``u (B, nt, nx)``; spectral: the mean over the batch of the weighted squared residual coefficients;
        grid: the mean over the batch and the grid of the squared finite-difference residual."""
        values = to_channels(u, 1)
        grid = tuple(values.shape[-2:])
        if not spectral:
            return self._residual(_FiniteDifferences(grid, self.t_max, self.length), values).square().sum(1).mean()
        operators = _SpectralOperators(grid, self.t_max, self.length)
        residual = self._residual(operators, operators.coefficients(values))
        weights = operators.space.norm_weights(values.dtype).to(values.device)
        return (residual.abs().square() * weights).sum((-3, -2, -1)).mean()

    def solve(self, u0: torch.Tensor, times: torch.Tensor, points: int, dt: float | None = None) -> torch.Tensor:
        """Our solver from ``u0 (B, fine)`` sampled on ``points`` grid points, at the increasing ``times``
        (from 0), ``(B, T, points)``: ETDRK4 with step ``dt``, or at the problem's reference accuracy."""
        shift = points // 2  # the solver's grid starts at -length/2; its point shift is our x = 0
        u0 = torch.roll(_subsample(u0, points, 1), shift, dims=-1)
        return torch.roll(self._integrate(u0, PeriodicGrid(self.length, points), times, dt), -shift, dims=-1)

    def reference(self, u0: torch.Tensor, grid: tuple[int, int], spectral: bool) -> torch.Tensor:
        """Our solver's solution at reference accuracy on the fine grid, on the model's grid, ``(B, nt, nx)``."""
        nt, nx = grid
        times = self.times(nt, spectral)
        u = self.solve(u0, times.flip(0) if spectral else times, self.fine)
        return _subsample(u.flip(1) if spectral else u, nx, 1)


@dataclass(frozen=True)
class ReactionDiffusion(PeriodicEvolution):
    """``u_t = nu u_xx + rho u (1 - u)`` (Fisher-KPP), inputs ``u0`` in about [0.1, 0.9]; reference: ETDRK4,
    step 1e-3."""

    nu: float = 0.01
    rho: float = 5.0

    name: ClassVar[str] = "reaction-diffusion"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (self.nu > 0 and math.isfinite(self.rho)):
            raise ValueError(f"need nu > 0 and finite rho, got {self.nu!r}, {self.rho!r}")

    def inputs(self, count: int, seed: int) -> torch.Tensor:
        """Initial conditions ``u0`` on the fine grid, ``(count, fine)``: ``0.5 + 0.15`` band-limited fields."""
        return 0.5 + 0.15 * self._band_limited_fields(count, seed)

    def _residual(self, operators, u: torch.Tensor) -> torch.Tensor:
        return operators.d_t(u) - self.nu * operators.d_x(u, 2) - self.rho * (u - operators.product(u, torch.square, 2))

    def _integrate(self, u0: torch.Tensor, grid: PeriodicGrid, times: torch.Tensor, dt: float | None) -> torch.Tensor:
        term = pdes.reaction_diffusion(grid, diffusivity=self.nu, rate=self.rho)
        return pdes.solve(term, u0, grid, times, method="etdrk4", dt=1e-3 if dt is None else dt).u


@dataclass(frozen=True)
class Burgers(PeriodicEvolution):
    """Viscous Burgers ``u_t + (u^2 / 2)_x = nu u_xx``; inputs: band-limited fields of RMS ``amplitude`` (zero
    mean). Reference: ETDRK4, step 1e-3 (within 1e-12 of the Cole-Hopf solution). The grid residual's flux
    difference is conservative and central, ``(u_{j+1}^2 - u_{j-1}^2) / (4 dx)``.

    Defaults: ``nu = 0.1``, RMS 0.5 (``max |u0|`` about 1), at most 8 modes: the fronts steepen but stay
    resolved on 33 x 64 points up to ``t_max = 1`` (interpolation error of the solution below 2e-5)."""

    bandwidth: int = 8
    nu: float = 0.1
    amplitude: float = 0.5

    name: ClassVar[str] = "burgers"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (self.nu > 0 and math.isfinite(self.amplitude) and self.amplitude > 0):
            raise ValueError(f"need nu > 0 and finite amplitude > 0, got {self.nu!r}, {self.amplitude!r}")

    def inputs(self, count: int, seed: int) -> torch.Tensor:
        """Initial conditions ``u0`` on the fine grid, ``(count, fine)``."""
        return self.amplitude * self._band_limited_fields(count, seed)

    def _residual(self, operators, u: torch.Tensor) -> torch.Tensor:
        flux = operators.d_x(operators.product(u, torch.square, 2), 1) / 2
        return operators.d_t(u) + flux - self.nu * operators.d_x(u, 2)

    def _integrate(self, u0: torch.Tensor, grid: PeriodicGrid, times: torch.Tensor, dt: float | None) -> torch.Tensor:
        term = pdes.burgers(grid, viscosity=self.nu)
        return pdes.solve(term, u0, grid, times, method="etdrk4", dt=1e-3 if dt is None else dt).u


@dataclass(frozen=True)
class NLSE(PeriodicEvolution):
    """Focusing nonlinear Schrodinger equation ``i u_t + u_xx / 2 + |u|^2 u = 0`` for complex ``u = p + i q``,
    as two real channels: ``R = (-q_t + p_xx / 2 + |u|^2 p, p_t + q_xx / 2 + |u|^2 q)``; the cubic term is
    evaluated on ``3 nt - 2`` Lobatto times x more than ``2 nx`` points. Inputs: ``u0 = amplitude (a + i b) /
    sqrt(2)`` for independent band-limited fields ``a, b`` (RMS of ``|u0|`` about ``amplitude``). Reference:
    :func:`solvers.nlse.solve` (integrating-factor DOP853, ``rtol`` 1e-10, ``atol`` 1e-12); a given step
    ``dt`` uses ETDRK4.

    Defaults: ``t_max = 0.5``, RMS 1, at most 4 modes: resolved on 33 x 64 points (interpolation error of
    the solution below 1e-5; with 8 modes the 33 Chebyshev times would limit it to about 5e-4)."""

    t_max: float = 0.5
    bandwidth: int = 4
    amplitude: float = 1.0

    name: ClassVar[str] = "nlse"
    channels: ClassVar[int] = 2

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (math.isfinite(self.amplitude) and self.amplitude > 0):
            raise ValueError(f"amplitude must be finite and > 0, got {self.amplitude!r}")

    def inputs(self, count: int, seed: int) -> torch.Tensor:
        """Initial conditions ``u0`` on the fine grid, complex ``(count, fine)``."""
        parts = self._band_limited_fields(2 * count, seed)
        return self.amplitude / math.sqrt(2) * torch.complex(parts[:count], parts[count:])

    def _residual(self, operators, u: torch.Tensor) -> torch.Tensor:
        u_t, u_xx = operators.d_t(u), operators.d_x(u, 2)
        cubic = operators.product(u, lambda v: v * v.square().sum(1, keepdim=True), 3)
        return torch.stack([-u_t[:, 1] + u_xx[:, 0] / 2 + cubic[:, 0], u_t[:, 0] + u_xx[:, 1] / 2 + cubic[:, 1]], 1)

    def _integrate(self, u0: torch.Tensor, grid: PeriodicGrid, times: torch.Tensor, dt: float | None) -> torch.Tensor:
        if dt is None:
            return nlse.solve(u0, grid, times, rtol=1e-10, atol=1e-12).u
        return nlse.solve(u0, grid, times, method="etdrk4", dt=dt).u


@dataclass(frozen=True)
class Poisson:
    dimensions: int = 1
    fine: int = 256

    name: ClassVar[str] = "poisson"
    channels: ClassVar[int] = 1

    def __post_init__(self) -> None:
        if self.dimensions not in (1, 2):
            raise ValueError(f"dimensions must be 1 or 2, got {self.dimensions!r}")

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("fourier",) * self.dimensions

    def spec(self) -> dict:
        return {"problem": self.name, **asdict(self)}

    def inputs(self, count: int, seed: int) -> torch.Tensor:
        """Forcings ``f`` on the fine grid, ``(count, *[fine] * d)``."""
        return _random_fields(count, self.fine, seed, self.dimensions) * 100.0  # u of order 1

    def model_input(self, f: torch.Tensor, grid: tuple[int, ...]) -> torch.Tensor:
        return _subsample(f, grid[-1], self.dimensions)[:, None]

    def solution(self, f: torch.Tensor, w: torch.Tensor, spectral: bool) -> torch.Tensor:
        """``w - mean(w)``, ``(B, *grid)``."""
        w = w[:, 0]
        return w - w.mean(tuple(range(1, w.ndim)), keepdim=True)

    def _wavenumbers_squared(self, shape: tuple[int, ...], dtype, device) -> torch.Tensor:
        k = [2 * math.pi * torch.fft.fftfreq(n, 1 / n, dtype=dtype, device=device) for n in shape[:-1]]
        k.append(2 * math.pi * torch.fft.rfftfreq(shape[-1], 1 / shape[-1], dtype=dtype, device=device))
        return sum(axis.square() for axis in torch.meshgrid(*k, indexing="ij"))

    def loss(self, u: torch.Tensor, f: torch.Tensor, spectral: bool) -> torch.Tensor:
        """Spectral: ``sum_k w_k |k^2 u_k - f_k|^2`` (Parseval weights of ``rfftn``); grid: the mean squared
        residual of the second-order finite-difference Laplacian. Averaged over the batch."""
        shape, dims = tuple(u.shape[1:]), tuple(range(1, u.ndim))
        f = _subsample(f, shape[-1], self.dimensions).to(u.dtype)
        if not spectral:
            return (sum(_periodic_second_difference(u, dim) for dim in dims) + f).square().mean()
        residual = self._wavenumbers_squared(shape, u.dtype, u.device) * torch.fft.rfftn(u, dim=dims, norm="forward") \
            - torch.fft.rfftn(f, dim=dims, norm="forward")
        weights = FourierBasis(shape[-1]).norm_weights(u.dtype).to(u.device)
        return (residual.abs().square() * weights).sum(dims).mean()

    def reference(self, f: torch.Tensor, grid: tuple[int, ...], spectral: bool) -> torch.Tensor:
        """The exact solution for the fine-grid (band-limited) forcing, ``u_k = f_k / |k|^2``, on the grid."""
        dims = tuple(range(1, f.ndim))
        k2 = self._wavenumbers_squared(tuple(f.shape[1:]), f.dtype, f.device)
        spectrum = torch.fft.rfftn(f, dim=dims) / torch.where(k2 > 0, k2, torch.ones_like(k2))
        spectrum[(slice(None),) + (0,) * self.dimensions] = 0
        return _subsample(torch.fft.irfftn(spectrum, s=f.shape[1:], dim=dims), grid[-1], self.dimensions)


RESIDUAL_PROBLEMS = {problem.name: problem for problem in (ReactionDiffusion, Burgers, NLSE, Poisson)}
PRESETS: dict[str, tuple[type, dict]] = {  # the names the command line offers: a class and fixed fields
    **{name: (kind, {}) for name, kind in RESIDUAL_PROBLEMS.items() if kind is not Poisson},
    "poisson": (Poisson, {"dimensions": 1}), "poisson-2d": (Poisson, {"dimensions": 2})}


def make_residual_problem(spec: dict) -> PeriodicEvolution | Poisson:
    """A problem from its :meth:`spec` (``{"problem": name, **fields}``)."""
    fields = dict(spec)
    kind = fields.pop("problem", None)
    if kind not in RESIDUAL_PROBLEMS:
        raise ValueError(f"unknown self-supervised problem {kind!r}; allowed: {', '.join(RESIDUAL_PROBLEMS)}")
    return RESIDUAL_PROBLEMS[kind](**fields)
