"""Explicit Runge-Kutta steppers from a Butcher tableau, plain or in the interaction picture.

Plain: the tableau applied to ``y' = f(t, y)``.

Integrating factor (Lawson 1967; the "interaction picture" RK4IP / ERK-IP of nonlinear optics,
Balac & Mahe 2013): for ``u' = L u + D N(t, u)`` with diagonal ``L`` and ``D``, the tableau is applied
to ``v(tau) = exp(-L tau) u(t + tau)``, ``v' = exp(-L tau) D N(t + tau, exp(L tau) v)``, so the linear
part is exact and the step is limited by ``N`` alone:

    U_i     = exp(L c_i h) (u + sum_j a_ij Z_j),   Z_j = h D exp(-L c_j h) N(t + c_j h, U_j)
    u_{n+1} = exp(L h) (u + sum_j b_j Z_j)

This form suits conservative or mildly dissipative ``L`` (``exp(-L c h)`` must not overflow).

Lean stepping: a solve allocates its buffers once (:class:`Stages`). The scaled stage derivatives
``Z_j`` (``h k_j`` for the plain form) follow the state in one buffer, so every stage state, the new
state, the error estimates and the dense output are one matrix-vector product of a coefficient row
with that buffer. The phase factors ``exp(L c h)`` and ``h D exp(-L c h)`` of all nodes are formed
once per step, per sample. An evaluation costs that product, one phase multiplication, ``N`` and one
scaling; the embedded error and its norm a few operations per step. Dense output interpolates ``v``
and rotates the result by ``exp(L theta h)``.
"""

from __future__ import annotations

import math

import torch

from ..spectral import backend
from .controller import magnitude
from .tableau import ButcherTableau
from .terms import SemilinearTerm, VectorField


def _real(x: torch.Tensor) -> torch.Tensor:
    return torch.view_as_real(x) if x.is_complex() else x


class _Coefficients:
    """A tableau as real rows over the buffer ``[y, Z_1, .., Z_s, extra dense stages]``, on one device."""

    def __init__(self, tableau: ButcherTableau, dtype: torch.dtype, device: torch.device):
        make = lambda v: torch.as_tensor(v, dtype=torch.float64).to(device=device, dtype=dtype)  # noqa: E731
        dense = tableau.dense
        a = tableau.matrix()
        self.stages = tableau.stages
        self.extra = dense.stages if dense is not None else 0
        self.rows = [make([1.0, *a[i, :i]]) for i in range(self.stages)]
        self.rows += [make([1.0, *row]) for row in (dense.a if dense is not None else ())]
        self.kernel_rows = [row[1:].contiguous() for row in self.rows]  # without the state's coefficient
        self.b = make([1.0, *tableau.b])
        weights = [list(w) for w in tableau.error_weights]
        if len(weights) == 2:  # Hairer's norm |e5|^2 / sqrt(|e5|^2 + 0.01 |e3|^2): scale e3 by 0.1
            weights[1] = [0.1 * w for w in weights[1]]
        self.error = [make([0.0, *w]) for w in weights]
        self.error_matrix = make(weights) if weights else None  # (estimates, s): for the fused kernel
        nodes = list(tableau.c) + list(dense.c if dense is not None else ())
        main = sorted(set(tableau.c) | {0.0, 1.0})
        distinct = main + sorted(set(nodes) - set(main))
        self.node_of = [distinct.index(c) for c in nodes]
        self.main_nodes = len(main)
        self.zero, self.one = distinct.index(0.0), distinct.index(1.0)
        self.nodes = make(nodes).unsqueeze(1)  # (stages, 1): times t + c h
        self.distinct = make(distinct)
        self.polynomial = None  # (1 + degree, 1 + stages): powers theta^0.. to weights over [y, Z_1, ..]
        if dense is not None:
            polynomial = [[1.0] + [0.0] * len(dense.polynomial)]
            polynomial += [[0.0] + [row[r] for row in dense.polynomial] for r in range(len(dense.polynomial[0]))]
            self.polynomial = make(polynomial)
            self.exponents = make(list(range(len(polynomial))))


