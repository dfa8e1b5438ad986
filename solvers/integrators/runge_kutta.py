"""Explicit Runge-Kutta steppers from a Butcher tableau, plain or in the interaction picture.

Plain: the tableau applied to ``y' = f(t, y)``.

Integrating factor (Lawson 1967; the "interaction picture" RK4IP / ERK-IP of nonlinear optics,
Balac & Mahe 2013): for ``u' = L u + N(t, u)`` with diagonal ``L``, the tableau is applied to
``v(tau) = exp(-L tau) u(t + tau)``, ``v' = exp(-L tau) N(t + tau, exp(L tau) v)``, so the linear
part is exact and the step is limited by ``N`` alone:

    U_i     = exp(L c_i h) (u + h sum_j a_ij K_j),   K_j = exp(-L c_j h) N(t + c_j h, U_j)
    u_{n+1} = exp(L h) (u + h sum_j b_j K_j)

This form suits conservative or mildly dissipative ``L`` (``exp(-L c h)`` must not overflow).
Where :mod:`solvers.spectral.backend` picks Triton (CUDA), each stage state
``exp(L c_i h) (u + h sum_j a_ij K_j)`` is formed by one fused kernel, and the error estimates are
left to the controller's fused norm (``solvers.spectral.kernels.stages``).
"""

from __future__ import annotations

import torch

from ..spectral import backend
from .controller import StageErrors, _per_sample
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
        self._backends: dict[str, str] = {}  # device type -> "torch" or "triton", chosen on first use

    @property
    def name(self) -> str:
        return ("if_" if self.integrating_factor else "") + self.tableau.name

    def _coefficients(self, y: torch.Tensor) -> tuple:
        """Real tensors on ``y``'s device: rows ``a[i, :i]`` as ``(1, i)``, ``b (1, s)``, error
        weights ``(m, s)``, the distinct nodes (``1`` included) and each stage's index among them."""
        key = (y.real.dtype, y.device)
        if key not in self._cache:
            tab = self.tableau
            make = lambda v: torch.as_tensor(v, dtype=torch.float64).to(device=y.device, dtype=key[0])  # noqa: E731
            a = make(tab.matrix())
            rows = [a[i : i + 1, :i] for i in range(tab.stages)]
            weights = make(tab.error_weights or [[0.0] * tab.stages])
            distinct = sorted(set(tab.c) | {1.0})
            where = [distinct.index(c) for c in tab.c] + [distinct.index(1.0)]
            self._cache[key] = (rows, make([tab.b]), weights, make(distinct), where)
        return self._cache[key]

    @staticmethod
    def _phases(f: SemilinearTerm, nodes: torch.Tensor, h: torch.Tensor | float, y: torch.Tensor):
        """``exp(L c h)`` and ``exp(-L c h)`` for each node ``c``, shape ``(nodes, batch, *state)``
        (``(nodes, *state)`` for a float ``h``), in one vectorised pass."""
        c = nodes.reshape(nodes.shape + (1,) * y.ndim)
        ch = c * h if not torch.is_tensor(h) else c * h.unsqueeze(0)
        if f.imaginary:
            theta = f.linear.imag * ch
            forward = torch.complex(torch.cos(theta), torch.sin(theta))
            return forward, forward.conj()
        return torch.exp(f.linear * ch), torch.exp(-f.linear * ch)

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
        frame of ``y_new`` (a :class:`StageErrors` on the Triton path); ``f_new = rhs(f)(t + h, y_new)`` for first-same-as-last tableaux, else None.
        """
        tab = self.tableau
        rhs = self.rhs(f)
        rows, b, w, nodes, node_of = self._coefficients(y)
        per_sample = torch.is_tensor(h)
        hy = _per_sample(h, y) if per_sample else h
        evaluations = 0
        if k0 is None:
            k0, evaluations = rhs(t, y), 1
        stages = y.new_empty((tab.stages,) + y.shape)
        flat = (torch.view_as_real(stages) if y.is_complex() else stages).reshape(tab.stages, -1)
        stages[0] = k0
        times = t + nodes[:, None] * h  # (nodes, batch)
        forward, backward = self._phases(f, nodes, hy, y) if self.integrating_factor else (None, None)

        def combine(weights: torch.Tensor) -> torch.Tensor:
            """``sum_j weights[:, j] stages[j]``, shape ``(rows, *y.shape)``."""
            out = (weights @ flat[: weights.shape[1]]).view(weights.shape[:1] + y.shape + (2,) * y.is_complex())
            return torch.view_as_complex(out) if y.is_complex() else out

        if y.device.type not in self._backends:
            self._backends[y.device.type] = backend.choose(y.device)
        use_triton = self._backends[y.device.type] == "triton"
        if use_triton:
            from ..spectral.kernels.stages import stage_state

            steps = h if per_sample else torch.full(y.shape[:1], h, dtype=y.real.dtype, device=y.device)
        f_new = None
        for i in range(1, tab.stages):
            if use_triton:
                yi = stage_state(y, steps, stages, rows[i][0], forward[node_of[i]] if forward is not None else None)
            else:
                increment = combine(rows[i])[0]
                yi = torch.addcmul(y, hy, increment) if per_sample else torch.add(y, increment, alpha=hy)
                if forward is not None:
                    yi = forward[node_of[i]] * yi
            ki = rhs(times[node_of[i]], yi)
            evaluations += 1
            if tab.first_same_as_last and i == tab.stages - 1:
                y_new, f_new = yi, ki
            if backward is not None:
                torch.mul(ki, backward[node_of[i]], out=stages[i])
            else:
                stages[i] = ki
        if not tab.first_same_as_last:
            y_new = y + hy * combine(b)[0]
            if forward is not None:
                y_new = forward[node_of[-1]] * y_new
        errors = ()
        if self.adaptive and use_triton:
            errors = StageErrors(stages, w, steps, forward[node_of[-1]] if forward is not None else None)
        elif self.adaptive:
            estimates = hy * combine(w)
            if forward is not None:
                estimates = forward[node_of[-1]] * estimates
            errors = tuple(estimates)
        return y_new, errors, f_new, evaluations
