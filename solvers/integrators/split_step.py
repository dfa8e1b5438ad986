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

    def rhs(self, f):
        if not isinstance(f, SemilinearTerm) or f.nonlinear_flow is None:
            raise TypeError(f"method {self.name!r} needs a SemilinearTerm with a nonlinear_flow")
        return f.nonlinear

    def step(self, f: SemilinearTerm, t: torch.Tensor, u: torch.Tensor, h: float, k0=None):
        """Returns ``(u_new, (), None, evaluations)``; one evaluation is one nonlinear flow."""
        self.rhs(f)
        half_steps = [w * h / 2 for w in self.weights]
        linear_steps = [half_steps[0]] + [a + b for a, b in zip(half_steps, half_steps[1:])] + [half_steps[-1]]
        for i, w in enumerate(self.weights):
            u = torch.exp(f.linear * linear_steps[i]) * u
            u = f.nonlinear_flow(u, w * h)
        u = torch.exp(f.linear * linear_steps[-1]) * u
        return u, (), None, len(self.weights)
