"""2D incompressible Navier-Stokes in vorticity form on a periodic box (the FNO set-up: ``[0, 1)^2``):

    w_t + u . grad w = nu lap w - alpha w + f,    u = (psi_y, -psi_x),    lap psi = -w

with viscosity ``nu``, linear drag ``alpha`` and a steady forcing ``f`` (Li et al., ICLR 2021, for
:func:`fno_forcing`; Kolmogorov flow ``f = A sin(2 pi m y / L)`` with drag, :func:`kolmogorov_forcing`).
Axes are ``(y, x)``. The state is the real-FFT spectrum ``c`` of ``w``, ``(batch, n_y, n_x/2 + 1)``
(forward normalisation, :class:`~solvers.spectral.PeriodicGrid`), advanced as

    c_t = L c + N(c),   L = -nu |k|^2 - alpha,   N(c) = -T [(k_y^2 - k_x^2) F[u v] - k_x k_y F[v^2 - u^2]] + F[f]

Basdevant's form of ``T F[u w_x + v w_y]`` (J. Comput. Phys. 50, 1983; equal for ``div u = 0``): two
fields from one inverse transform of ``c`` times ``(i k_y, -i k_x) / |k|^2``, two products, one forward
transform of both (four transforms a call instead of five); ``T`` is the 2/3 rule
(:class:`~solvers.spectral.Truncation`), alias-free for these quadratic terms. Dissipative ``L`` suits
``etdrk4`` and, for moderate ``nu |k|^2 h``, ``if_*``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .integrators import SemilinearTerm, SolverStats
from .integrators import solve as _integrate
from .spectral import PeriodicGrid, Truncation


def _check_grid(grid: PeriodicGrid) -> None:
    if not isinstance(grid, PeriodicGrid) or grid.ndim != 2:
        raise ValueError(f"grid must be a 2D PeriodicGrid, got {grid!r}")


def _check_field(name: str, w: torch.Tensor, grid: PeriodicGrid, batched: bool = True) -> torch.Tensor:
    w = torch.as_tensor(w)
    shapes = f"{grid.shape}" + (f" or (batch, {grid.shape[0]}, {grid.shape[1]})" if batched else "")
    if w.is_complex() or w.ndim not in ((2, 3) if batched else (2,)) or tuple(w.shape[-2:]) != grid.shape:
        raise ValueError(f"{name} must be real with shape {shapes}, got {tuple(w.shape)} ({w.dtype})")
    if not torch.isfinite(w).all():
        raise ValueError(f"{name} must be finite")
    return w.to(device=grid.xs[0].device, dtype=grid.dtype)


def box(n: int | tuple[int, int], length: float = 1.0, dtype: torch.dtype = torch.float64,
        device: torch.device | str = "cpu") -> PeriodicGrid:
    """The grid of ``[0, length)^2`` with ``n`` points per axis (or ``(n_y, n_x)``)."""
    return PeriodicGrid(length, n if isinstance(n, tuple) else (n, n), dtype, device, origin=0.0)


def fno_forcing(grid: PeriodicGrid) -> torch.Tensor:
    """``0.1 (sin 2 pi (x + y) + cos 2 pi (x + y))``, ``(n_y, n_x)`` (Li et al. 2021, on the unit torus)."""
    _check_grid(grid)
    y, x = grid.mesh()
    return 0.1 * (torch.sin(2 * math.pi * (x + y)) + torch.cos(2 * math.pi * (x + y)))


def kolmogorov_forcing(grid: PeriodicGrid, mode: int = 4, amplitude: float = 1.0) -> torch.Tensor:
    """``A sin(2 pi m y / L_y)``, ``(n_y, n_x)``: the Kolmogorov forcing of mode ``m`` along ``y``."""
    _check_grid(grid)
    if isinstance(mode, bool) or not isinstance(mode, int) or not 0 < mode < grid.shape[0] // 3:
        raise ValueError(f"forcing mode must be an integer in [1, {grid.shape[0] // 3 - 1}], got {mode!r}")
    y, _ = grid.mesh()
    return amplitude * torch.sin(2 * math.pi * mode * y / grid.lengths[0])


def taylor_green(grid: PeriodicGrid, t: float = 0.0, viscosity: float = 0.0, mode: int = 1) -> torch.Tensor:
    """The Taylor-Green vortex ``w = |k|^2 sin(k_x x) sin(k_y y) exp(-nu |k|^2 t)``, ``k_i = 2 pi m / L_i``,
    ``(n_y, n_x)``: an exact solution (``u . grad w = 0``); on a square box it decays as ``exp(-2 nu k^2 t)``."""
    _check_grid(grid)
    y, x = grid.mesh()
    ky, kx = (2 * math.pi * mode / length for length in grid.lengths)
    rate = kx**2 + ky**2
    return rate * torch.sin(kx * x) * torch.sin(ky * y) * math.exp(-viscosity * rate * t)


def equation(grid: PeriodicGrid, viscosity: float, forcing: torch.Tensor | None = None,
             drag: float = 0.0) -> SemilinearTerm:
    """The vorticity equation on ``grid`` as a :class:`SemilinearTerm` on spectra ``(batch, n_y, n_x/2 + 1)``.

    ``viscosity`` ``nu > 0``; ``drag`` ``alpha >= 0``; ``forcing``: ``f`` as values ``(n_y, n_x)``, or None.
    """
    _check_grid(grid)
    if not (isinstance(viscosity, (int, float)) and math.isfinite(viscosity) and viscosity > 0):
        raise ValueError(f"viscosity nu must be a positive finite number, got {viscosity!r}")
    if not (isinstance(drag, (int, float)) and math.isfinite(drag) and drag >= 0):
        raise ValueError(f"drag alpha must be a finite number >= 0, got {drag!r}")
    source = None if forcing is None else grid.to_real_coefficients(_check_field("forcing", forcing, grid, False))
    ky, kx = grid.wavenumber(0, real=True), grid.wavenumber(1, real=True)
    laplacian = grid.laplacian(real=True)
    stream = -grid.inverse_laplacian(real=True)  # psi = c / |k|^2
    mask = Truncation(grid.n, real=True).mask.to(laplacian.device)
    velocity = torch.stack(torch.broadcast_tensors(1j * ky * stream, -1j * kx * stream))
    velocity = (velocity * mask).to(grid.complex_dtype)  # (2, n_y, n_x/2 + 1): u, v
    # Basdevant (1983): u . grad w = (d_xx - d_yy)(u v) + d_xy (v^2 - u^2) for div u = 0, w = v_x - u_y
    advection = -torch.stack(torch.broadcast_tensors(ky**2 - kx**2, -kx * ky)) * mask
    advection = advection.to(grid.complex_dtype)  # (2, n_y, n_x/2 + 1): on F[u v], F[v^2 - u^2]

    def nonlinear(t: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        u, v = grid.to_real_values(c.unsqueeze(-3) * velocity).unbind(-3)
        products = grid.to_real_coefficients(torch.stack((u * v, torch.addcmul(v * v, u, u, value=-1)), -3))
        n = (advection * products).sum(-3)
        return n if source is None else n + source

    linear = (viscosity * laplacian - drag).to(grid.complex_dtype)
    return SemilinearTerm(linear, nonlinear)


@dataclass(frozen=True)
class NavierStokesSolution:
    """``t``: ``(T,)``; ``w``: vorticity values ``(batch, T, n_y, n_x)`` (``(T, n_y, n_x)`` for an unbatched ``w0``)."""

    t: torch.Tensor
    w: torch.Tensor
    stats: SolverStats


def solve(w0: torch.Tensor, grid: PeriodicGrid, t, viscosity: float, forcing: torch.Tensor | None = None,
          drag: float = 0.0, method: str = "etdrk4", **options) -> NavierStokesSolution:
    """Solve from the vorticity ``w0`` (values ``(n_y, n_x)`` or ``(batch, n_y, n_x)``) at the times ``t``;
    ``options`` go to :func:`solvers.integrators.solve` (``dt`` for fixed-step methods, else ``rtol``/``atol``)."""
    term = equation(grid, viscosity, forcing, drag)
    w0 = _check_field("w0", w0, grid)
    batched = w0.ndim == 3
    c0 = grid.to_real_coefficients(w0 if batched else w0.unsqueeze(0))
    solution = _integrate(term, c0, t, method=method, **options)
    w = grid.to_real_values(solution.y)
    return NavierStokesSolution(solution.t, w if batched else w[0], solution.stats)


# ----------------------------------------------------------------------------------- diagnostics


def _spectral_density(w: torch.Tensor, grid: PeriodicGrid) -> torch.Tensor:
    """``(1/2) area |w_hat|^2`` per real-FFT mode, counting each mode with its conjugate, ``(..., n_y, n_x/2+1)``."""
    _check_grid(grid)
    c = grid.to_real_coefficients(torch.as_tensor(w).to(grid.dtype))
    nx = grid.shape[1]
    weight = torch.full((nx // 2 + 1,), 2.0, dtype=grid.dtype, device=c.device)
    weight[0] = weight[nx // 2] = 1.0
    return 0.5 * grid.area * weight * (c.real.square() + c.imag.square())


def enstrophy(w: torch.Tensor, grid: PeriodicGrid) -> torch.Tensor:
    """``(1/2) int w^2`` of vorticity values ``(..., n_y, n_x)``, shape ``(...)``."""
    return _spectral_density(w, grid).sum((-2, -1))


def energy(w: torch.Tensor, grid: PeriodicGrid) -> torch.Tensor:
    """Kinetic energy ``(1/2) int |u|^2 = (1/2) int |w_hat|^2 / |k|^2`` of vorticity values ``(..., n_y, n_x)``."""
    return (_spectral_density(w, grid) * -grid.inverse_laplacian(real=True)).sum((-2, -1))


def energy_spectrum(w: torch.Tensor, grid: PeriodicGrid) -> tuple[torch.Tensor, torch.Tensor]:
    """The isotropic energy spectrum: shell wavenumbers ``k_s = s k_0`` (``k_0 = 2 pi / max L``), ``(S,)``,
    and ``E(k_s)``, the energy of the modes with ``round(|k| / k_0) = s``, ``(..., S)``; ``sum E = energy``."""
    density = _spectral_density(w, grid) * -grid.inverse_laplacian(real=True)
    k0 = 2 * math.pi / max(grid.lengths)
    shell = torch.round(torch.sqrt(-grid.laplacian(real=True)) / k0).long().to(density.device)
    shells = int(shell.max()) + 1
    spectrum = density.new_zeros(density.shape[:-2] + (shells,))
    spectrum.index_add_(-1, shell.flatten(), density.flatten(-2))
    return k0 * torch.arange(shells, dtype=grid.dtype, device=density.device), spectrum
