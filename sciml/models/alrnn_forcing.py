"""The AL-RNN's teacher-forced run with a hand-written backward pass (identity observation).

On a CPU a training step of these small models is operator dispatch, not arithmetic: recorded by
autograd, a time step of the generic ``teacher_forced`` costs 31 tensor operations forward and backward
(tests/test_dsr.py counts them). :func:`forced_run` computes the same states with three operations a step
and no graph, and its backward runs the adjoint recursion of ``f_t = h + A z_{t-1} + phi(z_{t-1}) W``
(``W`` the masked, transposed weight; ``phi(z) = max(z, floor)``)::

    g_{t-1} = A g_t + (g_t W^T) phi'(z_{t-1})

with four operations a step (about 10 a step in all, forward and backward); the parameters' gradients
are summed over all steps at once afterwards. Forcing (every ``interval``-th step) moves the observed
units to ``(1 - alpha) f_t + alpha x_t``, so the gradient through a forced step scales by ``1 - alpha``
there (Hess et al., ICML 2023).
"""

from __future__ import annotations

import torch


def forced_run(z0: torch.Tensor, A: torch.Tensor, weight: torch.Tensor, h: torch.Tensor, floor: torch.Tensor,
               x: torch.Tensor, alpha: torch.Tensor, interval: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``z0 (..., M)``, data ``x (..., T, N)`` -> the free states ``f_t`` before forcing ``(..., T - 1, M)``
    and the states after it ``(..., T, M)`` (the first is ``z0``). ``A``, ``h`` broadcast against ``z0``,
    ``weight (M, M)`` or stacked ``(K, M, M)``; ``alpha`` broadcasts against ``x[..., 0, :]``. Gradients
    flow to ``z0``, ``A``, ``weight`` and ``h``; ``x`` and ``alpha`` must not require them."""
    if x.requires_grad or alpha.requires_grad:
        raise ValueError("forced_run gives no gradient for x or alpha: use the autograd path of teacher_forced")
    return _ForcedRun.apply(z0, A, weight, h, floor, x, alpha, interval)


def alrnn_step(z: torch.Tensor, A: torch.Tensor, weight: torch.Tensor, h: torch.Tensor,
               floor: torch.Tensor) -> torch.Tensor:
    """``h + A z + max(z, floor) @ weight`` for ``z (..., M)``, in three operations where the shapes allow."""
    linear, phi = torch.addcmul(h, A, z), torch.maximum(z, floor)
    if phi.ndim == weight.ndim == 2:
        return torch.addmm(linear, phi, weight)
    if phi.ndim == weight.ndim == 3:
        return torch.baddbmm(linear, phi, weight)
    return linear + phi @ weight


def _member_steps(tensor: torch.Tensor, members: bool) -> torch.Tensor:
    """Time-major ``(T, ..., M)`` -> ``(K, rest, M)`` (stacked members, the first of ``...``) or ``(rest, M)``:
    every step and sample of one weight in one matrix dimension."""
    return tensor.movedim(1, 0).reshape(tensor.shape[1], -1, tensor.shape[-1]) if members else tensor.reshape(
        -1, tensor.shape[-1])


class _ForcedRun(torch.autograd.Function):
    """Internally time-major ``(T, ..., M)`` with ``A``, ``h`` and ``floor`` expanded to the state's shape,
    so that every element-wise operation runs over contiguous operands of one shape."""

    @staticmethod
    def forward(ctx, z0, A, weight, h, floor, x, alpha, interval):
        observed, z = x.shape[-1], z0
        A_full, h_full, floor_full = (v.expand(z0.shape).contiguous() for v in (A, h, floor))
        matrix = weight.contiguous()
        free, states = [], [z0]
        for t in range(1, x.shape[-2]):
            f = alrnn_step(z, A_full, matrix, h_full, floor_full)
            free.append(f)
            if t % interval == 0:
                f = torch.cat([(1 - alpha) * f[..., :observed] + alpha * x[..., t, :], f[..., observed:]], dim=-1)
            states.append(f)
            z = f
        states = torch.stack(states)
        ctx.save_for_backward(states, A_full, weight, floor_full, alpha)
        ctx.interval, ctx.observed, ctx.shapes = interval, observed, (A.shape, h.shape)
        ctx.set_materialize_grads(False)
        return torch.stack(free).movedim(0, -2), states.movedim(0, -2)

    @staticmethod
    def backward(ctx, free_grad, state_grad):
        states, A, weight, floor, alpha = ctx.saved_tensors
        observed, steps = ctx.observed, states.shape[0] - 1
        previous = states[:-1]  # z_{t-1} for t = 1 .. T-1
        slopes = (previous > floor).to(states.dtype).unbind()  # phi'(z_{t-1}): 1 on the linear units
        zero = torch.zeros_like(states[0])
        time_major = [None if g is None else g.movedim(-2, 0).contiguous() for g in (free_grad, state_grad)]
        free_grad, state_grad = time_major
        # the gradient that reaches f_t directly, as if the step were unforced: from the free and the forced outputs
        direct = [zero] * steps if free_grad is None else list(free_grad.unbind())
        after = [None] * (steps + 1) if state_grad is None else list(state_grad.unbind())
        if state_grad is not None:
            direct = [d + a for d, a in zip(direct, after[1:])]
        transposed, back, grads = weight.mT.contiguous(), None, [None] * steps
        members = weight.ndim == 3  # stacked members: one bmm a step
        for t in range(steps, 0, -1):
            if t % ctx.interval == 0:  # z_t = force(f_t): the observed units' gradient scales by 1 - alpha
                g = back if after[t] is None else (after[t] if back is None else after[t] + back)
                g = zero if g is None else g
                g = torch.cat([(1 - alpha) * g[..., :observed], g[..., observed:]], dim=-1)
                g = g if free_grad is None else g + free_grad[t - 1]
            else:
                g = direct[t - 1] if back is None else direct[t - 1] + back
            grads[t - 1] = g
            product = torch.bmm(g, transposed) if members and g.ndim == 3 else g @ transposed
            back = torch.addcmul(A * g, product, slopes[t - 1])
        grads = torch.stack(grads)
        z0_grad = back if after[0] is None else back + after[0]
        A_shape, h_shape = ctx.shapes
        A_grad = (grads * previous).sum(0).sum_to_size(A_shape) if ctx.needs_input_grad[1] else None
        weight_grad = None
        if ctx.needs_input_grad[2]:
            phi = _member_steps(torch.maximum(previous, floor), members)
            weight_grad = (phi.mT @ _member_steps(grads, members)).sum_to_size(weight.shape)
        h_grad = grads.sum(0).sum_to_size(h_shape) if ctx.needs_input_grad[3] else None
        return z0_grad, A_grad, weight_grad, h_grad, None, None, None, None
