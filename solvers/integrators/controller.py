"""Per-sample step-size control: accept/reject, the next step size and the first one.

The controller never sees a tableau: a stepper hands it the error norm of a trial step, scaled by
the controller's ``atol + rtol max(|y0|, |y1|)`` (the stepper forms estimate and norm in a few fused
operations), and the order of its error estimate. Every quantity is a ``(batch,)`` tensor, so each
sample keeps its own step size and is accepted or rejected on its own, without host synchronisation.
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


def magnitude(x: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """``|x|`` elementwise (a real-view norm: several times faster than ``abs`` for complex)."""
    if x.is_complex():
        return torch.linalg.vector_norm(torch.view_as_real(x), dim=-1, out=out)
    return torch.abs(x, out=out)


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
    accepted when ``err <= 1`` (after a rejection the step does not grow).
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
        object.__setattr__(self, "_constants", {})  # per (dtype, device, order): the factors as tensors

    def adapt(self, h: torch.Tensor, err: torch.Tensor, error_order: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(accept, h_next)``, both ``(batch,)``; a NaN norm rejects with the smallest factor."""
        key = (err.dtype, err.device, error_order)
        if key not in self._constants:
            make = lambda v: torch.tensor(v, dtype=err.dtype, device=err.device)  # noqa: E731
            self._constants[key] = tuple(make(v) for v in (-1.0 / (error_order + 1), self.min_factor,
                                                           self.max_factor, 1.0))
        exponent, smallest, largest, one = self._constants[key]
        accept = err <= 1.0
        factor = torch.fmax(torch.pow(err, exponent).mul_(self.safety), smallest)
        factor = torch.minimum(factor, torch.where(accept, largest, one))
        return accept, factor.mul_(h)

    def initial_step(
        self, f: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], t0: torch.Tensor, y0: torch.Tensor,
        f0: torch.Tensor, order: int, size: int | None = None,
    ) -> torch.Tensor:
        """Starting step per sample (Hairer, Norsett & Wanner I, Section II.4); one extra ``f`` call.
        ``size``: the values of a sample that count in the RMS norms (default: all)."""
        size = size or y0[0].numel()

        def rms(x: torch.Tensor) -> torch.Tensor:
            return torch.sqrt(_sum_squares(x / scale) / size)

        scale = self.atol + self.rtol * magnitude(y0)
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
