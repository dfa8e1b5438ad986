"""The FFTs in the forward normalisation, the one spelling used by grids, dealiasing and equations,
over the last ``dims`` axes (1 by default, 2 for fields on a plane): complex ``forward(u)_m =
(1/N) sum_j u_j exp(-2 pi i m . j / n)`` with ``N`` the number of points, and its inverse
``inverse(c)_j = sum_m c_m exp(2 pi i m . j / n)``; for real fields ``real_forward`` keeps the
``n_last/2 + 1`` non-negative modes of the last axis and ``real_inverse`` returns real values.

Each is one ATen operation (``_fft_c2c``, ``_fft_r2c``, ``_fft_c2r``, which ``torch.fft`` wraps with
argument handling), so a solver's cost per evaluation is the transform itself; ``out`` writes into
an existing tensor.
"""

from __future__ import annotations

import torch

_NO_SCALING, _BY_N = 0, 2  # ATen's normalisation codes


def _axes(x: torch.Tensor, dims: int) -> list[int]:
    return list(range(x.ndim - dims, x.ndim))


def forward(u: torch.Tensor, out: torch.Tensor | None = None, dims: int = 1) -> torch.Tensor:
    """Values ``(..., *n)`` to coefficients ``(..., *n)``; real values are promoted to complex."""
    if not u.is_complex():
        u = u.to(torch.promote_types(u.dtype, torch.complex64))
    if out is None:
        return torch._fft_c2c(u, _axes(u, dims), _BY_N, True)
    return torch._fft_c2c(u, _axes(u, dims), _BY_N, True, out=out)


def inverse(c: torch.Tensor, out: torch.Tensor | None = None, dims: int = 1) -> torch.Tensor:
    """Coefficients ``(..., *n)`` (complex) to values ``(..., *n)``."""
    if out is None:
        return torch._fft_c2c(c, _axes(c, dims), _NO_SCALING, False)
    return torch._fft_c2c(c, _axes(c, dims), _NO_SCALING, False, out=out)


def real_forward(u: torch.Tensor, dims: int = 1) -> torch.Tensor:
    """Real values ``(..., *n)`` to coefficients ``(..., *n[:-1], n[-1]/2 + 1)``."""
    return torch._fft_r2c(u, _axes(u, dims), _BY_N, True)


def real_inverse(c: torch.Tensor, n: int, dims: int = 1) -> torch.Tensor:
    """Coefficients ``(..., *n[:-1], n/2 + 1)`` to real values ``(..., *n[:-1], n)``; ``n`` is the last size."""
    return torch._fft_c2r(c, _axes(c, dims), _NO_SCALING, n)
