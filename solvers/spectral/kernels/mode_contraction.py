"""Triton truncated mode contraction: the Fourier layer between its FFTs, in one pass over memory.

``truncated_contraction(spectrum, weight, positions)``: ``spectrum (B, C_in, *S)`` complex (an
``rfftn`` output), ``weight (C_in, C_out, M)`` complex, ``positions (M,)`` the flat indices of the
retained modes in ``S``; returns ``(B, C_out, *S)``, equal to ``y[b, o, p_m] = sum_i x[b, i, p_m]
W[i, o, m]`` at the retained positions and zero elsewhere, ready for the inverse FFT. The kernel reads
the retained modes straight from the spectrum, multiplies split real and imaginary parts, and writes
every output element once (the zero padding by a second kernel over the positions not retained).
Backward keeps only the retained block: the input gradient is the same contraction with ``conj(W)^T``,
the weight gradient a per-mode reduction over the batch. Factorized weights are reconstructed first. Torch reference: :func:`solvers.spectral.contraction.truncated`.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

BLOCK = 16


@triton.jit
def _contract(x_ptr, w_ptr, out_ptr, positions_ptr, batch, c_in, c_out, points, modes,
              BLOCK_B: tl.constexpr, BLOCK_I: tl.constexpr, BLOCK_O: tl.constexpr):
    """Programs ``(mode, batch block, output block)``; x, w and out are real views ``(..., 2)``."""
    m = tl.program_id(0)
    b = tl.program_id(1) * BLOCK_B + tl.arange(0, BLOCK_B)
    o = tl.program_id(2) * BLOCK_O + tl.arange(0, BLOCK_O)
    position = tl.load(positions_ptr + m)
    real = tl.zeros((BLOCK_B, BLOCK_O), dtype=out_ptr.dtype.element_ty)
    imag = tl.zeros((BLOCK_B, BLOCK_O), dtype=out_ptr.dtype.element_ty)
    for start in range(0, c_in, BLOCK_I):
        i = start + tl.arange(0, BLOCK_I)
        x_offset = ((b[:, None] * c_in + i[None, :]) * points + position) * 2  # (B, I)
        x_mask = (b[:, None] < batch) & (i[None, :] < c_in)
        xr = tl.load(x_ptr + x_offset, mask=x_mask, other=0.0)
        xi = tl.load(x_ptr + x_offset + 1, mask=x_mask, other=0.0)
        w_offset = ((i[:, None] * c_out + o[None, :]) * modes + m) * 2  # (I, O)
        w_mask = (i[:, None] < c_in) & (o[None, :] < c_out)
        wr = tl.load(w_ptr + w_offset, mask=w_mask, other=0.0)
        wi = tl.load(w_ptr + w_offset + 1, mask=w_mask, other=0.0)
        real += tl.sum(xr[:, :, None] * wr[None, :, :] - xi[:, :, None] * wi[None, :, :], axis=1)
        imag += tl.sum(xr[:, :, None] * wi[None, :, :] + xi[:, :, None] * wr[None, :, :], axis=1)
    out_offset = ((b[:, None] * c_out + o[None, :]) * points + position) * 2
    out_mask = (b[:, None] < batch) & (o[None, :] < c_out)
    tl.store(out_ptr + out_offset, real, mask=out_mask)
    tl.store(out_ptr + out_offset + 1, imag, mask=out_mask)


@triton.jit
def _zero_rest(out_ptr, retained_ptr, rows, points, BLOCK_P: tl.constexpr):
    """Programs ``(row, point block)`` write zeros at the positions that are not retained."""
    row = tl.program_id(0)
    p = tl.program_id(1) * BLOCK_P + tl.arange(0, BLOCK_P)
    keep = tl.load(retained_ptr + p, mask=p < points, other=1)
    mask = (p < points) & (keep == 0)
    zero = tl.zeros((BLOCK_P,), dtype=out_ptr.dtype.element_ty)
    offset = (row * points + p) * 2
    tl.store(out_ptr + offset, zero, mask=mask)
    tl.store(out_ptr + offset + 1, zero, mask=mask)


@triton.jit
def _weight_gradient(x_ptr, g_ptr, out_ptr, positions_ptr, batch, c_in, c_out, points, modes,
                     BLOCK_B: tl.constexpr, BLOCK_I: tl.constexpr, BLOCK_O: tl.constexpr):
    """``dW[i, o, m] = sum_b conj(x[b, i, m]) g[b, o, p_m]``, ``x`` the retained block ``(B, C_in, M)``;
    programs ``(mode, input block, output block)``."""
    m = tl.program_id(0)
    i = tl.program_id(1) * BLOCK_I + tl.arange(0, BLOCK_I)
    o = tl.program_id(2) * BLOCK_O + tl.arange(0, BLOCK_O)
    position = tl.load(positions_ptr + m)
    real = tl.zeros((BLOCK_I, BLOCK_O), dtype=out_ptr.dtype.element_ty)
    imag = tl.zeros((BLOCK_I, BLOCK_O), dtype=out_ptr.dtype.element_ty)
    for start in range(0, batch, BLOCK_B):
        b = start + tl.arange(0, BLOCK_B)
        x_offset = ((b[None, :] * c_in + i[:, None]) * modes + m) * 2  # (I, B), from the retained block
        x_mask = (b[None, :] < batch) & (i[:, None] < c_in)
        xr = tl.load(x_ptr + x_offset, mask=x_mask, other=0.0)
        xi = tl.load(x_ptr + x_offset + 1, mask=x_mask, other=0.0)
        g_offset = ((b[:, None] * c_out + o[None, :]) * points + position) * 2  # (B, O)
        g_mask = (b[:, None] < batch) & (o[None, :] < c_out)
        gr = tl.load(g_ptr + g_offset, mask=g_mask, other=0.0)
        gi = tl.load(g_ptr + g_offset + 1, mask=g_mask, other=0.0)
        real += tl.sum(xr[:, :, None] * gr[None, :, :] + xi[:, :, None] * gi[None, :, :], axis=1)
        imag += tl.sum(xr[:, :, None] * gi[None, :, :] - xi[:, :, None] * gr[None, :, :], axis=1)
    out_offset = ((i[:, None] * c_out + o[None, :]) * modes + m) * 2
    out_mask = (i[:, None] < c_in) & (o[None, :] < c_out)
    tl.store(out_ptr + out_offset, real, mask=out_mask)
    tl.store(out_ptr + out_offset + 1, imag, mask=out_mask)


def _forward(spectrum: torch.Tensor, weight: torch.Tensor, positions: torch.Tensor, retained: torch.Tensor,
             out: torch.Tensor | None = None) -> torch.Tensor:
    batch, c_in, *space = spectrum.shape
    c_out, modes = weight.shape[1], weight.shape[2]
    points = retained.numel()
    x = torch.view_as_real(spectrum.contiguous())
    w = torch.view_as_real(weight.contiguous())
    out = torch.empty((batch, c_out, *space, 2), dtype=x.dtype, device=x.device) if out is None else torch.view_as_real(out)
    _contract[(modes, triton.cdiv(batch, BLOCK), triton.cdiv(c_out, BLOCK))](
        x, w, out, positions, batch, c_in, c_out, points, modes, BLOCK_B=BLOCK, BLOCK_I=BLOCK, BLOCK_O=BLOCK)
    _zero_rest[(batch * c_out, triton.cdiv(points, 128))](out, retained, batch * c_out, points, BLOCK_P=128)
    return torch.view_as_complex(out)


class TruncatedContraction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, spectrum, weight, positions, retained):
        block = spectrum.flatten(2)[..., positions].contiguous()  # only the retained modes are kept for backward
        ctx.save_for_backward(block, weight, positions, retained)
        return _forward(spectrum, weight, positions, retained)

    @staticmethod
    def backward(ctx, grad):
        block, weight, positions, retained = ctx.saved_tensors
        grad = grad.contiguous()
        grad_spectrum = grad_weight = None
        if ctx.needs_input_grad[0]:
            grad_spectrum = _forward(grad, weight.conj().transpose(0, 1).resolve_conj(), positions, retained)
        if ctx.needs_input_grad[1]:
            c_in, c_out, modes = weight.shape
            batch, points = block.shape[0], retained.numel()
            out = torch.empty((c_in, c_out, modes, 2), dtype=weight.real.dtype, device=weight.device)
            _weight_gradient[(modes, triton.cdiv(c_in, BLOCK), triton.cdiv(c_out, BLOCK))](
                torch.view_as_real(block), torch.view_as_real(grad), out, positions, batch, c_in, c_out, points, modes,
                BLOCK_B=BLOCK, BLOCK_I=BLOCK, BLOCK_O=BLOCK)
            grad_weight = torch.view_as_complex(out)
        return grad_spectrum, grad_weight, None, None


def truncated_contraction(spectrum: torch.Tensor, weight: torch.Tensor, positions: torch.Tensor,
                          out: torch.Tensor | None = None) -> torch.Tensor:
    """See the module docstring; ``positions`` int64 ``(M,)`` flat indices into the spatial spectrum.
    ``out`` (complex, contiguous, the output's shape) is written in place when given, without autograd."""
    points = spectrum[0, 0].numel()
    retained = torch.zeros(points, dtype=torch.int8, device=spectrum.device)
    retained[positions] = 1
    if out is not None:
        return _forward(spectrum, weight, positions, retained, out)
    return TruncatedContraction.apply(spectrum, weight, positions, retained)
