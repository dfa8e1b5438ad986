"""The stepper protocol: what :func:`~solvers.integrators.solve` may call on a method.

Every stepper has ``name``, ``order``, ``error_order`` (None without an embedded estimate),
``adaptive`` and ``dense`` (has a continuous extension), and:

- ``rhs(f)``: checks that ``f`` suits the method (raises ``TypeError`` otherwise);
- ``start(f, t, y, rtol, atol) -> state``: the buffers of one solve from ``y (batch, *state)``;
  ``state.y`` is the current state, ``state.y_new`` the trial state after a step, and
  ``state.evaluations`` the batched right-hand-side calls so far;
- ``set_step(state, h)``: fixed steps of the float ``h`` from now on;
- ``step(state, t) -> err``: a trial step from ``(t (batch,), state.y)``; ``err (batch,)`` is its
  error norm scaled by the tolerances given to ``start``, or None;
- ``commit(state, keep)``: accept the trial step where ``keep (batch,)``, everywhere for None.

Adaptive steppers also take per-sample steps in ``state.h (batch,)`` and offer ``initial_rhs(f)``,
``initial_derivative(f, state)`` (for the starting step) and, with dense output,
``interpolate(state, theta)``. :class:`~solvers.integrators.runge_kutta.RungeKutta` is the adaptive
one; :class:`FixedState` serves the fixed-step methods (ETDRK4, split-step).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class FixedState:
    """The state of a fixed-step solve: the term, the current and trial states, the step size."""

    f: object
    y: torch.Tensor
    h: float = 0.0
    y_new: torch.Tensor | None = None
    evaluations: int = 0
    cache: dict = field(default_factory=dict)


class FixedStepper:
    """The protocol's bookkeeping for fixed-step methods; subclasses define ``advance(state, t)``."""

    adaptive = False
    dense = False
    error_order = None

    def start(self, f, t: torch.Tensor, y: torch.Tensor, rtol: float = 0.0, atol: float = 0.0) -> FixedState:
        self.rhs(f)
        return FixedState(f, y)

    def set_step(self, state: FixedState, h: float) -> None:
        state.h = h

    def step(self, state: FixedState, t: torch.Tensor) -> None:
        state.y_new = self.advance(state, t)

    def commit(self, state: FixedState, keep: torch.Tensor | None) -> None:
        state.y = state.y_new
