"""Split-step methods for ``u' = L u + N(u)``: exact linear flow, exact nonlinear flow.

Strang splitting ``exp(L h/2) Phi_N(h) exp(L h/2)`` is second order; the fourth-order method is
Yoshida's symmetric triple jump, Strang steps of ``w1 h, w0 h, w1 h`` with
``w1 = 1 / (2 - 2^(1/3))``, ``w0 = 1 - 2 w1`` (Yoshida, Phys. Lett. A 150, 1990). The negative
substep ``w0 h`` runs ``L`` backwards: use it for conservative problems (NLSE, KdV), not diffusion.
The nonlinear flow is applied exactly, without dealiasing.
"""

from __future__ import annotations

import torch

from .terms import SemilinearTerm

_W1 = 1.0 / (2.0 - 2.0 ** (1.0 / 3.0))


class SplitStep:
    """Fixed-step Strang (``order=2``) or Yoshida (``order=4``) splitting."""

    adaptive = False
    error_order = None

    def __init__(self, order: int = 2):
        if order not in (2, 4):
            raise ValueError(f"split-step order must be 2 or 4, got {order!r}")
        self.order = order
        self.name = "strang" if order == 2 else "split_step4"
        self.weights = (1.0,) if order == 2 else (_W1, 1.0 - 2.0 * _W1, _W1)
        self._key: tuple | None = None
        self._propagators: list[torch.Tensor] = []

    def rhs(self, f):
        if not isinstance(f, SemilinearTerm) or f.nonlinear_flow is None:
            raise TypeError(f"method {self.name!r} needs a SemilinearTerm with a nonlinear_flow")
        return f.nonlinear

    def step(self, f: SemilinearTerm, t: torch.Tensor, u: torch.Tensor, h: float, k0=None):
        """Returns ``(u_new, (), None, evaluations)``; one evaluation is one nonlinear flow."""
        self.rhs(f)
        key = (id(f.linear), float(h))
        if key != self._key:  # adjacent linear half-steps merged: exp(L (w_i + w_{i+1}) h / 2)
            half = [w * h / 2 for w in self.weights]
            spans = [half[0]] + [a + b for a, b in zip(half, half[1:])] + [half[-1]]
            self._key, self._propagators = key, [torch.exp(f.linear * span) for span in spans]
        for propagator, w in zip(self._propagators, self.weights):
            u = f.nonlinear_flow(propagator * u, w * h)
        return self._propagators[-1] * u, (), None, len(self.weights)
