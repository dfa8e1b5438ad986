"""Explicit Runge-Kutta steppers from a Butcher tableau, plain or in the interaction picture.

Plain: the tableau applied to ``y' = f(t, y)``.

Integrating factor (Lawson 1967; the "interaction picture" RK4IP / ERK-IP of nonlinear optics,
Balac & Mahe 2013): for ``u' = L u + N(t, u)`` with diagonal ``L``, the tableau is applied to
``v(tau) = exp(-L tau) u(t + tau)``, ``v' = exp(-L tau) N(t + tau, exp(L tau) v)``, so the linear
part is exact and the step is limited by ``N`` alone:

    U_i     = exp(L c_i h) (u + h sum_j a_ij K_j),   K_j = exp(-L c_j h) N(t + c_j h, U_j)
    u_{n+1} = exp(L h) (u + h sum_j b_j K_j)

This form suits conservative or mildly dissipative ``L`` (``exp(-L c h)`` must not overflow).
"""

from __future__ import annotations

import torch

from .controller import _per_sample
from .tableau import ButcherTableau
from .terms import SemilinearTerm, VectorField


class RungeKutta:
    """Stepper for ``tableau``; ``integrating_factor=True`` needs a :class:`SemilinearTerm`."""

    def __init__(self, tableau: ButcherTableau, integrating_factor: bool = False):
        self.tableau = tableau
        self.integrating_factor = integrating_factor
        self.order = tableau.order
        self.error_order = tableau.error_order
        self.adaptive = tableau.adaptive
        self._cache: dict[tuple[torch.dtype, torch.device], tuple[torch.Tensor, ...]] = {}

    @property
    def name(self) -> str:
        return ("if_" if self.integrating_factor else "") + self.tableau.name

    def _coefficients(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``a (s, s)``, ``b (1, s)``, error weights ``(m, s)`` as real tensors on ``y``'s device."""
        key = (y.real.dtype, y.device)
        if key not in self._cache:
            tab = self.tableau
            make = lambda v: torch.as_tensor(v, dtype=torch.float64).to(device=y.device, dtype=key[0])  # noqa: E731
            self._cache[key] = (make(tab.matrix()), make([tab.b]), make(tab.error_weights or [[0.0] * tab.stages]))
        return self._cache[key]

    def _phases(self, linear: torch.Tensor, h: torch.Tensor | float, f_imaginary: bool):
        """``{c: (exp(L c h), exp(-L c h))}`` for the nonzero nodes ``c`` and ``c = 1``."""
        nodes = (set(self.tableau.c) | {1.0}) - {0.0}
        if f_imaginary:
            frequency = linear.imag
            out = {}
            for c in nodes:
                theta = frequency * (c * h)
                forward = torch.complex(torch.cos(theta), torch.sin(theta))
                out[c] = (forward, forward.conj())
            return out
        return {c: (torch.exp(linear * (c * h)), torch.exp(linear * (-c * h))) for c in nodes}

    def rhs(self, f: VectorField | SemilinearTerm) -> VectorField:
        """The function whose evaluations are the stages: ``N`` for the integrating factor, else ``f``."""
        if self.integrating_factor:
            if not isinstance(f, SemilinearTerm):
                raise TypeError(f"method {self.name!r} needs a SemilinearTerm (u' = L u + N(t, u))")
            return f.nonlinear
        return f

    def step(self, f, t: torch.Tensor, y: torch.Tensor, h: torch.Tensor | float, k0: torch.Tensor | None):
        """One step of size ``h`` (float or ``(batch,)``) from ``(t, y)``.

        ``k0`` is ``rhs(f)(t, y)`` (reused from the previous step when first same as last).
        Returns ``(y_new, errors, f_new, evaluations)``: ``errors`` the embedded estimates in the
        frame of ``y_new``; ``f_new = rhs(f)(t + h, y_new)`` for first-same-as-last tableaux, else None.
        """
        tab = self.tableau
        rhs = self.rhs(f)
        a, b, w = self._coefficients(y)
        hy = _per_sample(h, y) if torch.is_tensor(h) else h
        evaluations = 0
        if k0 is None:
            k0, evaluations = rhs(t, y), 1
        stages = y.new_empty((tab.stages,) + y.shape)
        flat = (torch.view_as_real(stages) if y.is_complex() else stages).reshape(tab.stages, -1)
        stages[0] = k0
        phase = self._phases(f.linear, hy, f.imaginary) if self.integrating_factor else {}

        def combine(weights: torch.Tensor, upto: int) -> torch.Tensor:
            """``sum_j weights[:, j] stages[j]`` for ``j < upto``, shape ``(rows, *y.shape)``."""
            out = (weights[:, :upto] @ flat[:upto]).view((weights.shape[0],) + y.shape + ((2,) if y.is_complex() else ()))
            return torch.view_as_complex(out) if y.is_complex() else out

        f_new = None
        for i in range(1, tab.stages):
            c = tab.c[i]
            yi = torch.addcmul(y, hy, combine(a[i : i + 1], i)[0]) if torch.is_tensor(hy) else \
                torch.add(y, combine(a[i : i + 1], i)[0], alpha=hy)
            if c in phase:
                yi = phase[c][0] * yi
            ki = rhs(t + c * h, yi)
            evaluations += 1
            if tab.first_same_as_last and i == tab.stages - 1:
                y_new, f_new = yi, ki
            if c in phase:
                torch.mul(ki, phase[c][1], out=stages[i])
            else:
                stages[i] = ki
        if not tab.first_same_as_last:
            y_new = y + hy * combine(b, tab.stages)[0]
            if self.integrating_factor:
                y_new = phase[1.0][0] * y_new
        errors = ()
        if self.adaptive:
            estimates = hy * combine(w, tab.stages)
            if self.integrating_factor:
                estimates = phase[1.0][0] * estimates
            errors = tuple(estimates)
        return y_new, errors, f_new, evaluations