class Stages:
    """The buffers of one solve of a :class:`RungeKutta` stepper, for ``y (batch, *state)``.

    ``y``: the current state; after a step, ``y_new``: the trial state; ``evaluations``: batched
    right-hand-side calls so far. The caller writes each step size into ``h (batch,)``.
    """

    def __init__(self, stepper: RungeKutta, f, t: torch.Tensor, y: torch.Tensor, rtol: float, atol: float):
        c = stepper._coefficients(y)
        self.coefficients, self.f, self.rhs = c, f, stepper.rhs(f)
        self.integrating_factor = stepper.integrating_factor
        count = 1 + c.stages + c.extra
        batch, real = y.shape[0], y.real.dtype
        self.z = y.new_zeros((count,) + y.shape)
        self.z[0] = y
        self.y = self.z[0]
        self.z_rows = list(self.z.unbind(0))
        self.z_by_sample = _real(self.z).reshape(count, batch, -1).permute(1, 0, 2)  # (batch, 1 + S, values)
        flat = _real(self.z).reshape(count, -1)
        self.columns = [flat[: i + 1].T for i in range(count)]  # Z_0..Z_i as (values, i + 1)
        self.state = torch.empty_like(y)
        self.combination = torch.empty_like(y) if self.integrating_factor else self.state
        self.y_new = torch.empty_like(y)
        self.vector = {id(x): _real(x).reshape(-1) for x in (self.state, self.combination, self.y_new)}
        self.y_real = _real(self.y)
        self.h = torch.zeros(batch, dtype=real, device=y.device)
        self.h_state = self.h.view((batch,) + (1,) * (y.ndim - 1))
        self.times = torch.empty(len(c.rows), batch, dtype=real, device=y.device)
        self.time_rows = list(self.times.unbind(0))
        self.carry = self.rhs(t, y).clone()  # the first stage derivative at (t, y)
        self.last = self.carry
        self.evaluations = 1
        self.extra_ready = False
        self.fixed = False  # fixed steps: phases once per step size, no error estimate
        self.triton = self.integrating_factor and all(
            backend.choose(y.device, kernel) == "triton" for kernel in ("stage_state", "error_sums"))
        if self.triton:  # fused stage states and error sums (solvers.spectral.kernels.stages)
            self.unit_steps = torch.ones(batch, dtype=real, device=y.device)
            self.derivatives = self.z[1:]
        if self.integrating_factor:
            self._phase_buffers(f, y)
        if c.error:
            size = (f.size if isinstance(f, SemilinearTerm) and f.size else None) or y[0].numel()
            self.rtol, self.atol_value = math.sqrt(size) * rtol, math.sqrt(size) * atol
            self.atol = torch.tensor(self.atol_value, dtype=real, device=y.device)
            self.error = torch.empty((len(c.error),) + y.shape, dtype=y.dtype, device=y.device)
            self.error_vectors = [_real(e).reshape(-1) for e in self.error]
            self.error_real = _real(self.error)
            self.magnitude = magnitude(y, torch.empty(y.shape, dtype=real, device=y.device))
            self.new_magnitude = torch.empty_like(self.magnitude)
            self.scale = torch.empty_like(self.magnitude)
            self.scale_view = self.scale.unsqueeze(-1) if y.is_complex() else self.scale
            self.ratio = torch.empty_like(_real(self.error))
            self.ratio_rows = self.ratio.view(len(c.error), batch, -1)
            self.norms = torch.empty(len(c.error), batch, dtype=real, device=y.device)
            self.norm_rows = list(self.norms.unbind(0))

    def _phase_buffers(self, f: SemilinearTerm, y: torch.Tensor) -> None:
        """``forward = exp(L c h)`` and ``weights = h D exp(-L c h)``, ``(nodes, batch, *state)``."""
        c = self.coefficients
        shape = (c.distinct.numel(),) + y.shape
        self.forward = torch.empty(shape, dtype=y.dtype, device=y.device)
        self.weights = torch.empty(shape, dtype=y.dtype, device=y.device)
        factor = torch.as_tensor(1.0 if f.factor is None else f.factor, device=y.device)
        self.unitary = f.imaginary
        node_shape = (-1, 1) + (1,) * (y.ndim - 1)
        if f.imaginary:  # exp(i w c h) from its angle's cosine and sine; h D exp(-i w c h) = h D conj(...)
            real = y.real.dtype
            self.node_frequency = c.distinct.view(node_shape) * f.linear.imag.to(real)
            self.angle = torch.empty(shape, dtype=real, device=y.device)
            pairs = torch.view_as_real(self.forward)
            self.factor = factor.to(y.dtype)
            self.scaled_factor = torch.empty(torch.broadcast_shapes(self.h_state.shape, self.factor.shape),
                                             dtype=y.dtype, device=y.device)
            self.unit_state = torch.ones((), dtype=real, device=y.device).expand(y.shape)
            self.parts = [(self.node_frequency[p], self.angle[p], pairs[p][..., 0], pairs[p][..., 1],
                           self.forward[p].conj(), self.weights[p]) for p in self._node_parts()]
        else:
            self.node_linear = c.distinct.view(node_shape) * f.linear
            self.factor = factor.to(y.dtype)
            self.parts = [(self.node_linear[p], self.forward[p], self.weights[p]) for p in self._node_parts()]
        self.forward_rows = list(self.forward.unbind(0))
        self.weight_rows = list(self.weights.unbind(0))

    def _node_parts(self) -> tuple[slice, slice]:
        """The main nodes (every step) and the extra dense-output nodes (steps with outputs)."""
        return slice(0, self.coefficients.main_nodes), slice(self.coefficients.main_nodes, None)

    def phases(self, part: int) -> None:
        """Fill ``forward`` and ``weights`` for the current ``h`` at the main nodes (``part`` 0) or at
        the extra dense-output nodes (``part`` 1)."""
        if self.unitary:
            frequency, angle, cosine, sine, backward, weights = self.parts[part]
            torch.mul(frequency, self.h_state, out=angle)
            torch.cos(angle, out=cosine)
            torch.sin(angle, out=sine)
            torch.mul(self.h_state, self.factor, out=self.scaled_factor)
            torch.mul(backward, self.scaled_factor, out=weights)
        else:
            node_linear, forward, weights = self.parts[part]
            linear = node_linear * self.h_state
            torch.exp(linear, out=forward)
            torch.mul(torch.exp(-linear), self.h_state * self.factor, out=weights)


