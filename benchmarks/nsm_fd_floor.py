"""The floor of the finite-difference baselines in ``benchmarks/nsm.py``: the error of the exact solution of
the grid-residual equations, the best an FNO trained on that residual could reach.

For each problem and grid ``n`` (``n`` times x ``n`` points, as the FNO baselines use), the grid values
``u = u0 + (t / t_max) w`` of ``--inputs`` held-out inputs are fitted directly (``w`` free, float64) by
minimising the problem's finite-difference loss with L-BFGS, then compared with the reference (mean
relative L2). An FNO trained on that loss cannot beat this number; an error far above it is the
optimiser's, not the discretisation's.

Run: ``PYTHONPATH=. python benchmarks/nsm_fd_floor.py`` (reaction-diffusion and Burgers: about 10 minutes on a
shared core; the NLSE on 128 x 128 takes much longer). Written 2026-11-23.
"""

from __future__ import annotations

import argparse

import torch

from sciml.evaluate import relative_error
from sciml.train.spectral_residual import NLSE, Burgers, ReactionDiffusion

PROBLEMS = {"rd": lambda: ReactionDiffusion(nu=0.01, rho=5.0), "burgers": Burgers, "nlse": NLSE}


def floor(problem, n: int, inputs: int) -> tuple[float, float]:
    """``(finite-difference loss, relative L2 error against the reference)`` of the fitted grid solution."""
    u0 = problem.inputs(inputs, 12345)
    w = torch.zeros(inputs, problem.channels, n, n, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([w], max_iter=4000, tolerance_grad=1e-14, tolerance_change=1e-16, history_size=50,
                                  line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = 1e4 * problem.loss(problem.solution(u0, w, False), u0, False)  # scaled away from the tolerances
        loss.backward()
        return loss

    for _ in range(3):
        optimizer.step(closure)
    u = problem.solution(u0, w.detach(), False)
    return float(problem.loss(u, u0, False)), float(relative_error(u, problem.reference(u0, (n, n), False)).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", nargs="+", choices=sorted(PROBLEMS), default=["rd", "burgers", "nlse"])
    parser.add_argument("--grids", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--inputs", type=int, default=4)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print("| problem | grid | finite-difference loss | error of the exact grid solution |")
    print("|---|---|---|---|")
    for name in args.problems:
        for n in args.grids:
            loss, error = floor(PROBLEMS[name](), n, args.inputs)
            print(f"| {name} | {n} x {n} | {loss:.2e} | {error:.2e} |", flush=True)


if __name__ == "__main__":
    main()
