"""One entry point: ``solve(f, y0, t, method=..., rtol=..., atol=...) -> Solution``.

States are batched, ``y0`` of shape ``(batch, *state)``, real or complex. Adaptive methods keep
one step size per sample and accept or reject each sample on its own. Those with a continuous
extension (``dopri5``, ``dop853`` and their integrating-factor forms) step freely and evaluate the
solution at the output times by dense output, so the number of steps does not depend on the
number of outputs; ``clip=True`` instead shortens steps to land on every output time (the only
way for adaptive tableaux without dense output). Fixed-step methods take ``ceil(interval / dt)``
equal steps between consecutive output times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .controller import StepSizeController
from .exponential import ETDRK4
from .methods import DOP853, DOPRI5, RK4
from .runge_kutta import RungeKutta
from .split_step import SplitStep
from .terms import SemilinearTerm, VectorField

_METHODS = {
    "rk4": lambda: RungeKutta(RK4),
    "dopri5": lambda: RungeKutta(DOPRI5),
    "dop853": lambda: RungeKutta(DOP853),
    "if_rk4": lambda: RungeKutta(RK4, integrating_factor=True),
    "if_dopri5": lambda: RungeKutta(DOPRI5, integrating_factor=True),
    "if_dop853": lambda: RungeKutta(DOP853, integrating_factor=True),
    "etdrk4": ETDRK4,
    "strang": lambda: SplitStep(2),
    "split_step4": lambda: SplitStep(4),
    "split_step6": lambda: SplitStep(6),
    "split_step8": lambda: SplitStep(8),
}
METHODS = tuple(_METHODS)
"""Names accepted by :func:`solve`; ``if_*``, ``etdrk4`` and split-step need a :class:`SemilinearTerm`."""


def stepper(method: str):
    """A fresh stepper object for a method name (see :data:`METHODS`)."""
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    return _METHODS[method]()


@dataclass(frozen=True)
class SolverStats:
    """``accepted_steps``, ``rejected_steps``: ``(batch,)``; ``evaluations``: batched calls of the
    right-hand side (of ``N`` for semilinear methods, of the nonlinear flow for split-step)."""

    accepted_steps: torch.Tensor
    rejected_steps: torch.Tensor
    evaluations: int


@dataclass(frozen=True)
class Solution:
    """``t``: ``(T,)``; ``y``: ``(batch, T, *state)`` (``(T, *state)`` for an unbatched ``y0``)."""

    t: torch.Tensor
    y: torch.Tensor
    stats: SolverStats


class SolverError(RuntimeError):
    """The integration could not meet its tolerance (step underflow, step limit, non-finite state)."""


def _check_times(t: torch.Tensor | list, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    t = torch.as_tensor(t, dtype=dtype, device=device)
    if t.ndim != 1 or t.numel() < 2:
        raise ValueError(f"t must be a 1-D sequence of at least 2 output times, got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError("t must be finite")
    if not (t[1:] > t[:-1]).all():
        raise ValueError("t must be strictly increasing")
    return t


def solve(
    f: VectorField | SemilinearTerm,
    y0: torch.Tensor,
    t: torch.Tensor | list,
    method: str = "dop853",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    dt: float | None = None,
    max_steps: int = 1_000_000,
    controller: StepSizeController | None = None,
    t0: float | None = None,
    clip: bool = False,
) -> Solution:
    """Integrate ``y' = f(t, y)`` from ``y0`` at ``t0`` (default ``t[0]``) and return the states at ``t``.

    ``f(t, y)`` receives ``t`` of shape ``(batch,)`` and returns a new tensor. ``method`` names a
    stepper (:data:`METHODS`). Adaptive methods use ``rtol``/``atol`` (or ``controller``); given
    ``dt`` they take fixed steps instead, which fixed-step methods (``rk4``, ``if_rk4``, ``etdrk4``,
    split-step) require. Output times before ``t0`` are outside the solved interval; with dense
    output they may start after it (``t0 < t[0]``: the states before ``t[0]`` are not kept).
    Raises :class:`SolverError` when a step size underflows, ``max_steps`` is exceeded or the state
    cannot be kept finite.
    """
    if not torch.is_tensor(y0) or y0.ndim < 1:
        raise ValueError("y0 must be a tensor of shape (batch, *state) or (state,)")
    if not torch.isfinite(y0).all():
        raise ValueError("y0 must be finite")
    step = stepper(method)
    step.rhs(f)
    unbatched = y0.ndim == 1
    y = y0.unsqueeze(0) if unbatched else y0
    t = _check_times(t, y.real.dtype, y.device)
    if not (isinstance(max_steps, int) and max_steps > 0):
        raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
    if not isinstance(clip, bool):
        raise ValueError(f"clip must be True or False, got {clip!r}")
    start = float(t[0]) if t0 is None else t0
    if not (isinstance(start, (int, float)) and math.isfinite(start)):
        raise ValueError(f"t0 must be a finite number, got {t0!r}")
    if start > float(t[0]):
        raise ValueError(f"output time t[0]={float(t[0]):.6g} lies before t0={start:.6g}, outside the solved interval")
    if dt is not None:
        if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be a positive finite number, got {dt!r}")
        if start != float(t[0]):
            raise ValueError("fixed steps start at t[0]: t0 needs an adaptive method with dense output")
        solution = _fixed_steps(step, f, y, t, float(dt), max_steps)
    elif not step.adaptive:
        raise ValueError(f"method {method!r} is fixed-step: pass dt")
    else:
        controller = controller or StepSizeController(rtol=rtol, atol=atol)
        dense = step.dense and not clip
        if not dense and start != float(t[0]):
            raise ValueError(f"t0 before t[0] needs dense output; method {method!r} with clip={clip} has none")
        solution = _adaptive_steps(step, f, y, t, start, controller, max_steps, dense)
    if unbatched:
        solution = Solution(solution.t, solution.y[0], solution.stats)
    return solution


def _fixed_steps(step, f, y: torch.Tensor, t: torch.Tensor, dt: float, max_steps: int) -> Solution:
    batch = y.shape[0]
    out = y.new_empty((batch, t.numel()) + y.shape[1:])
    out[:, 0] = y
    time = t[0].expand(batch).clone()
    state = step.start(f, time, y)
    steps, times = 0, t.tolist()
    for i, (t_start, t_end) in enumerate(zip(times, times[1:]), start=1):
        substeps = max(1, math.ceil((t_end - t_start) / dt - 1e-9))
        h = (t_end - t_start) / substeps
        steps += substeps
        if steps > max_steps:
            raise SolverError(f"more than max_steps={max_steps} steps needed to reach t={times[-1]}")
        step.set_step(state, h)
        for j in range(substeps):
            time.fill_(t_start + j * h)
            step.step(state, time)
            step.commit(state, None)
        if not torch.isfinite(state.y).all():
            raise SolverError(f"state became non-finite before t={t_end}; reduce dt (now {dt})")
        out[:, i] = state.y
    counts = torch.full((batch,), steps, dtype=torch.long, device=y.device)
    return Solution(t, out, SolverStats(counts, torch.zeros_like(counts), state.evaluations))


class _Flags:
    """A persistent ``(batch,)`` bool buffer whose ``any()`` the host reads without a tensor operation
    on a CPU (through a NumPy view made once); elsewhere ``any()`` synchronises."""

    def __init__(self, batch: int, device: torch.device):
        self.mask = torch.zeros(batch, dtype=torch.bool, device=device)
        self._host = self.mask.numpy() if device.type == "cpu" else None

    def any(self) -> bool:
        return bool(self._host.any()) if self._host is not None else bool(self.mask.any())


def _adaptive_steps(step, f, y: torch.Tensor, t: torch.Tensor, t0: float, controller: StepSizeController,
                    max_steps: int, dense: bool) -> Solution:
    """Per-sample adaptive steps from ``t0`` to ``t[-1]``: dense output at ``t``, or steps clipped to land on it.

    A sample that has written its last output keeps taking zero-length steps, all accepted, until
    the last sample ends; its statistics count only the steps before.
    """
    batch, n_out = y.shape[0], t.numel()
    written = y.new_empty((batch * n_out + 1,) + y.shape[1:])  # row b * T + i: sample b at t[i]; last: discarded
    discard = torch.tensor(batch * n_out, device=y.device)
    time = torch.full((batch,), t0, dtype=t.dtype, device=y.device)
    end = t[-1].expand(batch)
    stages = step.start(f, time, y, controller.rtol, controller.atol)
    size = f.size if isinstance(f, SemilinearTerm) else None
    h = controller.initial_step(step.initial_rhs(f), time, y, step.initial_derivative(f, stages), step.error_order, size)
    h = h.clamp_max(float(t[-1]) - t0)
    stages.evaluations += 1
    index = torch.zeros(batch, dtype=torch.long, device=y.device)
    if t0 == float(t[0]):
        written[: batch * n_out].view((batch, n_out) + y.shape[1:])[:, 0] = y
        index += 1
    row = torch.arange(batch, device=y.device) * n_out + index  # where each sample's next output goes
    t_after = torch.cat([t, t.new_full((1,), math.inf)])  # t, then inf once a sample has written all
    t_next = t_after[index]  # the next output time of each sample
    arrived = torch.empty_like(time)  # where each sample is after the trial step: t + h if accepted, else t
    due = _Flags(batch, y.device)
    attempts = torch.zeros(batch, dtype=torch.long, device=y.device)  # set when a sample finishes
    accepts: list[torch.Tensor] = []
    accepted = torch.zeros_like(attempts)
    iteration = 0
    while True:
        iteration += 1
        if dense:  # land exactly on the end: min(t + h, end), the step then follows from it
            t_new = torch.minimum(time + h, end)
        else:  # land on the next output time
            lands = h >= t_next - time
            t_new = torch.where(lands, t_next, time + h)
        torch.sub(t_new, time, out=stages.h)
        err = step.step(stages, time)
        accept, h_next = controller.adapt(stages.h, err, step.error_order)
        torch.where(accept, t_new, time, out=arrived)
        torch.le(t_next, arrived, out=due.mask)
        if not dense:
            h_next = torch.where(due.mask, torch.maximum(h_next, h), h_next)
        if due.any():
            while True:  # samples not due write their (meaningless) values into the discarded row
                value = step.interpolate(stages, (t_next - time) / stages.h) if dense else stages.y_new
                written.index_copy_(0, torch.where(due.mask, row, discard), value)
                index = torch.where(due.mask, index + 1, index)
                row = torch.where(due.mask, row + 1, row)
                t_next = t_after[index]
                torch.le(t_next, arrived, out=due.mask)
                if not (dense and due.any()):
                    break
            attempts = torch.where((index == n_out) & (attempts == 0), iteration, attempts)
            if bool((attempts > 0).all()):
                break
        step.commit(stages, accept)
        time, arrived = arrived, time
        h = h_next
        accepts.append(accept)
        if len(accepts) == 256:
            accepted += torch.stack(accepts).sum(0)
            accepts.clear()
        if iteration % 16 == 0:
            active = attempts == 0
            _check_progress(active, h, time, stages.y_new, torch.where(active, iteration, attempts), max_steps)
    step.commit(stages, accept)
    accepted += torch.stack(accepts + [accept]).sum(0) - (iteration - attempts)
    out = written[: batch * n_out].view((batch, n_out) + y.shape[1:])
    return Solution(t, out, SolverStats(accepted, attempts - accepted, stages.evaluations))


def _check_progress(active, h, time, y_new, steps, max_steps) -> None:
    tiny = 64 * torch.finfo(time.dtype).eps * time.abs().clamp_min(1.0)
    stuck = active & (h < tiny)
    if stuck.any():
        i = int(stuck.nonzero()[0])
        finite = bool(torch.isfinite(y_new[i]).all())
        reason = "" if finite else " (the trial state was non-finite)"
        raise SolverError(f"step size underflow for sample {i} at t={float(time[i]):.6g}{reason}; "
                          f"the tolerance cannot be met")
    over = active & (steps > max_steps)
    if over.any():
        i = int(over.nonzero()[0])
        raise SolverError(f"sample {i} exceeded max_steps={max_steps} at t={float(time[i]):.6g}")
