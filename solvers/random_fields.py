"""Gaussian random fields on a periodic grid, in one to three dimensions.

A sample of ``N(0, amplitude (-lap + shift)^(-power))`` on the grid's box (volume ``V``): with the
orthonormal Fourier basis ``e^{ik.x} / sqrt(V)`` the covariance has eigenvalues
``amplitude (|k|^2 + shift)^(-power)``, so each real-FFT coefficient is
``sqrt(eigenvalue / V) (a - i b) / sqrt(2)`` with ``a, b ~ N(0, 1)``; on the plane ``k_x = 0`` of a
field of several axes the coefficients are made Hermitian, ``(c_m + conj c_-m) / sqrt(2)``, which
keeps their variance. The mean and every Nyquist mode are zero.

``amplitude = 625, shift = 25, power = 2`` on ``L = 1`` is the FNO's Burgers family; ``amplitude =
7^3, shift = 49, power = 2.5`` on ``[0, 1)^2`` its Navier-Stokes family (Li et al., ICLR 2021: the
paper writes the factor as ``7^(3/2)``, its generating code uses ``7^(3/2)`` as the standard
deviation's factor, so the covariance's factor is ``7^3``).
"""

from __future__ import annotations

import math

import torch

from .spectral import PeriodicGrid


def gaussian_random_field(grid: PeriodicGrid, generator: torch.Generator, amplitude: float = 625.0,
                          shift: float = 25.0, power: float = 2.0, band: tuple[int, ...] | None = None) -> torch.Tensor:
    """One zero-mean real sample of shape ``grid.shape``, drawn from ``generator`` on the CPU.

    ``band``: draw only the modes of a coarser grid of that shape (``|m_i| < band_i / 2``), the same
    numbers whatever ``grid``'s resolution, so a field is the same on grids of any size at least ``band``.
    """
    if not (amplitude > 0 and shift > 0 and power > 0):
        raise ValueError(f"amplitude, shift and power must be > 0, got {amplitude!r}, {shift!r}, {power!r}")
    band = tuple(grid.shape) if band is None else tuple(band)
    if len(band) != grid.ndim or any(b > n or b % 2 for b, n in zip(band, grid.shape)):
        raise ValueError(f"band must be even sizes no larger than the grid {grid.shape}, got {band}")
    coarse = PeriodicGrid(grid.lengths, band, torch.float64)
    std = torch.sqrt(amplitude * (-coarse.laplacian(real=True) + shift) ** (-power) / grid.area)
    a, b = torch.randn((2, *std.shape), generator=generator, dtype=torch.float64)
    c = std * torch.complex(a, -b) / math.sqrt(2)
    if c.ndim > 1:  # the k_x = 0 plane made Hermitian; its Nyquist rows are zeroed below
        zero = c[..., 0]
        mirrored = torch.roll(torch.flip(zero, tuple(range(zero.ndim))), (1,) * zero.ndim, tuple(range(zero.ndim)))
        c[..., 0] = (zero + mirrored.conj()) / math.sqrt(2)
    for axis, m in enumerate(band):
        c.select(axis, m // 2).zero_()
    c.view(-1)[0] = 0
    padded = torch.zeros(grid.spectral_shape(real=True), dtype=torch.complex128)
    padded[_low_modes(band, grid.shape)] = c[_low_modes(band, band)]
    return grid.to_real_values(padded.to(grid.complex_dtype).to(grid.xs[0].device))


def _low_modes(band: tuple[int, ...], shape: tuple[int, ...]):
    """Index of the modes ``|m_i| < band_i / 2`` (and ``0 <= m_x <= band_x / 2``) in a real spectrum of ``shape``."""
    leading = [torch.cat((torch.arange(b // 2), torch.arange(n - b // 2 + 1, n)))
               for b, n in zip(band[:-1], shape[:-1])]
    last = torch.arange(band[-1] // 2 + 1)
    return torch.meshgrid(*leading, last, indexing="ij") if leading else (last,)
