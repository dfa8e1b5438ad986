"""Self-supervised operator-learning problems with spectral residuals (Du et al., ICLR 2024) and, for
the baselines, grid residuals by finite differences.

- :class:`ReactionDiffusion`: ``u_t = nu u_xx + rho u (1 - u)`` on ``[0, 2 pi)`` (periodic) x ``[0, t_max]``,
  from ``u0``; basis Chebyshev (time) x Fourier (space), grid ``(nt, nx)`` with times from ``t_max``
  down to 0. The initial condition is built in: ``u = u0 + w - w(t = 0)`` for the network output ``w``
  (on the baselines' uniform grids ``u = u0 + (t / t_max) w``).
- :class:`Poisson`: ``-Laplace u = f`` on ``[0, 1)^d`` (periodic, ``d`` = 1 or 2), ``f`` and ``u`` of zero
  mean; the mean of ``w`` is removed.

The spectral loss is the squared norm of the residual's coefficients: linear terms act exactly on
coefficients (Chebyshev differentiation matrix, ``i k``), the quadratic term is evaluated on a grid
padded for exactness (3/2 in Fourier, ``2 nt - 1`` Lobatto points in Chebyshev) and projected back;
Fourier coefficients carry their Parseval weights. Inputs are Gaussian random fields drawn on a fine
grid (``fine`` points) and sampled at each model's grid; references come from our spectral solvers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from solvers import pdes
from solvers.random_fields import gaussian_random_field
from solvers.spectral import PeriodicGrid
from solvers.spectral.bases import ChebyshevBasis, FourierBasis

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


@dataclass(frozen=True)
class ReactionDiffusion:
    nu: float = 0.01
    rho: float = 5.0
    t_max: float = 1.0
    length: float = 2 * math.pi
    bandwidth: int = 12
    fine: int = 256

    def __post_init__(self) -> None:
        if not (self.nu > 0 and math.isfinite(self.rho) and self.t_max > 0):
            raise ValueError(f"need nu > 0, finite rho and t_max > 0, got {self.nu!r}, {self.rho!r}, {self.t_max!r}")

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("chebyshev", "fourier")

    def spec(self) -> dict:
        return {"problem": "reaction-diffusion", **asdict(self)}

    def inputs(self, count: int, seed: int) -> torch.Tensor:
        """Initial conditions ``u0`` on the fine grid, ``(count, fine)``, values in about [0.1, 0.9]: random
        fields with power falling as ``k^-8`` and no modes above ``bandwidth``."""
        fields = _random_fields(count, self.fine, seed, length=self.length, power=4.0)
        spectrum = torch.fft.rfft(fields, dim=-1)
        spectrum[..., self.bandwidth + 1:] = 0
        return 0.5 + 0.15 * torch.fft.irfft(spectrum, n=self.fine, dim=-1)

    def model_input(self, u0: torch.Tensor, grid: tuple[int, int]) -> torch.Tensor:
        """``u0 (B, fine)`` broadcast over ``nt`` times on ``nx`` points, ``(B, 1, nt, nx)``."""
        nt, nx = grid
        return _subsample(u0, nx, 1)[:, None, None, :].expand(-1, 1, nt, nx)

    def times(self, nt: int, spectral: bool) -> torch.Tensor:
        """The grid's times: Chebyshev-Lobatto from ``t_max`` down to 0, or uniform from 0."""
        if spectral:
            return ChebyshevBasis(nt, 0.0, self.t_max).nodes()
        return torch.linspace(0, self.t_max, nt, dtype=torch.float64)

    def solution(self, u0: torch.Tensor, w: torch.Tensor, spectral: bool) -> torch.Tensor:
        """``w (B, 1, nt, nx)`` -> ``u (B, nt, nx)`` with ``u(t = 0) = u0``: ``u = u0 + w - w(t = 0)`` on the
        Chebyshev grid (``t = 0`` last), ``u = u0 + (t / t_max) w`` on the uniform one."""
        w = w[:, 0]
        initial = _subsample(u0, w.shape[-1], 1)[:, None, :].to(w.dtype)
        if spectral:
            return initial + w - w[:, -1:, :]
        t = self.times(w.shape[-2], False).to(w.dtype).to(w.device)
        return initial + (t / self.t_max)[:, None] * w

    def loss(self, u: torch.Tensor, u0: torch.Tensor, spectral: bool) -> torch.Tensor:
        """Spectral: the mean over the batch of the weighted squared residual coefficients; grid: the mean
        squared finite-difference residual (second order in t and x)."""
        if not spectral:
            dt = self.t_max / (u.shape[-2] - 1)
            u_t = torch.gradient(u, spacing=dt, dim=-2, edge_order=2)[0]
            u_xx = _periodic_second_difference(u, -1, self.length)
            return (u_t - self.nu * u_xx - self.rho * u * (1 - u)).square().mean()
        nt, nx = u.shape[-2:]
        time, space = ChebyshevBasis(nt, 0.0, self.t_max), FourierBasis(nx, 0.0, self.length)
        c = space.to_coefficients(time.to_coefficients(u, dim=-2), dim=-1)
        u_t = time.derivative(c, dim=-2)
        u_xx = space.derivative(c, order=2, dim=-1)
        padded_time = ChebyshevBasis(2 * nt - 1, 0.0, self.t_max)
        padded_space = FourierBasis(3 * nx // 2, 0.0, self.length)
        values = time.to_values(space.to_values(c, dim=-1, n=padded_space.n), dim=-2, n=padded_time.n)
        square = padded_space.to_coefficients(padded_time.to_coefficients(values.square(), dim=-2), dim=-1)
        residual = u_t - self.nu * u_xx - self.rho * (c - space.truncate(time.truncate(square, dim=-2), dim=-1))
        weights = space.norm_weights(u.dtype).to(u.device)
        return (residual.abs().square() * weights).sum((-2, -1)).mean()

    def reference(self, u0: torch.Tensor, grid: tuple[int, int], spectral: bool, dt: float = 1e-3) -> torch.Tensor:
        """Our ETDRK4 solution (fine grid, step ``dt``) on the model's grid, ``(B, nt, nx)``."""
        nt, nx = grid
        times = self.times(nt, spectral)
        ascending = times.flip(0) if spectral else times
        fine = PeriodicGrid(self.length, self.fine)
        shifted = torch.roll(u0, self.fine // 2, dims=-1)  # back to the solver's [-1/2, 1/2) grid
        term = pdes.reaction_diffusion(fine, diffusivity=self.nu, rate=self.rho)
        u = torch.roll(pdes.solve(term, shifted, fine, ascending, method="etdrk4", dt=dt).u, -(self.fine // 2), dims=-1)
        return _subsample(u.flip(1) if spectral else u, nx, 1)


@dataclass(frozen=True)
class Poisson:
    dimensions: int = 1
    fine: int = 256

    def __post_init__(self) -> None:
        if self.dimensions not in (1, 2):
            raise ValueError(f"dimensions must be 1 or 2, got {self.dimensions!r}")

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("fourier",) * self.dimensions

    def spec(self) -> dict:
        return {"problem": "poisson", **asdict(self)}

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


def make_residual_problem(spec: dict) -> ReactionDiffusion | Poisson:
    """A problem from its :meth:`spec` (``{"problem": "reaction-diffusion" | "poisson", **fields}``)."""
    fields = dict(spec)
    kind = fields.pop("problem", None)
    problems = {"reaction-diffusion": ReactionDiffusion, "poisson": Poisson}
    if kind not in problems:
        raise ValueError(f"unknown self-supervised problem {kind!r}; allowed: {', '.join(problems)}")
    return problems[kind](**fields)
