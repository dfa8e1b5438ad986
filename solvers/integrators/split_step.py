"""Split-step methods for ``u' = L u + N(u)``: exact linear flow, exact nonlinear flow.

Strang splitting ``S(h) = exp(L h/2) Phi_N(h) exp(L h/2)`` is second order. The higher orders are
symmetric compositions ``S(g_s h) ... S(g_1 h)`` of it (adjacent linear half-steps merged):

- order 4: Yoshida's triple jump, ``g = (w1, 1 - 2 w1, w1)``, ``w1 = 1 / (2 - 2^(1/3))``
  (Yoshida, Phys. Lett. A 150, 1990);
- order 6: Kahan & Li's 9-stage composition ``s9odr6``, order 8: their 17-stage ``s17odr8``
  (Kahan & Li, Math. Comp. 66, 1997), with the coefficients as tabulated in Hairer, Lubich &
  Wanner, *Geometric Numerical Integration*, 2nd ed., Section V.3.2.

Every composition of order above 2 has negative substeps that run ``L`` backwards: use them for
conservative problems (NLSE, KdV), not diffusion. The nonlinear flow is applied exactly, without
dealiasing.
"""

from __future__ import annotations

import torch

from .stepper import FixedState, FixedStepper
from .terms import SemilinearTerm

_W1 = 1.0 / (2.0 - 2.0 ** (1.0 / 3.0))


def _symmetric(half: tuple[float, ...]) -> tuple[float, ...]:
    """The weights ``g_1 .. g_s`` of a symmetric composition from its first ``(s + 1) / 2``."""
    return half + half[-2::-1]


COMPOSITIONS: dict[int, tuple[float, ...]] = {
    2: (1.0,),
    4: (_W1, 1.0 - 2.0 * _W1, _W1),
    6: _symmetric((0.39216144400731413927925056, 0.33259913678935943859974864, -0.70624617255763935980996482,
                   0.08221359629355080023149045, 0.79854399093482996339895035)),
    8: _symmetric((0.13020248308889008087881763, 0.56116298177510838456196441, -0.38947496264484728640807860,
                   0.15884190655515560089621075, -0.39590389413323757733623154, 0.18453964097831570709183254,
                   0.25837438768632204729397911, 0.29501172360931029887096624, -0.60550853383003451169892108)),
}
"""Substep weights of the symmetric Strang compositions by order; each sums to 1."""

NAMES = {2: "strang", 4: "split_step4", 6: "split_step6", 8: "split_step8"}


class SplitStep(FixedStepper):
    """Fixed-step Strang splitting (``order=2``) or its symmetric composition of order 4, 6 or 8;
    one evaluation is one nonlinear flow."""

    def __init__(self, order: int = 2):
        if order not in COMPOSITIONS:
            raise ValueError(f"split-step order must be one of {', '.join(map(str, COMPOSITIONS))}, got {order!r}")
        self.order = order
        self.name = NAMES[order]
        self.weights = COMPOSITIONS[order]

    def rhs(self, f):
        if not isinstance(f, SemilinearTerm) or f.nonlinear_flow is None:
            raise TypeError(f"method {self.name!r} needs a SemilinearTerm with a nonlinear_flow")
        return f.nonlinear

    def advance(self, state: FixedState, t: torch.Tensor) -> torch.Tensor:
        """One composed step of ``state.h``; ``exp(L tau)`` of the merged linear substeps once per ``h``."""
        f, h = state.f, state.h
        if h not in state.cache:
            half = [w * h / 2 for w in self.weights]
            spans = [half[0]] + [a + b for a, b in zip(half, half[1:])] + [half[-1]]
            state.cache[h] = [torch.exp(f.linear * span) for span in spans]
        propagators = state.cache[h]
        u = state.y
        for propagator, w in zip(propagators, self.weights):
            u = f.nonlinear_flow(propagator * u, w * h)
        state.evaluations += len(self.weights)
        return propagators[-1] * u
