"""Per-sample step-size control: error norms, accept/reject and the next step size.

The controller never sees a tableau: a stepper hands it ``(y0, y1, errors)`` and the order of
its error estimate. Every quantity is a ``(batch,)`` tensor, so each sample of a batch keeps
its own step size and is accepted or rejected on its own, without host synchronisation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch


def _per_sample(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Reshape a ``(batch,)`` tensor to broadcast against ``y`` of shape ``(batch, *state)``."""
    return x.reshape(x.shape + (1,) * (y.ndim - 1))


def _sum_squares(x: torch.Tensor) -> torch.Tensor:
    """``sum |x|^2`` over all but the batch dimension, ``(batch,)``."""
    return (torch.view_as_real(x) if x.is_complex() else x).square().flatten(1).sum(1)


def _magnitude(x: torch.Tensor) -> torch.Tensor:
    """``|x|`` elementwise (a real-view norm: several times faster than ``abs`` for complex)."""
    return torch.linalg.vector_norm(torch.view_as_real(x), dim=-1) if x.is_complex() else x.abs()


@dataclass(frozen=True)
class StageErrors:
    """Embedded error estimates left unformed, ``e_r = phase * h * sum_j weights[r, j] stages[j]``, for the
    fused Triton kernel that forms them and their scaled norms in one pass (``stages (S, batch, *state)``,
    ``weights (rows, S)``, ``h (batch,)``, ``phase`` as in the stage state or None)."""

    stages: torch.Tensor
    weights: torch.Tensor
    h: torch.Tensor
    phase: torch.Tensor | None


@dataclass(frozen=True)
class StepSizeController:
    """Integral controller ``h_new = h * clip(safety * err^(-1/(q+1)), min_factor, max_factor)``.

    ``err`` is the RMS norm of the error scaled by ``atol + rtol * max(|y0|, |y1|)``; a step is
    accepted when ``err <= 1``. With two error estimates ``(e5, e3)`` (DOP853) the norm is
    Hairer's combination ``|e5|^2 / sqrt(|e5|^2 + 0.01 |e3|^2)``.
    """

    rtol: float
    atol: float
    safety: float = 0.9
    min_factor: float = 0.2
    max_factor: float = 10.0

    def __post_init__(self) -> None:
        for name in ("rtol", "atol"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if not self.rtol > 0:
            raise ValueError(f"rtol must be > 0, got {self.rtol!r}")
        if not 0 < self.min_factor < 1 < self.max_factor:
            raise ValueError("step factors need 0 < min_factor < 1 < max_factor")

    def error_norm(self, y0: torch.Tensor, y1: torch.Tensor, errors: tuple[torch.Tensor, ...] | StageErrors) -> torch.Tensor:
        """``(batch,)`` scaled error norm; non-finite errors give ``inf``."""
        if isinstance(errors, StageErrors):
            from ..spectral.kernels.stages import error_sums

            sums = error_sums(y0, y1, errors.stages, errors.weights, errors.h, errors.phase, self.atol, self.rtol)
        else:
            scale = self.atol + self.rtol * torch.maximum(_magnitude(y0), _magnitude(y1))
            sums = [_sum_squares(e / scale) for e in errors]
        size = y0[0].numel()
        if len(sums) == 1:
            err = torch.sqrt(sums[0] / size)
        else:
            e5, e3 = sums
            denominator = torch.sqrt((e5 + 0.01 * e3) * size)
            err = torch.where(denominator > 0, e5 / denominator, torch.zeros_like(e5))
        return torch.nan_to_num(err, nan=math.inf, posinf=math.inf)

    def adapt(self, h: torch.Tensor, err: torch.Tensor, error_order: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(accept, h_next)``, both ``(batch,)``."""
        accept = err <= 1.0
        factor = self.safety * err.clamp_min(1e-300) ** (-1.0 / (error_order + 1))
        upper = torch.where(accept, torch.full_like(factor, self.max_factor), torch.ones_like(factor))
        factor = torch.minimum(factor.clamp_min(self.min_factor), upper)
        return accept, h * factor

    def initial_step(
        self, f: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], t0: torch.Tensor, y0: torch.Tensor,
        f0: torch.Tensor, order: int,
    ) -> torch.Tensor:
        """Starting step per sample (Hairer, Norsett & Wanner I, Section II.4); one extra ``f`` call."""
        size = y0[0].numel()

        def rms(x: torch.Tensor) -> torch.Tensor:
            return torch.sqrt(_sum_squares(x / scale) / size)

        scale = self.atol + self.rtol * _magnitude(y0)
        d0, d1 = rms(y0), rms(f0)
        h0 = torch.where((d0 < 1e-5) | (d1 < 1e-5), torch.full_like(d0, 1e-6), 0.01 * d0 / d1)
        f1 = f(t0 + h0, y0 + _per_sample(h0, y0) * f0)
        d2 = rms(f1 - f0) / h0
        small = torch.maximum(d1, d2) <= 1e-15
        h1 = torch.where(
            small, torch.maximum(torch.full_like(h0, 1e-6), h0 * 1e-3),
            (0.01 / torch.maximum(d1, d2)) ** (1.0 / (order + 1)),
        )
        return torch.minimum(100 * h0, h1)
