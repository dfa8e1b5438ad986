"""What an integrator advances: a right-hand side, optionally split as ``L u + D N(t, u)``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

VectorField = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""``f(t, y)``: ``t`` of shape ``(batch,)``, ``y`` and the result of shape ``(batch, *state)``."""


@dataclass(frozen=True)
class SemilinearTerm:
    """``u_t = L u + D N(t, u)`` with ``L`` and ``D`` diagonal in the variables of ``u``.

    ``linear``: the diagonal of ``L``, shape ``state`` (it broadcasts against ``(batch, *state)``);
    ``nonlinear``: ``N(t, u)`` as a :data:`VectorField` returning a new tensor;
    ``nonlinear_flow``: optional exact flow ``(u, tau) -> u(tau)`` of ``u_t = D N(u)``, needed by
    split-step methods (``tau`` a float or a ``(batch,)`` tensor);
    ``factor``: optional ``D`` (a number or a tensor broadcasting like ``linear``; default 1), which
    integrating-factor steppers fold into their phase factors instead of multiplying every evaluation;
    ``size``: the number of values of one sample that count in RMS error norms (default: all), for
    states that carry structural zeros (a spectrum stored on a zero-padded grid).
    """

    linear: torch.Tensor
    nonlinear: VectorField
    nonlinear_flow: Callable[[torch.Tensor, float | torch.Tensor], torch.Tensor] | None = None
    factor: complex | torch.Tensor | None = None
    size: int | None = None
    imaginary: bool = field(init=False)

    def __post_init__(self) -> None:
        """``imaginary``: ``L`` is purely imaginary, so ``exp(L h)`` is unitary (checked once here)."""
        imaginary = self.linear.is_complex() and not bool(self.linear.real.any())
        object.__setattr__(self, "imaginary", imaginary)
        if self.size is not None and not (isinstance(self.size, int) and 0 < self.size <= self.linear.numel()):
            raise ValueError(f"size must be an integer in [1, {self.linear.numel()}], got {self.size!r}")

    def scaled_nonlinear(self, t: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """``D N(t, u)``."""
        n = self.nonlinear(t, u)
        return n if self.factor is None else self.factor * n

    def __call__(self, t: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        return torch.addcmul(self.scaled_nonlinear(t, u), self.linear, u)
