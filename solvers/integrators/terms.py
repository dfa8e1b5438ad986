"""What an integrator advances: a right-hand side, optionally split as ``L u + N(t, u)``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

VectorField = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""``f(t, y)``: ``t`` of shape ``(batch,)``, ``y`` and the result of shape ``(batch, *state)``."""


@dataclass(frozen=True)
class SemilinearTerm:
    """``u_t = L u + N(t, u)`` with ``L`` diagonal in the variables of ``u``.

    ``linear``: the diagonal of ``L``, shape ``state`` (it broadcasts against ``(batch, *state)``);
    ``nonlinear``: ``N(t, u)`` as a :data:`VectorField`;
    ``nonlinear_flow``: optional exact flow ``(u, tau) -> u(tau)`` of ``u_t = N(u)``, needed by
    split-step methods (``tau`` a float or a ``(batch,)`` tensor).
    """

    linear: torch.Tensor
    nonlinear: VectorField
    nonlinear_flow: Callable[[torch.Tensor, float | torch.Tensor], torch.Tensor] | None = None
    imaginary: bool = field(init=False)

    def __post_init__(self) -> None:
        """``imaginary``: ``L`` is purely imaginary, so ``exp(L h)`` is unitary (checked once here)."""
        imaginary = self.linear.is_complex() and not bool(self.linear.real.any())
        object.__setattr__(self, "imaginary", imaginary)

    def __call__(self, t: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        return self.linear * u + self.nonlinear(t, u)
