"""Triton Runge-Kutta stages: the stage state ``phase * (y + h sum_j a_j K_j)`` in one pass over memory,
and the scaled sums of squares of the embedded error estimates in another (``error_sums``).

``y (batch, *state)`` real or complex, ``stages (S, batch, *state)`` (the first ``len(a)`` used),
``a (J,)`` a tableau row, ``h (batch,)`` per-sample steps, ``phase`` (optional, the integrating
factor ``exp(L c h)``) of shape ``(batch, *state)`` or ``(*state)``. One program reads each input
value once and writes the stage state once, where torch runs a matrix product over the stages, a
multiply-add and a phase multiplication. Torch reference: the stage loop of
:meth:`solvers.integrators.runge_kutta.RungeKutta.step`, used on CPUs.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

BLOCK = 256


@triton.jit
def _stage(y_ptr, k_ptr, a_ptr, h_ptr, phase_ptr, out_ptr, width, batch, terms, phase_stride,
           COMPLEX: tl.constexpr, PHASE: tl.constexpr, BLOCK_E: tl.constexpr):
    """Programs ``(sample, block)``; ``width`` values a sample (complex values as pairs of reals)."""
    b = tl.program_id(0)
    e = tl.program_id(1) * BLOCK_E + tl.arange(0, BLOCK_E)
    mask = e < width
    h = tl.load(h_ptr + b)
    parts = 2 if COMPLEX else 1
    real = tl.zeros((BLOCK_E,), dtype=out_ptr.dtype.element_ty)
    imag = tl.zeros((BLOCK_E,), dtype=out_ptr.dtype.element_ty)
    for j in range(terms):
        a = tl.load(a_ptr + j)
        offset = ((j * batch + b) * width + e) * parts
        real += a * tl.load(k_ptr + offset, mask=mask, other=0.0)
        if COMPLEX:
            imag += a * tl.load(k_ptr + offset + 1, mask=mask, other=0.0)
    offset = (b * width + e) * parts
    real = tl.load(y_ptr + offset, mask=mask, other=0.0) + h * real
    if COMPLEX:
        imag = tl.load(y_ptr + offset + 1, mask=mask, other=0.0) + h * imag
    if PHASE:
        phase_offset = (b * phase_stride + e) * parts
        phase_real = tl.load(phase_ptr + phase_offset, mask=mask, other=0.0)
        if COMPLEX:
            phase_imag = tl.load(phase_ptr + phase_offset + 1, mask=mask, other=0.0)
            real, imag = real * phase_real - imag * phase_imag, real * phase_imag + imag * phase_real
        else:
            real = real * phase_real
    tl.store(out_ptr + offset, real, mask=mask)
    if COMPLEX:
        tl.store(out_ptr + offset + 1, imag, mask=mask)


def _real(x: torch.Tensor) -> torch.Tensor:
    return torch.view_as_real(x.contiguous()) if x.is_complex() else x.contiguous()


def stage_state(y: torch.Tensor, h: torch.Tensor, stages: torch.Tensor, a: torch.Tensor,
                phase: torch.Tensor | None = None, out: torch.Tensor | None = None) -> torch.Tensor:
    """See the module docstring; ``out`` (like ``y``, contiguous) is written in place when given."""
    batch, width = y.shape[0], y[0].numel()
    out = torch.empty_like(_real(y)) if out is None else _real(out)
    phase_stride = 0 if phase is None or phase.ndim < y.ndim else width
    _stage[(batch, triton.cdiv(width, BLOCK))](
        _real(y), _real(stages), a.contiguous(), h.to(y.real.dtype).contiguous(),
        _real(phase) if phase is not None else out, out, width, batch, a.numel(), phase_stride,
        COMPLEX=y.is_complex(), PHASE=phase is not None, BLOCK_E=BLOCK)
    return torch.view_as_complex(out) if y.is_complex() else out


@triton.jit
def _error_sums(y0_ptr, y1_ptr, k_ptr, w_ptr, h_ptr, phase_ptr, out_ptr, width, batch, stages, blocks, phase_stride,
                atol, rtol, ROWS: tl.constexpr, COMPLEX: tl.constexpr, PHASE: tl.constexpr, BLOCK_E: tl.constexpr):
    """Programs ``(sample, block)``: ``out[r, sample, block] = sum (|e_r| / scale)^2`` over the block, with
    ``e_r = phase * h sum_j w[r, j] K_j`` and ``scale = atol + rtol max(|y0|, |y1|)``."""
    b = tl.program_id(0)
    block = tl.program_id(1)
    e = block * BLOCK_E + tl.arange(0, BLOCK_E)
    mask = e < width
    parts = 2 if COMPLEX else 1
    offset = (b * width + e) * parts
    if not COMPLEX:
        size0 = tl.abs(tl.load(y0_ptr + offset, mask=mask, other=0.0))
        size1 = tl.abs(tl.load(y1_ptr + offset, mask=mask, other=0.0))
    else:
        real0 = tl.load(y0_ptr + offset, mask=mask, other=0.0)
        imag0 = tl.load(y0_ptr + offset + 1, mask=mask, other=0.0)
        real1 = tl.load(y1_ptr + offset, mask=mask, other=0.0)
        imag1 = tl.load(y1_ptr + offset + 1, mask=mask, other=0.0)
        size0 = tl.sqrt(real0 * real0 + imag0 * imag0)
        size1 = tl.sqrt(real1 * real1 + imag1 * imag1)
    scale = atol + rtol * tl.maximum(size0, size1)
    h = tl.load(h_ptr + b)
    if PHASE:
        phase_offset = (b * phase_stride + e) * parts
        phase_real = tl.load(phase_ptr + phase_offset, mask=mask, other=0.0)
        if COMPLEX:
            phase_imag = tl.load(phase_ptr + phase_offset + 1, mask=mask, other=0.0)
    for r in tl.static_range(ROWS):
        real = tl.zeros((BLOCK_E,), dtype=y0_ptr.dtype.element_ty)
        imag = tl.zeros((BLOCK_E,), dtype=y0_ptr.dtype.element_ty)
        for j in range(stages):
            weight = tl.load(w_ptr + r * stages + j)
            k_offset = ((j * batch + b) * width + e) * parts
            real += weight * tl.load(k_ptr + k_offset, mask=mask, other=0.0)
            if COMPLEX:
                imag += weight * tl.load(k_ptr + k_offset + 1, mask=mask, other=0.0)
        if PHASE:
            if COMPLEX:
                real, imag = real * phase_real - imag * phase_imag, real * phase_imag + imag * phase_real
            else:
                real = real * phase_real
        square = (h * real / scale) * (h * real / scale)
        if COMPLEX:
            square += (h * imag / scale) * (h * imag / scale)
        total = tl.sum(tl.where(mask, square, 0.0), axis=0)
        tl.store(out_ptr + (r * batch + b) * blocks + block, total)


def error_sums(y0: torch.Tensor, y1: torch.Tensor, stages: torch.Tensor, weights: torch.Tensor, h: torch.Tensor,
               phase: torch.Tensor | None, atol: float, rtol: float) -> torch.Tensor:
    """``(rows, batch)``: ``sum |e_r / scale|^2`` over each sample of the embedded error estimates
    ``e_r = phase * h * sum_j weights[r, j] stages[j]``, ``scale = atol + rtol * max(|y0|, |y1|)``,
    in one pass (per-block partial sums, added in a fixed order: deterministic)."""
    batch, width = y0.shape[0], y0[0].numel()
    rows, blocks = weights.shape[0], triton.cdiv(width, BLOCK)
    partial = torch.empty(rows, batch, blocks, dtype=y0.real.dtype, device=y0.device)
    phase_stride = 0 if phase is None or phase.ndim < y0.ndim else width
    _error_sums[(batch, blocks)](
        _real(y0), _real(y1), _real(stages), weights.contiguous(), h.to(y0.real.dtype).contiguous(),
        _real(phase) if phase is not None else partial, partial, width, batch, weights.shape[1], blocks, phase_stride,
        float(atol), float(rtol), ROWS=rows, COMPLEX=y0.is_complex(), PHASE=phase is not None, BLOCK_E=BLOCK)
    return partial.sum(-1)
