"""ETDRK4: exponential time differencing Runge-Kutta of order 4 for ``u' = L u + N(t, u)``.

Cox & Matthews, J. Comput. Phys. 176 (2002); the phi-function coefficients are evaluated by the
contour integrals of Kassam & Trefethen, SIAM J. Sci. Comput. 26 (2005), on a full circle of
radius 1 around each ``L h``, which stays valid for the imaginary ``L`` of the NLSE.
"""

from __future__ import annotations

import math

import torch

from .stepper import FixedState, FixedStepper
from .terms import SemilinearTerm

_CONTOUR_POINTS = 64


def etd_coefficients(linear: torch.Tensor, h: float) -> tuple[torch.Tensor, ...]:
    """``(E, E_half, Q, f1, f2, f3)`` for step ``h``, each of the shape of ``linear``.

    ``E = exp(L h)``, ``E_half = exp(L h / 2)``, ``Q = h phi_1(L h / 2) / 2``, and ``f1, f2, f3``
    the fourth-order weights of Cox & Matthews.
    """
    dtype = torch.complex128 if linear.dtype in (torch.float64, torch.complex128) else torch.complex64
    lh = (linear.to(dtype) * h).unsqueeze(-1)
    j = torch.arange(1, _CONTOUR_POINTS + 1, dtype=torch.float64, device=linear.device)
    roots = torch.exp(1j * math.pi * (j - 0.5) / _CONTOUR_POINTS * 2).to(dtype)
    r = lh + roots
    er = torch.exp(r)
    mean = lambda z: z.mean(-1)  # noqa: E731
    q = h * mean((torch.exp(r / 2) - 1) / r)
    f1 = h * mean((-4 - r + er * (4 - 3 * r + r**2)) / r**3)
    f2 = h * mean((2 + r + er * (r - 2)) / r**3)
    f3 = h * mean((-4 - 3 * r - r**2 + er * (4 - r)) / r**3)
    lh = lh.squeeze(-1)
    coefficients = (torch.exp(lh), torch.exp(lh / 2), q, f1, f2, f3)
    if not linear.is_complex():
        coefficients = tuple(c.real.to(linear.dtype) for c in coefficients)
    return coefficients


class ETDRK4(FixedStepper):
    """Fixed-step ETDRK4; four evaluations of ``N`` a step, the factor ``D`` folded into the weights ``Q``,
    ``f1``, ``f2``, ``f3`` (every ``N`` enters through one of them); coefficients once per distinct step size."""

    name = "etdrk4"
    order = 4

    def rhs(self, f):
        if not isinstance(f, SemilinearTerm):
            raise TypeError("method 'etdrk4' needs a SemilinearTerm (u' = L u + D N(t, u))")
        return f.nonlinear

    def advance(self, state: FixedState, t: torch.Tensor) -> torch.Tensor:
        f, h, u = state.f, state.h, state.y
        if h not in state.cache:
            e, e_half, q, f1, f2, f3 = etd_coefficients(f.linear, h)
            d = 1.0 if f.factor is None else torch.as_tensor(f.factor, device=q.device)
            state.cache[h] = (e, e_half, q * d, f1 * d, 2 * f2 * d, f3 * d)
        e, e_half, q, f1, f2_twice, f3 = state.cache[h]
        n = f.nonlinear
        nu = n(t, u)
        half = e_half * u
        a = torch.addcmul(half, q, nu)
        na = n(t + h / 2, a)
        b = torch.addcmul(half, q, na)
        nb = n(t + h / 2, b)
        c = torch.addcmul(e_half * a, q, torch.add(nb, nb).sub_(nu))
        nc = n(t + h, c)
        state.evaluations += 4
        return torch.addcmul(torch.addcmul(e * u, f1, nu), f2_twice, na + nb).addcmul_(f3, nc)
