"""Neural Spectral Method against FNO trained on a grid residual or on solver data, and against our solver.

Problems (``sciml.train.spectral_residual``, chosen with ``--problems``):

- ``rd``: reaction-diffusion ``u_t = nu u_xx + 5 u (1 - u)`` on ``[0, 2 pi) x [0, 1]`` for each ``--nus``
  (the paper's sweep; initial conditions are random fields with at most 12 Fourier modes);
- ``poisson``: periodic Poisson ``-Laplace u = f`` in 2D on ``[0, 1)^2``;
- ``burgers``: viscous Burgers ``u_t + (u^2 / 2)_x = 0.1 u_xx`` on ``[0, 2 pi) x [0, 1]`` from random fields
  of RMS 0.5 with at most 8 modes;
- ``nlse``: ``i u_t + u_xx / 2 + |u|^2 u = 0`` on ``[0, 2 pi) x [0, 0.5]`` from complex random fields of RMS 1
  with at most 4 modes (two channels, Re and Im).

Models, each trained for ``--seconds`` of wall time on one thread, 500 training inputs, batch 8, Adam at
``--lr`` with cosine decay over the time budget, float32:

- NSM (width 16, 4 layers, 12 x 16 modes; evolution problems on 33 Chebyshev times x 64 Fourier points,
  Poisson on 64 x 64), spectral residual loss, no solution data;
- FNO (width 16, 4 layers, the same modes, 25% domain padding) with the finite-difference residual on
  uniform grids of 64, 128 and 256 points per axis (``--grids``), no solution data;
- the same FNO trained on the solver's solutions for the 500 training inputs (relative L2) on the uniform
  grid of ``--data-grid`` points per axis; the solutions are computed before its timed training.

Error: mean relative L2 against the reference (our solvers on 256 points: ETDRK4 for reaction-diffusion
and Burgers, integrating-factor DOP853 at rtol 1e-10 for the NLSE; the exact Fourier solution for
Poisson) on 32 held-out inputs, on each model's own grid (complex error for the NLSE). Speed (evolution
problems): NSM inference for the 32 inputs against our ETDRK4 solver on 64 points with the largest step
(``t_max`` / 1 .. 512; the 33 output times add their own steps) whose error is at most NSM's, both batched
on one thread. Prints one line per model, then a table, and writes ``--out`` (JSON).

Run: ``PYTHONPATH=. python benchmarks/nsm.py --problems burgers nlse --grids 64`` (about problems x
(2 + grids) x ``--seconds``, plus the solver data).
Written 2026-11-23.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from sciml.evaluate import relative_error
from sciml.models import FNO, NSM
from sciml.train.self_supervised import SelfSupervisedConfig, evaluate, predict, train_self_supervised
from sciml.train.spectral_residual import NLSE, Burgers, PeriodicEvolution, Poisson, ReactionDiffusion


def problems(args) -> list[tuple[str, object, tuple[int, ...]]]:
    """``(name, problem, NSM grid)`` for each of ``--problems``."""
    chosen = []
    for key in args.problems:
        if key == "rd":
            chosen += [(f"reaction-diffusion nu={nu:g}", ReactionDiffusion(nu=nu), (33, 64)) for nu in args.nus]
        elif key == "poisson":
            chosen.append(("Poisson 2D", Poisson(dimensions=2), (64, 64)))
        elif key == "burgers":
            chosen.append((f"Burgers nu={Burgers().nu:g}", Burgers(), (33, 64)))
        else:
            chosen.append(("NLSE", NLSE(), (33, 64)))
    return chosen


def train(kind: str, problem, grid: tuple[int, ...], args) -> dict:
    """``kind``: ``NSM`` (spectral residual), ``FNO`` (grid residual) or ``FNO data`` (solver data)."""
    spectral = kind == "NSM"
    modes = (12, 16) if len(grid) == 2 else (16,)
    channels = problem.channels
    model = (NSM(channels, channels, kinds=problem.kinds, modes=modes, width=16, layers=4) if spectral
             else FNO(channels, channels, modes=modes, width=16, layers=4, padding=0.25))
    config = SelfSupervisedConfig(grid=grid, spectral=spectral, data=kind == "FNO data", samples=500, batch_size=8,
                                  steps=10**6, time_limit=args.seconds, learning_rate=args.lr)
    history = train_self_supervised(model, problem, config, progress=False)
    return {"model": kind if spectral else f"{kind} {grid[-1]}", "error": evaluate(model, problem, config, count=32),
            "seconds": history.seconds, "data seconds": history.data_seconds, "steps": len(history.loss),
            "network": model, "config": config}


def solver_speed(problem: PeriodicEvolution, nsm: dict) -> dict:
    """Our solver on 64 points at the largest step reaching NSM's error, timed against NSM inference."""
    inputs = problem.inputs(32, 12345)
    config = nsm["config"]
    start = time.perf_counter()
    predict(nsm["network"], problem, inputs, config)
    nsm_seconds = time.perf_counter() - start
    reference = problem.reference(inputs, config.grid, True)
    times = problem.times(config.grid[0], True).flip(0)
    for steps in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512):
        start = time.perf_counter()
        u = problem.solve(inputs, times, 64, dt=problem.t_max / steps)
        seconds = time.perf_counter() - start
        error = float(relative_error(u.flip(1), reference).mean())
        if error <= nsm["error"]:
            return {"solver steps": steps, "solver error": error, "solver seconds": seconds, "nsm seconds": nsm_seconds}
    return {"solver steps": None, "nsm seconds": nsm_seconds}