class RungeKutta:
    """Stepper for ``tableau``; ``integrating_factor=True`` needs a :class:`SemilinearTerm`.

    The protocol :func:`~solvers.integrators.solve` drives: ``start(f, t, y, rtol, atol)`` allocates
    the :class:`Stages` of one solve; ``step(stages, t)`` forms the trial step of size ``stages.h``
    into ``stages.y_new`` and returns its scaled error norm ``(batch,)`` (None without an embedded
    estimate); ``interpolate(stages, theta)`` evaluates the dense output at ``t + theta h``;
    ``commit(stages, keep)`` accepts the trial step where ``keep (batch,)``.
    """

    def __init__(self, tableau: ButcherTableau, integrating_factor: bool = False):
        self.tableau = tableau
        self.integrating_factor = integrating_factor
        self.order = tableau.order
        self.error_order = tableau.error_order
        self.adaptive = tableau.adaptive
        self.dense = tableau.dense is not None
        self._cache: dict[tuple[torch.dtype, torch.device], _Coefficients] = {}

    @property
    def name(self) -> str:
        return ("if_" if self.integrating_factor else "") + self.tableau.name

    def _coefficients(self, y: torch.Tensor) -> _Coefficients:
        key = (y.real.dtype, y.device)
        if key not in self._cache:
            self._cache[key] = _Coefficients(self.tableau, *key)
        return self._cache[key]

    def rhs(self, f: VectorField | SemilinearTerm) -> VectorField:
        """The function whose evaluations are the stages: ``N`` for the integrating factor, else ``f``."""
        if self.integrating_factor:
            if not isinstance(f, SemilinearTerm):
                raise TypeError(f"method {self.name!r} needs a SemilinearTerm (u' = L u + D N(t, u))")
            return f.nonlinear
        return f

    def start(self, f, t: torch.Tensor, y: torch.Tensor, rtol: float = 0.0, atol: float = 0.0) -> Stages:
        """The buffers of a solve from ``y (batch, *state)`` at times ``t (batch,)``; one evaluation."""
        return Stages(self, f, t, y, rtol, atol)

    def set_step(self, stages: Stages, h: float) -> None:
        """Fixed steps of ``h`` from now on: the phase factors are formed here, once."""
        stages.fixed = True
        stages.h.fill_(h)
        stages.extra_ready = False
        if stages.integrating_factor:
            stages.phases(0)

    def initial_rhs(self, f) -> VectorField:
        """The vector field whose first stage the starting-step estimate probes (``D N`` or ``f``)."""
        return f.scaled_nonlinear if self.integrating_factor else f

    def initial_derivative(self, f, stages: Stages) -> torch.Tensor:
        """:meth:`initial_rhs` at the starting point, from the first stage already evaluated."""
        if self.integrating_factor and f.factor is not None:
            return f.factor * stages.carry
        return stages.carry

    def _stage(self, stages: Stages, i: int, out: torch.Tensor) -> torch.Tensor:
        """Stage ``i``: its state into ``out``, ``Z_(i+1)`` into the buffer; returns its derivative."""
        c = stages.coefficients
        node = c.node_of[i]
        if stages.triton:
            from ..spectral.kernels.stages import stage_state

            stage_state(stages.y, stages.unit_steps, stages.derivatives, c.kernel_rows[i], stages.forward_rows[node], out)
        else:
            combination = stages.combination if stages.integrating_factor else out
            stages.vector[id(combination)].addmv_(stages.columns[i], c.rows[i], beta=0)
            if stages.integrating_factor:
                torch.mul(stages.forward_rows[node], combination, out=out)
        derivative = stages.rhs(stages.time_rows[i], out)
        scale = stages.weight_rows[node] if stages.integrating_factor else stages.h_state
        torch.mul(scale, derivative, out=stages.z_rows[i + 1])
        stages.evaluations += 1
        return derivative

    def step(self, stages: Stages, t: torch.Tensor) -> torch.Tensor | None:
        """The trial step of size ``stages.h`` from ``(t, stages.y)`` into ``stages.y_new``; its error norm."""
        c, tab = stages.coefficients, self.tableau
        torch.addcmul(t, c.nodes, stages.h, out=stages.times)
        if not tab.first_same_as_last:
            stages.carry = stages.rhs(t, stages.y)
            stages.evaluations += 1
        if stages.integrating_factor:
            if not stages.fixed:
                stages.phases(0)
            torch.mul(stages.weight_rows[c.zero], stages.carry, out=stages.z_rows[1])
        else:
            torch.mul(stages.h_state, stages.carry, out=stages.z_rows[1])
        stages.extra_ready = False
        for i in range(1, c.stages):
            if tab.first_same_as_last and i == c.stages - 1:
                stages.last = self._stage(stages, i, stages.y_new)
            else:
                self._stage(stages, i, stages.state)
        if not tab.first_same_as_last:
            combination = stages.combination if stages.integrating_factor else stages.y_new
            stages.vector[id(combination)].addmv_(stages.columns[c.stages], c.b, beta=0)
            if stages.integrating_factor:
                torch.mul(stages.forward_rows[c.one], combination, out=stages.y_new)
        return self._error_norm(stages) if c.error and not stages.fixed else None

    def _error_norm(self, stages: Stages) -> torch.Tensor:
        """RMS of the embedded estimates over ``atol + rtol max(|y|, |y_new|)`` (Hairer's DOP853 norm
        for two estimates); NaN when the trial state is not finite."""
        c = stages.coefficients
        magnitude(stages.y_new, stages.new_magnitude)
        if stages.triton:
            from ..spectral.kernels.stages import error_sums

            phase = None if stages.unitary else stages.forward_rows[c.one]
            sums = error_sums(stages.y, stages.y_new, stages.derivatives[: c.stages], c.error_matrix, stages.unit_steps,
                              phase, stages.atol_value, stages.rtol)
            torch.sqrt(sums, out=stages.norms)
        else:
            for vector, row in zip(stages.error_vectors, c.error):
                vector.addmv_(stages.columns[c.stages], row, beta=0)
            if stages.integrating_factor and not stages.unitary:
                stages.error.mul_(stages.forward_rows[c.one])
            torch.maximum(stages.magnitude, stages.new_magnitude, out=stages.scale)
            torch.add(stages.atol, stages.scale, alpha=stages.rtol, out=stages.scale)
            torch.div(stages.error_real, stages.scale_view, out=stages.ratio)
            torch.linalg.vector_norm(stages.ratio_rows, dim=-1, out=stages.norms)
        e5 = stages.norm_rows[0]
        if len(c.error) == 1:
            return e5
        return torch.div(e5, torch.hypot(e5, stages.norm_rows[1]).clamp_min_(1e-300)).mul_(e5)

    def interpolate(self, stages: Stages, theta: torch.Tensor) -> torch.Tensor:
        """Dense output at ``t + theta h`` of the trial step, ``theta (batch,)`` in ``[0, 1]``."""
        c = stages.coefficients
        if c.polynomial is None:
            raise ValueError(f"method {self.name!r} has no dense output")
        if not stages.extra_ready:
            if stages.integrating_factor and c.extra:
                stages.phases(1)
            for e in range(c.stages, c.stages + c.extra):
                self._stage(stages, e, stages.state)
            stages.extra_ready = True
        weights = torch.mm(torch.pow(theta.unsqueeze(1), c.exponents), c.polynomial)  # (batch, 1 + S)
        value = torch.bmm(weights.unsqueeze(1), stages.z_by_sample).view(stages.y_real.shape)
        value = torch.view_as_complex(value) if stages.y.is_complex() else value
        if stages.integrating_factor:
            fraction = (theta * stages.h).view(stages.h_state.shape)
            if stages.unitary:
                value = value * torch.polar(stages.unit_state, stages.f.linear.imag * fraction)
            else:
                value = value * torch.exp(stages.f.linear * fraction)
        return value

    def commit(self, stages: Stages, keep: torch.Tensor | None) -> None:
        """Accept the trial step where ``keep (batch,)`` (everywhere for None): state, first-stage
        derivative, magnitudes."""
        if keep is None:
            stages.y.copy_(stages.y_new)
            if self.tableau.first_same_as_last:
                stages.carry.copy_(stages.last)
            return
        keep_state = keep.view(stages.h_state.shape)
        torch.where(keep_state, stages.y_new, stages.y, out=stages.y)
        if self.tableau.first_same_as_last:
            torch.where(keep_state, stages.last, stages.carry, out=stages.carry)
        if stages.coefficients.error:
            torch.where(keep_state, stages.new_magnitude, stages.magnitude, out=stages.magnitude)
