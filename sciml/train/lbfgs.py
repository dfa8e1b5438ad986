"""L-BFGS that runs until it converges or its budget is spent.

``torch.optim.LBFGS`` (strong Wolfe line search) is run in chunks of ``chunk`` iterations with its
change tolerances switched off. When a chunk ends early (a failed line search, a zero step, a
direction that does not descend: common in float32) the curvature memory is discarded and the
minimisation restarts from the current point with a gradient step; it stops only when the largest
gradient component is below ``gtol``, when a restart brings no decrease of the loss, when the loss
is no longer finite (the last finite parameters are restored), or at ``iterations`` / ``time_limit``.
After every chunk ``on_state(state)`` receives everything the rest of the minimisation depends on
besides the parameters (the curvature memory, the counters); ``resume=state`` continues from it to
the same iterates as a minimisation never stopped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass
class LBFGSResult:
    iterations: int
    evaluations: int
    restarts: int
    loss: float
    gradient: float
    reason: str
    seconds: float


def minimize_lbfgs(parameters, closure: Callable[[], torch.Tensor], iterations: int, history: int = 50,
                   gtol: float = 1e-9, chunk: int = 100, time_limit: float = math.inf,
                   on_chunk: Callable[[LBFGSResult], None] | None = None,
                   on_state: Callable[[dict], None] | None = None, resume: dict | None = None) -> LBFGSResult:
    """Minimise ``closure()`` (which returns the loss; gradients are taken here) over ``parameters``."""
    if iterations < 0 or chunk < 1 or history < 1:
        raise ValueError(f"need iterations >= 0, chunk >= 1 and history >= 1, got {iterations}, {chunk}, {history}")
    parameters = [p for p in parameters if p.requires_grad]
    start = time.perf_counter()
    last = {"loss": math.nan}

    def evaluate() -> torch.Tensor:
        optimizer.zero_grad(set_to_none=False)
        loss = closure()
        loss.backward()
        last["loss"] = float(loss.detach())
        return loss

    def fresh() -> torch.optim.LBFGS:
        return torch.optim.LBFGS(parameters, lr=1.0, max_iter=chunk, max_eval=int(1.25 * chunk) + 25,
                                 tolerance_grad=gtol, tolerance_change=0.0, history_size=history,
                                 line_search_fn="strong_wolfe")

    optimizer = fresh()
    done = evaluations = restarts = 0
    loss_at_restart, reason = math.inf, "iteration budget spent"
    gradient = math.inf
    if resume is not None:
        optimizer.load_state_dict(resume["optimizer"])
        done, evaluations, restarts = resume["done"], resume["evaluations"], resume["restarts"]
        loss_at_restart, gradient, last["loss"] = resume["loss_at_restart"], resume["gradient"], resume["loss"]
    while done < iterations:
        saved = [p.detach().clone() for p in parameters]
        optimizer.param_groups[0]["max_iter"] = min(chunk, iterations - done)
        state_before = optimizer.state[parameters[0]]
        before_iter, before_evals = state_before.get("n_iter", 0), state_before.get("func_evals", 0)
        try:
            optimizer.step(evaluate)
        except RuntimeError:  # torch's line search can fail on a non-finite loss before we see it
            if math.isfinite(last["loss"]):
                raise
        state = optimizer.state[parameters[0]]
        progressed = state["n_iter"] - before_iter
        done += progressed
        evaluations += state["func_evals"] - before_evals
        if not math.isfinite(last["loss"]):
            with torch.no_grad():
                for p, value in zip(parameters, saved):
                    p.copy_(value)
            last["loss"] = float(closure().detach())
            reason = "loss not finite: last finite parameters restored"
            break
        gradient = max(float(p.grad.abs().max()) for p in parameters if p.grad is not None)
        if on_chunk is not None:
            on_chunk(LBFGSResult(done, evaluations, restarts, last["loss"], gradient, "", time.perf_counter() - start))
        if gradient <= gtol:
            reason = f"converged: largest gradient component {gradient:.2e} <= {gtol:.0e}"
            break
        if time.perf_counter() - start > time_limit:
            reason = "time limit reached"
            break
        if progressed < optimizer.param_groups[0]["max_iter"]:
            if last["loss"] >= loss_at_restart:
                reason = "converged: a restart of the curvature memory brought no decrease"
                break
            loss_at_restart = last["loss"]
            optimizer = fresh()
            restarts += 1
        if on_state is not None:
            on_state({"optimizer": optimizer.state_dict(), "done": done, "evaluations": evaluations,
                      "restarts": restarts, "loss_at_restart": loss_at_restart, "gradient": gradient,
                      "loss": last["loss"]})
    return LBFGSResult(done, evaluations, restarts, last["loss"], gradient, reason, time.perf_counter() - start)