def table(rows: list[dict], args) -> str:
    """A markdown table: errors (training steps) per model, the error ratios and the solver's speed."""
    header = (["problem", "NSM"] + [f"FNO FD residual {n}" for n in args.grids]
              + [f"FNO solver data {args.data_grid}", "best FD FNO / NSM error", "data FNO / NSM error",
                 "NSM / solver time"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        runs = [f"{run['error']:.2e} ({run['steps']})" for run in row["runs"]]
        speed = (f"{row['nsm seconds'] / row['solver seconds']:.2f} (solver {row['solver steps']} steps, "
                 f"error {row['solver error']:.1e})" if row.get("solver steps") else
                 "solver misses NSM's error" if "nsm seconds" in row else "")
        cells = [row["problem"], *runs, f"{row['best FNO / NSM']:.1f}x", f"{row['data FNO / NSM']:.1f}x", speed]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", nargs="+", choices=("rd", "poisson", "burgers", "nlse"),
                        default=["rd", "poisson", "burgers", "nlse"])
    parser.add_argument("--nus", type=float, nargs="+", default=[0.005, 0.01, 0.05, 0.1], help="rd: diffusivities")
    parser.add_argument("--grids", type=int, nargs="+", default=[64, 128, 256], help="FNO grid-residual grids")
    parser.add_argument("--data-grid", type=int, default=64, help="grid of the FNO trained on solver data")
    parser.add_argument("--seconds", type=float, default=120.0, help="training wall time per model")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--out", default="/tmp/nsm.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for name, problem, nsm_grid in problems(args):
        dimensions = len(nsm_grid)
        nsm = train("NSM", problem, nsm_grid, args)
        results = [nsm] + [train("FNO", problem, (n,) * dimensions, args) for n in args.grids]
        results.append(train("FNO data", problem, (args.data_grid,) * dimensions, args))
        best_fno = min(result["error"] for result in results[1:-1])
        speed = solver_speed(problem, nsm) if isinstance(problem, PeriodicEvolution) else {}
        for result in results:
            data = f" (+ {result['data seconds']:.0f} s solver data)" if result["data seconds"] else ""
            print(f"{name:28s} {result['model']:14s} rel. L2 {result['error']:.3e}  {result['steps']:6d} steps "
                  f"in {result['seconds']:5.0f} s{data}", flush=True)
        row = {"problem": name, "best FNO / NSM": best_fno / nsm["error"],
               "data FNO / NSM": results[-1]["error"] / nsm["error"], **speed,
               "runs": [{key: value for key, value in result.items() if key not in ("network", "config")}
                        for result in results]}
        rows.append(row)
        print(table([row], args).split("\n")[-1], flush=True)
    print(table(rows, args))
    with open(args.out, "w") as handle:
        json.dump(rows, handle, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
