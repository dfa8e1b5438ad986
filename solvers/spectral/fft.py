"""The complex FFT along the last axis in the forward normalisation, the one spelling used by grids,
dealiasing and equations: ``forward(u)_m = (1/n) sum_j u_j exp(-2 pi i m j / n)`` and its inverse
``inverse(c)_j = sum_m c_m exp(2 pi i m j / n)``.

Each is one ATen operation (``_fft_c2c``, which ``torch.fft.fft`` wraps with argument handling), so a
solver's cost per evaluation is the transform itself; ``out`` writes into an existing tensor.
"""

from __future__ import annotations

import torch

_NO_SCALING, _BY_N = 0, 2  # ATen's normalisation codes


def forward(u: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Values ``(..., n)`` to coefficients ``(..., n)``; real values are promoted to complex."""
    if not u.is_complex():
        u = u.to(torch.promote_types(u.dtype, torch.complex64))
    if out is None:
        return torch._fft_c2c(u, [u.ndim - 1], _BY_N, True)
    return torch._fft_c2c(u, [u.ndim - 1], _BY_N, True, out=out)


def inverse(c: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Coefficients ``(..., n)`` (complex) to values ``(..., n)``."""
    if out is None:
        return torch._fft_c2c(c, [c.ndim - 1], _NO_SCALING, False)
    return torch._fft_c2c(c, [c.ndim - 1], _NO_SCALING, False, out=out)
