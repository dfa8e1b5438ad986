"""Periodic Fourier grid in one to three dimensions, by default on ``[-L/2, L/2)`` along each axis.

Fourier coefficients use the *forward* normalisation,
``c_m = (1/N) sum_j u_j exp(-i k_m . x_j)`` and ``u_j = sum_m c_m exp(i k_m . x_j)`` (``N`` points),
so a coefficient does not depend on the resolution and zero padding needs no rescaling. Axes are
ordered as the trailing axes of a field, ``(..., n_y, n_x)`` in two dimensions; a real field's
spectrum keeps the ``n_x/2 + 1`` non-negative modes of the last axis (``real=True``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from . import fft


def _per_axis(value, name: str, check, message: str, axes: int) -> tuple:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * axes
    if not 1 <= len(values) <= 3 or len(values) != axes or not all(check(v) for v in values):
        raise ValueError(f"{message}, got {name}={value!r}")
    return values


def _is_length(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0


def _is_size(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 4 and v % 2 == 0


@dataclass(frozen=True)
class PeriodicGrid:
    """``n`` equispaced points on ``[origin, origin + L)`` per axis (``origin`` default ``-L/2``) with
    angular wavenumbers ``k = 2 pi m / L``; ``L``, ``n`` and ``origin`` are numbers (one axis, or the
    same on every axis of a tuple-valued partner) or tuples with one entry per axis.

    ``xs``, ``ks``: per axis, ``(n_i,)`` each, ``k`` in FFT order ``m = 0, 1, .., n/2-1, -n/2, .., -1``;
    in one dimension ``x`` and ``k`` are those tensors themselves.
    """

    L: float | tuple[float, ...]
    n: int | tuple[int, ...]
    dtype: torch.dtype = torch.float64
    device: torch.device | str = "cpu"
    origin: float | tuple[float, ...] | None = None
    shape: tuple[int, ...] = field(init=False, repr=False)
    lengths: tuple[float, ...] = field(init=False, repr=False)
    xs: tuple[torch.Tensor, ...] = field(init=False, repr=False)
    ks: tuple[torch.Tensor, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        axes = max(len(v) if isinstance(v, (tuple, list)) else 1 for v in (self.L, self.n))
        shape = _per_axis(self.n, "n", _is_size, "grid size n must be an even integer >= 4 per axis", axes)
        lengths = _per_axis(self.L, "L", _is_length, "grid length L must be a positive finite number per axis", axes)
        if self.dtype not in (torch.float32, torch.float64):
            raise ValueError(f"grid dtype must be torch.float32 or torch.float64, got {self.dtype}")
        origins = tuple(-length / 2 for length in lengths) if self.origin is None else _per_axis(
            self.origin, "origin", lambda v: isinstance(v, (int, float)) and math.isfinite(v),
            "grid origin must be a finite number per axis", axes)
        xs = tuple(torch.arange(m, dtype=self.dtype, device=self.device) * (length / m) + o
                   for m, length, o in zip(shape, lengths, origins))
        ks = tuple((2 * math.pi / length) * torch.fft.fftfreq(m, d=1.0 / m, dtype=self.dtype, device=self.device)
                   for m, length in zip(shape, lengths))
        for name, value in (("shape", shape), ("lengths", lengths), ("xs", xs), ("ks", ks)):
            object.__setattr__(self, name, value)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def _one_dimensional(self, name: str) -> None:
        if self.ndim != 1:
            raise ValueError(f"grid.{name} is defined in one dimension; this grid has {self.ndim} (use the per-axis form)")

    @property
    def x(self) -> torch.Tensor:
        """The points ``(n,)`` of a 1D grid (``xs`` or :meth:`mesh` in more dimensions)."""
        self._one_dimensional("x")
        return self.xs[0]

    @property
    def k(self) -> torch.Tensor:
        """The wavenumbers ``(n,)`` of a 1D grid (``ks`` or :meth:`wavenumber` in more dimensions)."""
        self._one_dimensional("k")
        return self.ks[0]

    @property
    def dx(self) -> float:
        self._one_dimensional("dx")
        return self.L / self.n

    @property
    def area(self) -> float:
        """The volume of the box, ``prod L_i`` (a length in 1D, an area in 2D)."""
        return math.prod(self.lengths)

    @property
    def complex_dtype(self) -> torch.dtype:
        return torch.complex128 if self.dtype == torch.float64 else torch.complex64

    def spectral_shape(self, real: bool = False) -> tuple[int, ...]:
        """The shape of a spectrum: ``shape``, or with ``n_last/2 + 1`` modes for a real field."""
        return self.shape[:-1] + (self.shape[-1] // 2 + 1,) if real else self.shape

    def mesh(self) -> tuple[torch.Tensor, ...]:
        """The coordinates of every point, one tensor of shape ``shape`` per axis (``ij`` indexing)."""
        return torch.meshgrid(*self.xs, indexing="ij")

    def wavenumber(self, axis: int, real: bool = False) -> torch.Tensor:
        """``k`` along ``axis``, shaped to broadcast against a spectrum (``(n_y, 1)`` for axis 0 in 2D)."""
        axis = range(self.ndim)[axis]
        k = self.ks[axis]
        if real and axis == self.ndim - 1:
            k = k[: self.shape[-1] // 2 + 1].abs()
        return k.reshape((-1,) + (1,) * (self.ndim - 1 - axis))

    def laplacian(self, real: bool = False) -> torch.Tensor:
        """The symbol ``-|k|^2`` of the Laplacian, shape :meth:`spectral_shape`."""
        return -sum(self.wavenumber(axis, real) ** 2 for axis in range(self.ndim)).expand(self.spectral_shape(real))

    def inverse_laplacian(self, real: bool = False) -> torch.Tensor:
        """``-1/|k|^2`` with the zero mode mapped to 0 (the zero-mean solution of ``lap psi = c``)."""
        symbol = self.laplacian(real).clone()
        symbol.view(-1)[0] = 1.0
        inverse = 1.0 / symbol
        inverse.view(-1)[0] = 0.0
        return inverse

    def to_coefficients(self, u: torch.Tensor) -> torch.Tensor:
        """Values ``(..., *shape)`` to Fourier coefficients ``(..., *shape)`` (forward normalisation)."""
        return fft.forward(u, dims=self.ndim)

    def to_values(self, c: torch.Tensor) -> torch.Tensor:
        """Fourier coefficients ``(..., *shape)`` to complex values ``(..., *shape)``."""
        return fft.inverse(c, dims=self.ndim)

    def to_real_coefficients(self, u: torch.Tensor) -> torch.Tensor:
        """Real values ``(..., *shape)`` to the spectrum ``(..., *spectral_shape(real=True))``."""
        return fft.real_forward(u, dims=self.ndim)

    def to_real_values(self, c: torch.Tensor) -> torch.Tensor:
        """A real field's spectrum ``(..., *spectral_shape(real=True))`` to its values ``(..., *shape)``."""
        return fft.real_inverse(c, self.shape[-1], dims=self.ndim)

    def derivative(self, u: torch.Tensor, order: int = 1, axis: int = -1) -> torch.Tensor:
        """Spectral ``d^order u / dx_axis^order`` of values ``(..., *shape)``; real input gives real output.

        For odd orders the Nyquist mode of ``axis`` is dropped (its derivative is not representable).
        """
        if order < 0:
            raise ValueError(f"derivative order must be >= 0, got {order}")
        if not -self.ndim <= axis < self.ndim:
            raise ValueError(f"derivative axis must lie in [{-self.ndim}, {self.ndim}), got {axis}")
        axis = range(self.ndim)[axis]
        symbol = (1j * self.wavenumber(axis)) ** order
        if order % 2:
            symbol.select(0, self.shape[axis] // 2).zero_()
        du = self.to_values(symbol * self.to_coefficients(u))
        return du.real if not u.is_complex() else du
