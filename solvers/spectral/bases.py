"""Spectral bases on one axis of a batched tensor: Fourier (periodic) and Chebyshev (bounded interval).

Each basis maps values at its ``n`` collocation points to ``modes`` coefficients and back, exactly for
its own polynomials (to round-off in float64), along any ``dim``; derivatives act on coefficients.
``to_values(c, n=...)`` evaluates a series on a larger basis's points, ``truncate`` projects a larger
basis's series back (together: products evaluated exactly on padded grids).
Tensor-product bases (2D, space-time) apply one basis per axis.

- :class:`FourierBasis`: ``n`` equispaced points on ``[low, low + L)``; coefficients are the real-FFT
  ones with forward normalisation, ``u(x) = Re sum_m c_m' e^{i k_m (x - low)}`` (``c_0`` and the
  Nyquist term once, the others twice), ``k_m = 2 pi m / L``; ``d/dx`` multiplies by ``i k_m``.
- :class:`ChebyshevBasis`: the ``n`` Chebyshev-Lobatto (Clenshaw-Curtis) points
  ``s_j = cos(pi j / (n - 1))`` mapped to ``[low, high]``; ``u = sum_k c_k T_k(s)``, transforms by the
  DCT-I (an FFT of the even extension), ``d/dx`` by the exact differentiation matrix on coefficients
  (Trefethen, *Spectral Methods in MATLAB*, ch. 8; Boyd, *Chebyshev and Fourier Spectral Methods*, app. A).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch


def _check(n: int, minimum: int, low: float, high: float) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < minimum:
        raise ValueError(f"n must be an integer >= {minimum}, got {n!r}")
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        raise ValueError(f"need finite low < high, got {low!r}, {high!r}")


@dataclass(frozen=True)
class FourierBasis:
    n: int
    low: float = 0.0
    length: float = 2 * math.pi

    def __post_init__(self) -> None:
        _check(self.n, 2, self.low, self.low + self.length)
        if self.n % 2:
            raise ValueError(f"n must be even, got {self.n}")

    @property
    def modes(self) -> int:
        return self.n // 2 + 1

    def nodes(self, dtype: torch.dtype = torch.float64) -> torch.Tensor:
        return self.low + self.length * torch.arange(self.n, dtype=dtype) / self.n

    def wavenumbers(self, dtype: torch.dtype = torch.float64) -> torch.Tensor:
        return (2 * math.pi / self.length) * torch.arange(self.modes, dtype=dtype)

    def to_coefficients(self, u: torch.Tensor, dim: int = -1) -> torch.Tensor:
        return torch.fft.rfft(u, dim=dim, norm="forward")

    def to_values(self, c: torch.Tensor, dim: int = -1, n: int | None = None) -> torch.Tensor:
        """Values at the ``n`` (default ``self.n``) equispaced points of ``c`` (``self.modes`` along ``dim``);
        a larger ``n`` zero-pads, evaluating the Nyquist term as ``c cos(k x)``, as on ``self``'s points."""
        n = n or self.n
        if c.shape[dim] != self.modes:
            raise ValueError(f"expected {self.modes} coefficients along dim {dim}, got {c.shape[dim]}")
        if n > self.n:
            halves = torch.ones(self.modes, dtype=c.real.dtype, device=c.device)
            halves[-1] = 0.5
            c = c * _along(halves, dim, c.ndim)
        return torch.fft.irfft(c, n=n, dim=dim, norm="forward")

    def truncate(self, c: torch.Tensor, dim: int = -1) -> torch.Tensor:
        """This basis's coefficients of the L2 projection of a series given by the coefficients ``c`` of a
        larger basis on the same interval: the lowest modes, the Nyquist term as the ``cos`` part (``2 Re``)."""
        c = c.narrow(dim, 0, self.modes)
        nyquist = c.narrow(dim, self.modes - 1, 1)
        return torch.cat([c.narrow(dim, 0, self.modes - 1), 2 * nyquist.real.to(c.dtype)], dim=dim)

    def derivative(self, c: torch.Tensor, order: int = 1, dim: int = -1) -> torch.Tensor:
        """Coefficients of ``d^order u / dx^order`` (odd orders drop the Nyquist term)."""
        symbol = (1j * self.wavenumbers(c.real.dtype).to(c.device)) ** order
        if order % 2:
            symbol[-1] = 0
        return c * _along(symbol, dim, c.ndim)

    def norm_weights(self, dtype: torch.dtype = torch.float64) -> torch.Tensor:
        """``w`` with ``mean_x |u|^2 = sum_m w_m |c_m|^2`` (Parseval for real ``u``): 1 for ``m = 0`` and
        the Nyquist term, 2 otherwise."""
        weights = torch.full((self.modes,), 2.0, dtype=dtype)
        weights[0] = weights[-1] = 1.0
        return weights


