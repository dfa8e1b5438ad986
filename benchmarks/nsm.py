"""Neural Spectral Method against FNO trained on a grid residual, and against our solver, on equal terms.

Problems (``sciml.train.spectral_residual``): reaction-diffusion ``u_t = nu u_xx + 5 u (1 - u)`` on
``[0, 2 pi) x [0, 1]`` for each ``--nus`` (the paper's sweep; initial conditions are random fields with
at most 12 Fourier modes), and periodic Poisson ``-Laplace u = f`` in 2D on ``[0, 1)^2``. Models, all
trained without solution data for ``--seconds`` of wall time each on one thread, 500 training inputs,
batch 8, Adam at ``--lr`` with cosine decay over the time budget, float32:

- NSM (width 16, 4 layers, 12 x 16 modes; reaction-diffusion on 33 Chebyshev times x 64 Fourier
  points, Poisson on 64 x 64), spectral residual loss;
- FNO (width 16, 4 layers, the same modes, 25% domain padding) with the finite-difference residual on
  uniform grids of 64, 128 and 256 points per axis (``--grids``).

Error: mean relative L2 against the reference (our ETDRK4 solver on 256 points / the exact Fourier
solution) on 32 held-out inputs, on each model's own grid. Speed: NSM inference for the 32 inputs
against our ETDRK4 solver on 64 points with the largest step (of 1 .. 1/512; the 33 output times add
their own steps) whose error is at most
NSM's, both batched on one thread. Prints a table and writes ``--out`` (JSON).

Run: ``PYTHONPATH=. python benchmarks/nsm.py`` (about 5 problems x 4 models x ``--seconds``).
Written 2026-11-23.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from sciml.models import FNO, NSM
from sciml.train.self_supervised import SelfSupervisedConfig, evaluate, predict, train_self_supervised
from sciml.train.spectral_residual import Poisson, ReactionDiffusion
from solvers import pdes
from solvers.spectral import PeriodicGrid


def train(kind: str, problem, grid: tuple[int, ...], args) -> dict:
    spectral = kind == "NSM"
    dimensions = len(grid)
    modes = (12, 16) if dimensions == 2 else (16,)
    model = (NSM(kinds=problem.kinds, modes=modes, width=16, layers=4) if spectral
             else FNO(1, 1, modes=modes, width=16, layers=4, padding=0.25))
    config = SelfSupervisedConfig(grid=grid, spectral=spectral, samples=500, batch_size=8, steps=10**6,
                                  time_limit=args.seconds, learning_rate=args.lr)
    history = train_self_supervised(model, problem, config, progress=False)
    return {"model": kind if spectral else f"FNO grid {grid[-1]}", "error": evaluate(model, problem, config, count=32),
            "seconds": history.seconds, "steps": len(history.loss), "network": model, "config": config}


def solver_speed(problem: ReactionDiffusion, nsm: dict) -> dict:
    """Our solver on 64 points at the largest step reaching NSM's error, timed against NSM inference."""
    inputs = problem.inputs(32, 12345)
    config = nsm["config"]
    start = time.perf_counter()
    predict(nsm["network"], problem, inputs, config)
    nsm_seconds = time.perf_counter() - start
    reference = problem.reference(inputs, config.grid, True)
    grid = PeriodicGrid(problem.length, 64)
    times = problem.times(config.grid[0], True).flip(0)
    term = pdes.reaction_diffusion(grid, diffusivity=problem.nu, rate=problem.rho)
    u0 = torch.roll(inputs[:, ::problem.fine // 64], 32, dims=-1)
    norm = reference.square().sum((1, 2)).sqrt()
    for steps in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512):
        start = time.perf_counter()
        u = pdes.solve(term, u0, grid, times, method="etdrk4", dt=1 / steps).u
        seconds = time.perf_counter() - start
        u = torch.roll(u, -32, dims=-1).flip(1)
        error = float(((u - reference).square().sum((1, 2)).sqrt() / norm).mean())
        if error <= nsm["error"]:
            return {"solver steps": steps, "solver error": error, "solver seconds": seconds, "nsm seconds": nsm_seconds}
    return {"solver steps": None, "nsm seconds": nsm_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nus", type=float, nargs="+", default=[0.005, 0.01, 0.05, 0.1])
    parser.add_argument("--grids", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--seconds", type=float, default=120.0, help="training wall time per model")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--poisson", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--out", default="/tmp/nsm.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    problems = [(f"reaction-diffusion nu={nu:g}", ReactionDiffusion(nu=nu, rho=5.0), (33, 64)) for nu in args.nus]
    if args.poisson:
        problems.append(("Poisson 2D", Poisson(dimensions=2), (64, 64)))
    rows = []
    for name, problem, nsm_grid in problems:
        nsm = train("NSM", problem, nsm_grid, args)
        results = [nsm] + [train("FNO", problem, (n,) * len(nsm_grid), args) for n in args.grids]
        best_fno = min(result["error"] for result in results[1:])
        speed = solver_speed(problem, nsm) if isinstance(problem, ReactionDiffusion) else {}
        for result in results:
            print(f"{name:28s} {result['model']:14s} rel. L2 {result['error']:.3e}  {result['steps']:6d} steps "
                  f"in {result['seconds']:5.0f} s", flush=True)
        print(f"{name:28s} best FNO / NSM error: {best_fno / nsm['error']:.1f}x", flush=True)
        if speed.get("solver steps"):
            print(f"{name:28s} solver ({speed['solver steps']} steps, error {speed['solver error']:.2e}) "
                  f"{speed['solver seconds'] * 1e3:.1f} ms vs NSM inference {speed['nsm seconds'] * 1e3:.1f} ms: "
                  f"NSM/solver time {speed['nsm seconds'] / speed['solver seconds']:.2f}", flush=True)
        elif speed:
            print(f"{name:28s} solver misses NSM's error at every step tried", flush=True)
        rows.append({"problem": name, "best FNO / NSM": best_fno / nsm["error"], **speed,
                     "runs": [{key: value for key, value in result.items() if key not in ("network", "config")}
                              for result in results]})
    with open(args.out, "w") as handle:
        json.dump(rows, handle, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
