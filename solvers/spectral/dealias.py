"""Dealiasing of pointwise nonlinear terms in Fourier space.

Each strategy maps Fourier coefficients ``c`` of shape ``(..., *n)`` (forward normalisation,
FFT order; ``n`` an int in 1D, a tuple ``(n_y, n_x)`` in 2D) and a pointwise function ``g`` to the
coefficients of ``g(u)`` on the same modes.

- ``ZeroPadding(n, factor=2)``: evaluate ``g`` on a grid ``factor`` times finer along every axis and
  truncate (Orszag / Patterson; ``factor = 3/2`` is alias-free for quadratic, ``2`` for cubic terms).
- ``Truncation(n, fraction=2/3)``: Orszag's 2/3 rule, ``g`` on the grid itself with the modes
  ``|m_i| >= fraction n_i / 2`` zeroed before and after (alias-free for quadratic terms); ``real=True``
  for real-FFT spectra, whose ``mask`` also serves products of several fields.
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


def _check_size(n: int | tuple[int, ...], axes: tuple[int, ...] = (1, 2, 3)) -> tuple[int, ...]:
    """The sizes per axis of ``n`` (an int or a tuple of ``axes`` entries), each even and >= 4."""
    sizes = tuple(n) if isinstance(n, tuple) else (n,)
    if len(sizes) not in axes or any(isinstance(m, bool) or not isinstance(m, int) or m < 4 or m % 2 for m in sizes):
        per_axis = f" per axis (up to {axes[-1]} axes)" if len(axes) > 1 else ""
        raise ValueError(f"grid size n must be an even integer >= 4{per_axis}, got {n!r}")
    return sizes


class NoDealiasing:
    """``g`` evaluated on the ``n``-point grid, aliasing included."""

    def __init__(self, n: int | tuple[int, ...]):
        self.dims = len(_check_size(n))
        self.n = n

    def __call__(self, c: torch.Tensor, g: Pointwise) -> torch.Tensor:
        return fft.forward(g(fft.inverse(c, dims=self.dims)), dims=self.dims)


class ZeroPadding:
    """``g`` evaluated on a grid ``factor`` times finer per axis; the modes beyond ``n`` are discarded.
    ``padded`` is the finer size, an int or a tuple as ``n``."""

    def __init__(self, n: int | tuple[int, ...], factor: float = 2.0):
        self.sizes = _check_size(n)
        if not factor >= 1.5:
            raise ValueError(f"padding factor must be >= 1.5, got {factor!r}")
        self.n = n
        self.dims = len(self.sizes)
        self.padded_sizes = tuple(2 * round(factor * m / 2) for m in self.sizes)
        self.padded = self.padded_sizes if isinstance(n, tuple) else self.padded_sizes[0]

    def _per_axis(self, c: torch.Tensor, join) -> torch.Tensor:
        for axis, (m, p) in enumerate(zip(self.sizes, self.padded_sizes)):
            c = join(c, c.ndim - self.dims + axis, m, p)
        return c

    def pad(self, c: torch.Tensor) -> torch.Tensor:
        """Coefficients ``(..., *n)`` to ``(..., *padded)`` with zeros in the new high modes."""
        def join(c, dim, m, p):
            zeros = c.new_zeros(()).expand(*c.shape[:dim], p - m, *c.shape[dim + 1:])
            return torch.cat([c.narrow(dim, 0, m // 2), zeros, c.narrow(dim, m // 2, m - m // 2)], dim=dim)

        return self._per_axis(c, join)

    def truncate(self, c: torch.Tensor) -> torch.Tensor:
        """Coefficients ``(..., *padded)`` back to ``(..., *n)``."""
        def join(c, dim, m, p):
            return torch.cat([c.narrow(dim, 0, m // 2), c.narrow(dim, p - m // 2, m // 2)], dim=dim)

        return self._per_axis(c, join)

    def __call__(self, c: torch.Tensor, g: Pointwise) -> torch.Tensor:
        return self.truncate(fft.forward(g(fft.inverse(self.pad(c), dims=self.dims)), dims=self.dims))


class Truncation:
    """``mask F[g(F^-1[mask c])]`` with ``mask = 1[|m_i| < fraction n_i / 2 on every axis]`` (Orszag 1971:
    ``fraction = 2/3`` makes quadratic terms alias-free on the kept modes). ``real=True``: ``c`` is a
    real field's spectrum ``(..., *n[:-1], n[-1]/2 + 1)`` and ``g`` returns real values."""

    def __init__(self, n: int | tuple[int, ...], fraction: float = 2 / 3, real: bool = False):
        sizes = _check_size(n)
        if not 0 < fraction <= 1:
            raise ValueError(f"truncation fraction must lie in (0, 1], got {fraction!r}")
        self.n, self.dims, self.real = n, len(sizes), real
        mask = torch.ones((), dtype=torch.bool)
        for axis, m in enumerate(sizes):
            modes = torch.fft.fftfreq(m, d=1.0 / m, dtype=torch.float64).abs()
            if real and axis == len(sizes) - 1:
                modes = modes[: m // 2 + 1]
            keep = modes < fraction * m / 2
            mask = mask & keep.reshape((-1,) + (1,) * (len(sizes) - 1 - axis))
        self.mask = mask
        self._last = sizes[-1]

    def __call__(self, c: torch.Tensor, g: Pointwise) -> torch.Tensor:
        mask = self.mask.to(c.device)
        c = torch.where(mask, c, 0)
        if self.real:
            product = fft.real_forward(g(fft.real_inverse(c, self._last, dims=self.dims)), dims=self.dims)
        else:
            product = fft.forward(g(fft.inverse(c, dims=self.dims)), dims=self.dims)
        return torch.where(mask, product, 0)


class ExponentialFilter:
    """``sigma F[g(F^-1[sigma c])]`` with ``sigma = exp(-alpha (|m| / (cutoff n/2))^order)``."""

    def __init__(self, n: int, alpha: float = 36.0, order: float = 36.0, cutoff: float = 2 / 3):
        _check_size(n, axes=(1,))
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


REAL_POWER_RULES = ("pad", "truncate")


def real_power(n: int, power: int, rule: str = "pad") -> Callable[[torch.Tensor], torch.Tensor]:
    """``c -> F[u^power]`` for real-FFT coefficients ``c (..., n/2 + 1)``, alias-free on the modes it returns.

    ``rule="pad"``: ``u`` on a grid padded by ``(power + 1) / 2`` (3/2 for quadratic, 2 for cubic terms),
    every mode kept. ``rule="truncate"``: Orszag's rule on the grid itself, the modes ``m >= n / (power + 1)``
    (the 2/3 rule for quadratic terms) dropped from ``u`` and zeroed in the result: transforms of ``n``
    points instead of ``(power + 1) n / 2``, a third of the modes (quadratic) left to the linear part."""
    _check_size(n, axes=(1,))
    if rule not in REAL_POWER_RULES:
        raise ValueError(f"unknown dealiasing rule {rule!r}; allowed: {', '.join(REAL_POWER_RULES)}")
    modes = n // 2 + 1
    if rule == "truncate":
        kept = torch.arange(modes) < n / (power + 1)
        masks = {}  # (device, dtype) -> the 0/1 mask in the real dtype of the coefficients

        def truncated(c: torch.Tensor) -> torch.Tensor:
            mask = masks.get((c.device, c.dtype))
            if mask is None:
                mask = masks[c.device, c.dtype] = kept.to(device=c.device, dtype=c.real.dtype)
            return fft.real_forward(fft.real_inverse(c * mask, n) ** power) * mask

        return truncated
    padded = 2 * math.ceil((power + 1) * n / 4)

    def product(c: torch.Tensor) -> torch.Tensor:
        u = fft.real_inverse(torch.nn.functional.pad(c, (0, padded // 2 + 1 - modes)), padded)
        return fft.real_forward(u**power)[..., :modes]

    return product


def dealiasing(name: str, n: int | tuple[int, ...]) -> NoDealiasing | ZeroPadding | ExponentialFilter:
    """A strategy by name: ``"pad"`` (2x zero padding), ``"filter"`` (the seed's, 1D), ``"none"``."""
    strategies = {"pad": ZeroPadding, "filter": ExponentialFilter, "none": NoDealiasing}
    if name not in strategies:
        raise ValueError(f"unknown dealiasing {name!r}; allowed: {', '.join(strategies)}")
    return strategies[name](n)
