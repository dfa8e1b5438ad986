"""Dealiasing of pointwise nonlinear terms in Fourier space.

Each strategy maps Fourier coefficients ``c`` of shape ``(..., n)`` (forward normalisation,
FFT order) and a pointwise function ``g`` to the coefficients of ``g(u)`` on the same modes.

- ``ZeroPadding(n, factor=2)``: evaluate ``g`` on a grid ``factor`` times finer and truncate
  (Orszag / Patterson; ``factor = 2`` is alias-free for cubic terms up to the Nyquist mode).
- ``ExponentialFilter(n)``: the seed solver's filter ``exp(-alpha (|k|/k_c)^p)`` with
  ``k_c = cutoff * k_Nyquist``, applied to the input and to the result of ``g``.
- ``NoDealiasing(n)``: ``g`` on the grid itself.

For real fields in real-FFT layout, :func:`real_power` gives the dealiased ``F[u^p]``.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from . import fft

Pointwise = Callable[[torch.Tensor], torch.Tensor]


def _check_size(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 4 or n % 2:
        raise ValueError(f"grid size n must be an even integer >= 4, got {n!r}")


class NoDealiasing:
    """``g`` evaluated on the ``n``-point grid, aliasing included."""

    def __init__(self, n: int):
        _check_size(n)
        self.n = n

    def __call__(self, c: torch.Tensor, g: Pointwise) -> torch.Tensor:
        return fft.forward(g(fft.inverse(c)))


class ZeroPadding:
    """``g`` evaluated on a ``factor * n`` grid; the modes beyond ``n`` are discarded."""

    def __init__(self, n: int, factor: float = 2.0):
        _check_size(n)
        if not factor >= 1.5:
            raise ValueError(f"padding factor must be >= 1.5, got {factor!r}")
        self.n = n
        self.padded = 2 * round(factor * n / 2)

    def pad(self, c: torch.Tensor) -> torch.Tensor:
        """Coefficients ``(..., n)`` to ``(..., padded)`` with zeros in the new high modes."""
        half = self.n // 2
        zeros = c.new_zeros(()).expand(*c.shape[:-1], self.padded - self.n)
        return torch.cat([c[..., :half], zeros, c[..., half:]], dim=-1)

    def truncate(self, c: torch.Tensor) -> torch.Tensor:
        """Coefficients ``(..., padded)`` back to ``(..., n)``."""
        half = self.n // 2
        return torch.cat([c[..., :half], c[..., self.padded - half :]], dim=-1)

    def __call__(self, c: torch.Tensor, g: Pointwise) -> torch.Tensor:
        return self.truncate(fft.forward(g(fft.inverse(self.pad(c)))))


class ExponentialFilter:
    """``sigma F[g(F^-1[sigma c])]`` with ``sigma = exp(-alpha (|m| / (cutoff n/2))^order)``."""

    def __init__(self, n: int, alpha: float = 36.0, order: float = 36.0, cutoff: float = 2 / 3):
        _check_size(n)
        if not alpha > 0 or not order > 0 or not 0 < cutoff <= 1:
            raise ValueError(
                f"filter needs alpha > 0, order > 0, 0 < cutoff <= 1; got {alpha!r}, {order!r}, {cutoff!r}"
            )
        self.n = n
        m = torch.fft.fftfreq(n, d=1.0 / n, dtype=torch.float64).abs()
        self.sigma = torch.exp(-alpha * (m / (cutoff * n / 2)) ** order)

    def __call__(self, c: torch.Tensor, g: Pointwise) -> torch.Tensor:
        sigma = self.sigma.to(device=c.device, dtype=c.real.dtype)
        return sigma * fft.forward(g(fft.inverse(sigma * c)))


def real_power(n: int, power: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """``c -> F[u^power]`` for real-FFT coefficients ``c (..., n/2 + 1)``: evaluated on a grid padded by
    ``(power + 1) / 2`` (3/2 for quadratic, 2 for cubic terms: alias-free) and truncated."""
    _check_size(n)
    padded = 2 * math.ceil((power + 1) * n / 4)
    modes = n // 2 + 1

    def product(c: torch.Tensor) -> torch.Tensor:
        u = torch.fft.irfft(c, n=padded, dim=-1, norm="forward")
        return torch.fft.rfft(u**power, dim=-1, norm="forward")[..., :modes]

    return product


def dealiasing(name: str, n: int) -> NoDealiasing | ZeroPadding | ExponentialFilter:
    """A strategy by name: ``"pad"`` (2x zero padding), ``"filter"`` (the seed's), ``"none"``."""
    strategies = {"pad": ZeroPadding, "filter": ExponentialFilter, "none": NoDealiasing}
    if name not in strategies:
        raise ValueError(f"unknown dealiasing {name!r}; allowed: {', '.join(strategies)}")
    return strategies[name](n)
