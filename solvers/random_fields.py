"""Gaussian random fields on a periodic grid.

A sample of ``N(0, amplitude (-d^2/dx^2 + shift)^(-power))`` on ``[-L/2, L/2)``: with the orthonormal
Fourier basis ``e^{ikx} / sqrt(L)`` the covariance has eigenvalues ``amplitude (k^2 + shift)^(-power)``,
so each real-FFT coefficient (``k > 0``) is ``sqrt(eigenvalue / L) (a - i b) / sqrt(2)`` with
``a, b ~ N(0, 1)``. The mean and the Nyquist mode are zero. ``amplitude = 625, shift = 25, power = 2``
on ``L = 1`` is the initial-condition family of the FNO Burgers benchmark (Li et al., ICLR 2021).
"""

from __future__ import annotations

import math

import torch

from .pdes import to_values, wavenumbers
from .spectral import PeriodicGrid


def gaussian_random_field(grid: PeriodicGrid, generator: torch.Generator, amplitude: float = 625.0,
                          shift: float = 25.0, power: float = 2.0) -> torch.Tensor:
    """One zero-mean real sample of shape ``(n,)``, drawn from ``generator``."""
    if not (amplitude > 0 and shift > 0 and power > 0):
        raise ValueError(f"amplitude, shift and power must be > 0, got {amplitude!r}, {shift!r}, {power!r}")
    k = wavenumbers(grid).cpu()
    std = torch.sqrt(amplitude * (k**2 + shift) ** (-power) / grid.L)
    a, b = torch.randn((2, k.numel()), generator=generator, dtype=torch.float64)
    c = std * torch.complex(a, -b) / math.sqrt(2)
    c[0] = 0
    c[-1] = 0
    return to_values(c.to(grid.complex_dtype), grid.n).to(grid.x.device)
