"""The 2D nonlinear Schrodinger equation ``i u_t + (1/2) lap u + s |u|^2 u = 0`` on a periodic box.

The equation, its invariants and its solve are those of :mod:`solvers.nlse`, which hold in any
dimension; the state is the spectrum ``(batch, n_y, n_x)`` (on the 2x padded grid with the default
dealiasing). What two dimensions add is collapse: the focusing (``s = +1``) equation is
mass-critical, and a field of mass above the Townes soliton's, ``CRITICAL_MASS`` (Weinstein 1983),
and of negative energy blows up in finite time (Glassey 1977). On a grid the blow-up shows as the
spectrum's power reaching the grid scale; :func:`solve` checks each output for it and raises
:class:`~solvers.integrators.SolverError` instead of returning an unresolved field.
"""

from __future__ import annotations

import math

import torch

from . import nlse
from .integrators import SolverError
from .spectral import PeriodicGrid

CRITICAL_MASS = 11.700896556 / 2
"""``int |R|^2`` of the Townes soliton of ``(1/2) lap R - R/2 + R^3 = 0``: half of the 11.7009 of the
form ``i u_t + lap u + |u|^2 u = 0`` (Weinstein, Commun. Math. Phys. 87, 1983)."""


def gaussian(grid: PeriodicGrid, amplitude: float = 1.0, width: float = 1.0, center=(0.0, 0.0),
             wavevector=(0.0, 0.0)) -> torch.Tensor:
    """``A exp(-|x - x0|^2 / (2 w^2) + i q . x)`` on a 2D grid, ``(n_y, n_x)`` complex; axes ``(y, x)``.
    Mass ``pi A^2 w^2``; at ``q = 0`` energy ``pi A^2 / 2 - s pi A^4 w^2 / 4``."""
    _check_grid(grid)
    if not (amplitude > 0 and width > 0):
        raise ValueError(f"gaussian amplitude and width must be > 0, got {amplitude!r}, {width!r}")
    y, x = grid.mesh()
    radius2 = (y - center[0]) ** 2 + (x - center[1]) ** 2
    phase = (wavevector[0] * y + wavevector[1] * x).to(grid.complex_dtype)
    return amplitude * torch.exp(-radius2 / (2 * width**2)) * torch.exp(1j * phase)


def outer_band_fraction(u: torch.Tensor, grid: PeriodicGrid, band: float = 1 / 3) -> torch.Tensor:
    """The fraction of the power of ``u (..., n_y, n_x)`` in the modes with ``|m_i| >= (1 - band) n_i / 2``
    on some axis, ``(...)``: near zero for a resolved field, of order one for white noise."""
    _check_grid(grid)
    c = grid.to_coefficients(u.to(grid.complex_dtype))
    power = c.real.square() + c.imag.square()
    outer = torch.zeros(grid.shape, dtype=torch.bool, device=power.device)
    for axis, m in enumerate(grid.shape):
        modes = grid.wavenumber(axis).abs().to(power.device) * grid.lengths[axis] / (2 * math.pi)
        outer = outer | (modes >= (1 - band) * m / 2)
    return (power * outer).sum((-2, -1)) / power.sum((-2, -1)).clamp_min(torch.finfo(power.dtype).tiny)


def _check_grid(grid: PeriodicGrid) -> None:
    if not isinstance(grid, PeriodicGrid) or grid.ndim != 2:
        raise ValueError(f"grid must be a 2D PeriodicGrid, got {grid!r}")


def solve(u0: torch.Tensor, grid: PeriodicGrid, t, method: str = "if_dop853", nonlinearity: float = 1.0,
          resolution: float = 1e-6, **options) -> nlse.NLSESolution:
    """Solve the 2D NLSE from ``u0`` (values ``(n_y, n_x)`` or ``(batch, n_y, n_x)``) at the times ``t``.

    ``method`` and ``options`` (``rtol``, ``atol``, ``dt``, ``dealiasing``, ``max_steps``, ``clip``) as in
    :func:`solvers.nlse.solve`. Raises :class:`SolverError` when a sample leaves the grid's resolution:
    at an output time more than ``resolution`` of its power lies in the outer third of the modes
    (:func:`outer_band_fraction`), or the integration failed on the way (non-finite state, step underflow).
    """
    _check_grid(grid)
    if not 0 < resolution < 1:
        raise ValueError(f"resolution must lie in (0, 1), got {resolution!r}")
    try:
        solution = nlse.solve(u0, grid, t, method=method, nonlinearity=nonlinearity, **options)
    except SolverError as error:
        raise SolverError(f"{_unresolved(u0, grid, nonlinearity)} ({error})") from error
    fraction = outer_band_fraction(solution.u, grid)  # (T,) or (batch, T)
    lost = ~(fraction <= resolution)  # NaN counts as lost
    if bool(lost.any()):
        where = lost.nonzero()[0].tolist()
        sample, time = ([0] + where)[-2:]
        raise SolverError(f"{_unresolved(u0, grid, nonlinearity)}: at t={float(solution.t[time]):.4g} sample {sample} "
                          f"has {float(fraction[tuple(where)]):.3g} of its power in the outer third of the modes "
                          f"(resolution {resolution:g})")
    return solution


def _unresolved(u0: torch.Tensor, grid: PeriodicGrid, nonlinearity: float) -> str:
    message = f"the 2D NLSE field is not resolved on the grid {grid.shape}"
    if nonlinearity > 0:
        mass = float(nlse.invariants(torch.as_tensor(u0), grid, nonlinearity)["mass"].max())
        if mass > CRITICAL_MASS:
            message += f"; focusing with mass {mass:.4g} above the critical {CRITICAL_MASS:.4g}: collapse"
        else:
            message += (f"; focusing with mass {mass:.4g} below the critical {CRITICAL_MASS:.4g}, which does not "
                        f"collapse: the grid is too coarse for this field")
    return message