def _along(v: torch.Tensor, dim: int, ndim: int) -> torch.Tensor:
    """``v (n,)`` shaped to broadcast along ``dim`` of an ``ndim``-dimensional tensor."""
    shape = [1] * ndim
    shape[dim] = -1
    return v.reshape(shape)


def _even_extension_fft(v: torch.Tensor, dim: int) -> torch.Tensor:
    """``sum_j v_j cos(pi j k / N)`` doubled inside, i.e. the real FFT of ``[v_0 .. v_N, v_{N-1} .. v_1]``."""
    v = v.movedim(dim, -1)
    extended = torch.cat([v, v[..., 1:-1].flip(-1)], dim=-1)
    return torch.fft.rfft(extended, dim=-1).real.movedim(-1, dim)


@dataclass(frozen=True)
class ChebyshevBasis:
    n: int
    low: float = -1.0
    high: float = 1.0

    def __post_init__(self) -> None:
        _check(self.n, 2, self.low, self.high)

    @property
    def modes(self) -> int:
        return self.n

    def nodes(self, dtype: torch.dtype = torch.float64) -> torch.Tensor:
        """From ``high`` down to ``low``, ``(n,)``."""
        s = torch.cos(math.pi * torch.arange(self.n, dtype=torch.float64) / (self.n - 1))
        return (self.low + (s + 1) * (self.high - self.low) / 2).to(dtype)

    def to_coefficients(self, u: torch.Tensor, dim: int = -1) -> torch.Tensor:
        if u.shape[dim] != self.n:
            raise ValueError(f"expected {self.n} values along dim {dim}, got {u.shape[dim]}")
        c = _even_extension_fft(u, dim) / (self.n - 1)
        ends = torch.ones(self.n, dtype=c.dtype, device=c.device)
        ends[0] = ends[-1] = 0.5
        return c * _along(ends, dim, c.ndim)

    def to_values(self, c: torch.Tensor, dim: int = -1, n: int | None = None) -> torch.Tensor:
        """Values at the ``n`` (default ``self.n``) Lobatto points; a larger ``n`` zero-pads the series."""
        n = n or self.n
        modes = c.shape[dim]
        if modes > n:
            raise ValueError(f"{modes} coefficients do not fit {n} points")
        c = c.movedim(dim, -1)
        padded = torch.nn.functional.pad(c, (0, n - modes))
        halves = torch.full((n,), 0.5, dtype=c.dtype, device=c.device)
        halves[0] = halves[-1] = 1.0
        return _even_extension_fft(padded * halves, -1).movedim(-1, dim)

    def truncate(self, c: torch.Tensor, dim: int = -1) -> torch.Tensor:
        """This basis's coefficients of the projection (Chebyshev-weighted L2) of a longer series ``c``."""
        return c.narrow(dim, 0, self.n)

    def derivative(self, c: torch.Tensor, order: int = 1, dim: int = -1) -> torch.Tensor:
        """Coefficients of ``d^order u / dx^order`` (``c.shape[dim]`` coefficients along ``dim``)."""
        k = torch.arange(c.shape[dim], dtype=torch.float64)
        row, column = k[:, None], k[None, :]
        first = torch.where((column > row) & ((column + row) % 2 == 1), 2 * column, torch.zeros(()))
        first[0] /= 2
        first *= 2 / (self.high - self.low)
        matrix = torch.linalg.matrix_power(first, order).to(c.dtype).to(c.device)
        return (c.movedim(dim, -1) @ matrix.T).movedim(-1, dim)

    def boundary_values(self, c: torch.Tensor, dim: int = -1) -> tuple[torch.Tensor, torch.Tensor]:
        """``(u(low), u(high))``: ``T_k(-1) = (-1)^k``, ``T_k(1) = 1``."""
        signs = (-1.0) ** torch.arange(c.shape[dim], dtype=c.real.dtype, device=c.device)
        c = c.movedim(dim, -1)
        return (c * signs).sum(-1), c.sum(-1)
