"""Triton kernels around the FFTs of the dealiased cubic term ``factor * P_n F[|u|^2 u]``, ``u = F^-1[pad(c)]``.

Three one-pass kernels, the FFTs left to the vendor library: ``pad`` (copy the ``n`` coefficients
into a zero-filled spectrum of ``padded`` points), ``cubic`` (``|u|^2 u`` reading and writing each
value once) and ``truncate_scale`` (keep the ``n`` lowest modes and multiply by ``factor``). The torch
reference is :class:`solvers.spectral.dealias.ZeroPadding` with ``g = u |u|^2``.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

BLOCK = 256


@triton.jit
def _pad(c_ptr, out_ptr, n, padded, BLOCK_P: tl.constexpr):
    """Programs ``(row, block)`` over the padded spectrum; real views ``(..., 2)``."""
    row = tl.program_id(0)
    p = tl.program_id(1) * BLOCK_P + tl.arange(0, BLOCK_P)
    half = n // 2
    source = tl.where(p < half, p, p - (padded - n))
    keep = (p < half) | (p >= padded - (n - half))
    inside = p < padded
    real = tl.load(c_ptr + (row * n + source) * 2, mask=inside & keep, other=0.0)
    imag = tl.load(c_ptr + (row * n + source) * 2 + 1, mask=inside & keep, other=0.0)
    tl.store(out_ptr + (row * padded + p) * 2, real, mask=inside)
    tl.store(out_ptr + (row * padded + p) * 2 + 1, imag, mask=inside)


@triton.jit
def _cubic(u_ptr, out_ptr, count, BLOCK_P: tl.constexpr):
    p = tl.program_id(0) * BLOCK_P + tl.arange(0, BLOCK_P)
    mask = p < count
    real = tl.load(u_ptr + 2 * p, mask=mask)
    imag = tl.load(u_ptr + 2 * p + 1, mask=mask)
    power = real * real + imag * imag
    tl.store(out_ptr + 2 * p, power * real, mask=mask)
    tl.store(out_ptr + 2 * p + 1, power * imag, mask=mask)


@triton.jit
def _truncate_scale(s_ptr, out_ptr, n, padded, factor_real, factor_imag, BLOCK_P: tl.constexpr):
    row = tl.program_id(0)
    p = tl.program_id(1) * BLOCK_P + tl.arange(0, BLOCK_P)
    mask = p < n
    half = n // 2
    source = tl.where(p < half, p, p + (padded - n))
    real = tl.load(s_ptr + (row * padded + source) * 2, mask=mask)
    imag = tl.load(s_ptr + (row * padded + source) * 2 + 1, mask=mask)
    tl.store(out_ptr + (row * n + p) * 2, factor_real * real - factor_imag * imag, mask=mask)
    tl.store(out_ptr + (row * n + p) * 2 + 1, factor_real * imag + factor_imag * real, mask=mask)


def _output(shape: tuple[int, ...], like: torch.Tensor, out: torch.Tensor | None) -> torch.Tensor:
    """A real view ``(*shape, 2)`` of ``out`` (complex, contiguous), or a new one."""
    return torch.view_as_real(out) if out is not None else torch.empty(*shape, 2, dtype=like.real.dtype, device=like.device)


def pad(c: torch.Tensor, padded: int, out: torch.Tensor | None = None) -> torch.Tensor:
    """Complex coefficients ``(..., n)`` -> ``(..., padded)`` with zeros in the new high modes."""
    n, rows = c.shape[-1], c[..., 0].numel()
    out = _output((*c.shape[:-1], padded), c, out)
    _pad[(rows, triton.cdiv(padded, BLOCK))](torch.view_as_real(c.contiguous()), out, n, padded, BLOCK_P=BLOCK)
    return torch.view_as_complex(out)


def cubic(u: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """``|u|^2 u`` for complex ``u`` of any shape.  (Every function takes an optional complex ``out``.)"""
    out = _output(u.shape, u, out)
    _cubic[(triton.cdiv(u.numel(), BLOCK),)](torch.view_as_real(u.contiguous()), out, u.numel(), BLOCK_P=BLOCK)
    return torch.view_as_complex(out)


def truncate_scale(spectrum: torch.Tensor, n: int, factor: complex, out: torch.Tensor | None = None) -> torch.Tensor:
    """``factor`` times the ``n`` lowest modes of ``spectrum (..., padded)``, ``(..., n)``."""
    padded, rows = spectrum.shape[-1], spectrum[..., 0].numel()
    out = _output((*spectrum.shape[:-1], n), spectrum, out)
    _truncate_scale[(rows, triton.cdiv(n, BLOCK))](torch.view_as_real(spectrum.contiguous()), out, n, padded,
                                                  float(factor.real), float(factor.imag), BLOCK_P=BLOCK)
    return torch.view_as_complex(out)


def dealiased_cubic_term(c: torch.Tensor, padded: int, factor: complex) -> torch.Tensor:
    """``factor * truncate(F[|u|^2 u])``, ``u = F^-1[pad(c)]`` (forward-normalised transforms)."""
    u = torch.fft.ifft(pad(c, padded), dim=-1, norm="forward")
    return truncate_scale(torch.fft.fft(cubic(u), dim=-1, norm="forward"), c.shape[-1], factor)
