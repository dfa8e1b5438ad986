"""One entry point: ``solve(f, y0, t, method=..., rtol=..., atol=...) -> Solution``.

States are batched, ``y0`` of shape ``(batch, *state)``, real or complex. Adaptive methods keep
one step size per sample, accept or reject each sample on its own, and clip steps so that every
sample lands exactly on each requested output time. Fixed-step methods take
``ceil(interval / dt)`` equal steps between consecutive output times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .controller import StepSizeController, _per_sample
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
) -> Solution:
    """Integrate ``y' = f(t, y)`` from ``y0`` at ``t[0]`` and return the states at the times ``t``.

    ``f(t, y)`` receives ``t`` of shape ``(batch,)``. ``method`` names a stepper (:data:`METHODS`).
    Adaptive methods use ``rtol``/``atol`` (or ``controller``); given ``dt`` they take fixed
    steps instead, which fixed-step methods (``rk4``, ``if_rk4``, ``etdrk4``, split-step) require.
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
    if dt is not None:
        if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be a positive finite number, got {dt!r}")
        solution = _fixed_steps(step, f, y, t, float(dt), max_steps)
    elif not step.adaptive:
        raise ValueError(f"method {method!r} is fixed-step: pass dt")
    else:
        controller = controller or StepSizeController(rtol=rtol, atol=atol)
        solution = _adaptive_steps(step, f, y, t, controller, max_steps)
    if unbatched:
        solution = Solution(solution.t, solution.y[0], solution.stats)
    return solution


def _fixed_steps(step, f, y: torch.Tensor, t: torch.Tensor, dt: float, max_steps: int) -> Solution:
    batch = y.shape[0]
    out = [y]
    evaluations, steps, k0 = 0, 0, None
    times = t.tolist()
    for t_start, t_end in zip(times, times[1:]):
        substeps = max(1, math.ceil((t_end - t_start) / dt - 1e-9))
        h = (t_end - t_start) / substeps
        steps += substeps
        if steps > max_steps:
            raise SolverError(f"more than max_steps={max_steps} steps needed to reach t={times[-1]}")
        for j in range(substeps):
            time = torch.full((batch,), t_start + j * h, dtype=t.dtype, device=t.device)
            y, _, k0, count = step.step(f, time, y, h, k0)
            evaluations += count
        if not torch.isfinite(y).all():
            raise SolverError(f"state became non-finite before t={t_end}; reduce dt (now {dt})")
        out.append(y)
    counts = torch.full((batch,), steps, dtype=torch.long, device=y.device)
    return Solution(t, torch.stack(out, dim=1), SolverStats(counts, torch.zeros_like(counts), evaluations))


def _adaptive_steps(step, f, y: torch.Tensor, t: torch.Tensor, controller: StepSizeController,
                    max_steps: int) -> Solution:
    batch, n_out = y.shape[0], t.numel()
    rows = torch.arange(batch, device=y.device)
    out = y.new_empty((batch, n_out) + y.shape[1:])
    out[:, 0] = y
    rhs = step.rhs(f)
    time = t[0].expand(batch).clone()
    k0 = rhs(time, y)
    h = controller.initial_step(rhs, time, y, k0, step.error_order).clamp_max(t[-1] - t[0])
    evaluations = 2
    index = torch.ones(batch, dtype=torch.long, device=y.device)
    accepted = torch.zeros(batch, dtype=torch.long, device=y.device)
    rejected = torch.zeros_like(accepted)
    host_checks = y.device.type == "cpu"  # on an accelerator, synchronise only every 16 iterations
    sync_every = 1 if host_checks else 16
    iteration = 0
    while True:
        active = index < n_out
        target = t[index.clamp_max(n_out - 1)]
        remaining = target - time
        hit = h >= remaining
        h_step = torch.where(hit, remaining, h)
        y_new, errors, f_new, count = step.step(f, time, y, h_step, k0)
        evaluations += count
        err = controller.error_norm(y, y_new, errors)
        accept, h_next = controller.adapt(h_step, err, step.error_order)
        accept &= active
        landed = accept & hit
        h = torch.where(active, torch.where(landed, torch.maximum(h_next, h), h_next), h)
        time = torch.where(accept, torch.where(hit, target, time + h_step), time)
        keep = _per_sample(accept, y)
        y = torch.where(keep, y_new, y)
        if not host_checks or landed.any():
            slot = index.clamp_max(n_out - 1)
            out[rows, slot] = torch.where(_per_sample(landed, y), y_new, out[rows, slot])
            index = index + landed
        if f_new is None:
            k0 = rhs(time, y)
            evaluations += 1
        else:
            k0 = torch.where(keep, f_new, k0)
        accepted += accept
        rejected += active & ~accept
        iteration += 1
        if iteration % sync_every == 0:
            active = index < n_out
            if not active.any():
                break
            _check_progress(active, h, time, y_new, accepted + rejected, max_steps)
    return Solution(t, out, SolverStats(accepted, rejected, evaluations))


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
