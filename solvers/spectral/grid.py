"""Periodic Fourier grid on ``[-L/2, L/2)``.

Fourier coefficients use the *forward* normalisation,
``c_m = (1/n) sum_j u_j exp(-i k_m x_j)`` and ``u_j = sum_m c_m exp(i k_m x_j)``, so a
coefficient does not depend on ``n`` and zero padding needs no rescaling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from . import fft


@dataclass(frozen=True)
class PeriodicGrid:
    """``n`` equispaced points on ``[-L/2, L/2)`` with angular wavenumbers ``k = 2 pi m / L``.

    ``x`` and ``k`` have shape ``(n,)``, ``k`` in FFT order ``m = 0, 1, .., n/2-1, -n/2, .., -1``.
    """

    L: float
    n: int
    dtype: torch.dtype = torch.float64
    device: torch.device | str = "cpu"
    x: torch.Tensor = field(init=False, repr=False)
    k: torch.Tensor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not (isinstance(self.L, (int, float)) and math.isfinite(self.L) and self.L > 0):
            raise ValueError(f"grid length L must be a positive finite number, got {self.L!r}")
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 4 or self.n % 2:
            raise ValueError(f"grid size n must be an even integer >= 4, got {self.n!r}")
        if self.dtype not in (torch.float32, torch.float64):
            raise ValueError(f"grid dtype must be torch.float32 or torch.float64, got {self.dtype}")
        x = torch.arange(self.n, dtype=self.dtype, device=self.device) * self.dx - self.L / 2
        m = torch.fft.fftfreq(self.n, d=1.0 / self.n, dtype=self.dtype, device=self.device)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "k", (2 * math.pi / self.L) * m)

    @property
    def dx(self) -> float:
        return self.L / self.n

    @property
    def complex_dtype(self) -> torch.dtype:
        return torch.complex128 if self.dtype == torch.float64 else torch.complex64

    def to_coefficients(self, u: torch.Tensor) -> torch.Tensor:
        """Values ``(..., n)`` to Fourier coefficients ``(..., n)`` (forward normalisation)."""
        return fft.forward(u)

    def to_values(self, c: torch.Tensor) -> torch.Tensor:
        """Fourier coefficients ``(..., n)`` to complex values ``(..., n)``."""
        return fft.inverse(c)

    def derivative(self, u: torch.Tensor, order: int = 1) -> torch.Tensor:
        """Spectral ``d^order u / dx^order`` of values ``(..., n)``; real input gives real output.

        For odd orders the Nyquist mode is dropped (its derivative is not representable).
        """
        if order < 0:
            raise ValueError(f"derivative order must be >= 0, got {order}")
        symbol = (1j * self.k) ** order
        if order % 2:
            symbol[self.n // 2] = 0
        du = self.to_values(symbol * self.to_coefficients(u))
        return du.real if not u.is_complex() else du
