"""Triton kernels that check themselves against their torch references.

``verified(kernel, device)`` runs, once per kernel and device, a small case of ``kernel`` through its
Triton code and its torch reference; a kernel that fails to compile or to run, or whose result differs
by more than its tolerance, is reported by one ``RuntimeWarning`` naming the kernel and the error, and
the dispatch point (:mod:`solvers.spectral.backend`) gives its callers the reference from then on.
``check_all(device)`` runs every kernel's full comparison (more shapes, both precisions, gradients) for
``sciml check-kernels``; ``table`` formats its rows.

Kernels (``KERNELS``) and references: ``mode_contraction`` (:func:`solvers.spectral.contraction.truncated`,
values and gradients), ``cubic_term`` (:class:`solvers.spectral.dealias.ZeroPadding` of ``|u|^2 u``),
``stage_state`` (``phase (y + h sum_j a_j K_j)``), ``error_sums`` (``sum |e_r / scale|^2`` per sample).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch

from . import contraction
from .dealias import ZeroPadding

TOLERANCE = {torch.float32: 1e-5, torch.complex64: 1e-5, torch.float64: 1e-12, torch.complex128: 1e-12}


@dataclass(frozen=True)
class Check:
    """One kernel's comparison on one device: the largest relative difference over its cases, or the error."""

    kernel: str
    device: str
    difference: float | None  # largest |triton - reference| / max |reference| over the cases, over its tolerance
    error: str | None  # the exception that stopped the kernel, as "Type: message"
    seconds: float

    @property
    def passed(self) -> bool:
        return self.error is None and self.difference is not None and self.difference <= 1.0

    @property
    def problem(self) -> str:
        if self.error is not None:
            return self.error
        return f"result differs from the torch reference by {self.difference:.3g} times the tolerance"


def _relative(value: torch.Tensor, reference: torch.Tensor) -> float:
    return float((value - reference).detach().abs().max() / reference.detach().abs().max().clamp_min(1e-300))


def _mode_contraction(device: torch.device, full: bool) -> float:
    from .kernels import mode_contraction

    worst = 0.0
    cases = [((12,), (5,), (3, 4))] + ([((10, 7), (4, 3), (5, 2)), ((6, 8, 5), (3, 4, 2), (2, 3))] if full else [])
    for dtype in (torch.complex64, torch.complex128) if full else (torch.complex64,):
        for space, modes, (c_in, c_out) in cases:
            generator = torch.Generator().manual_seed(0)
            spectrum = torch.randn(2, c_in, *space, dtype=dtype, generator=generator).to(device).requires_grad_()
            grid = space[:-1] + (2 * (space[-1] - 1),)
            positions = contraction.retained_positions(space, contraction.retained_index(grid, modes)).to(device)
            weight = torch.randn(c_in, c_out, positions.numel(), dtype=dtype, generator=generator).to(device)
            weight.requires_grad_()
            probe = torch.randn(2, c_out, *space, dtype=dtype, generator=generator).to(device)
            results = []
            for function in (mode_contraction.truncated_contraction, contraction.truncated):
                value = function(spectrum, weight, positions)
                results.append((value, *torch.autograd.grad((value * probe.conj()).real.sum(), (spectrum, weight))))
            worst = max([worst] + [_relative(a, b) / TOLERANCE[dtype] for a, b in zip(*results)])
    return worst


def _cubic_term(device: torch.device, full: bool) -> float:
    from .kernels import cubic_term

    worst = 0.0
    for dtype in (torch.complex64, torch.complex128) if full else (torch.complex64,):
        for n in (16, 50) if full else (16,):
            c = torch.randn(3, n, dtype=dtype, generator=torch.Generator().manual_seed(1)).to(device)
            padding = ZeroPadding(n)
            reference = 1j * padding(c, lambda v: v * (v * v.conj()))
            worst = max(worst, _relative(cubic_term.dealiased_cubic_term(c, padding.padded, 1j), reference)
                        / (10 * TOLERANCE[dtype]))
    return worst


def _stage_inputs(dtype: torch.dtype, device: torch.device, width: int, stages: int):
    generator = torch.Generator().manual_seed(2)
    real = dtype.to_real() if dtype.is_complex else dtype

    def draw(*shape, kind=dtype):
        return torch.randn(*shape, dtype=kind, generator=generator).to(device)

    y, k, phase = draw(3, 2, width), draw(stages, 3, 2, width), draw(3, 2, width)
    h = torch.rand(3, dtype=real, generator=generator).to(device)
    return y, k, phase, h, real


def _dtypes(full: bool) -> tuple[torch.dtype, ...]:
    return (torch.float32, torch.float64, torch.complex64, torch.complex128) if full else (torch.complex64,)


def _stage_state(device: torch.device, full: bool) -> float:
    from .kernels import stages

    worst = 0.0
    for dtype in _dtypes(full):
        y, k, phase, h, real = _stage_inputs(dtype, device, 70, 5)
        a = torch.randn(4, dtype=real, generator=torch.Generator().manual_seed(3)).to(device)
        reference = phase * (y + h[:, None, None] * torch.einsum("j,jbcn->bcn", a.to(dtype), k[:4]))
        worst = max(worst, _relative(stages.stage_state(y, h, k, a, phase), reference) / TOLERANCE[dtype])
    return worst


def _error_sums(device: torch.device, full: bool) -> float:
    from .kernels import stages

    worst = 0.0
    for dtype in _dtypes(full):
        y0, k, phase, h, real = _stage_inputs(dtype, device, 300, 6)
        y1 = y0 + 0.1 * k[0]
        weights = torch.randn(2, 6, dtype=real, generator=torch.Generator().manual_seed(4)).to(device)
        estimates = phase * h[:, None, None] * torch.einsum("rj,jbcn->rbcn", weights.to(dtype), k)
        scale = 1e-4 + 1e-3 * torch.maximum(y0.abs(), y1.abs())
        reference = (estimates.abs() / scale).square().flatten(2).sum(-1)
        fused = stages.error_sums(y0, y1, k, weights, h, phase, atol=1e-4, rtol=1e-3)
        worst = max(worst, _relative(fused, reference) / TOLERANCE[dtype])
    return worst


KERNELS: dict[str, Callable[[torch.device, bool], float]] = {
    "mode_contraction": _mode_contraction, "cubic_term": _cubic_term, "stage_state": _stage_state,
    "error_sums": _error_sums}
_verdicts: dict[tuple[str, str], Check] = {}  # (kernel, device) -> the first-use check


def check(kernel: str, device: torch.device | str, full: bool = False) -> Check:
    """Run ``kernel``'s comparison on ``device`` (``full``: every case); a failure is caught into the result."""
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; known: {', '.join(KERNELS)}")
    device = torch.device(device)
    start = time.perf_counter()
    try:
        difference, error = KERNELS[kernel](device, full), None
    except Exception as failure:  # noqa: BLE001 - a kernel that does not compile or run is what this reports
        difference, error = None, f"{type(failure).__name__}: {' '.join(str(failure).split())[:300]}"
    return Check(kernel, str(device), difference, error, time.perf_counter() - start)


def verified(kernel: str, device: torch.device | str) -> bool:
    """Whether ``kernel`` passed its first-use check on ``device`` (run now if it has not run; a failure warns once)."""
    key = (kernel, str(torch.device(device)))
    if key not in _verdicts:
        result = _verdicts[key] = check(kernel, device)
        if not result.passed:
            warnings.warn(f"Triton kernel {kernel} on {key[1]} falls back to its torch reference: {result.problem}",
                          RuntimeWarning, stacklevel=3)
    return _verdicts[key].passed


def forget() -> None:
    """Drop the first-use verdicts (they are checked again on next use)."""
    _verdicts.clear()


def check_all(device: torch.device | str) -> list[Check]:
    """Every kernel's full comparison on ``device``."""
    return [check(kernel, device, full=True) for kernel in KERNELS]


def table(results: list[Check]) -> str:
    """A Markdown table of ``results``: kernel, device, difference over tolerance, seconds, verdict."""
    lines = ["| kernel | device | difference / tolerance | seconds | verdict |", "|---|---|---|---|---|"]
    for row in results:
        difference = "-" if row.difference is None else f"{row.difference:.3g}"
        verdict = "ok" if row.passed else f"FALLS BACK: {row.problem}"
        lines.append(f"| {row.kernel} | {row.device} | {difference} | {row.seconds:.2f} | {verdict} |")
    return "\n".join(lines)
