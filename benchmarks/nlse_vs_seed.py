"""NLSE: our solver against the seed solver ``simple-idealized-1d-nlse`` (0.0.5), in one process.

Part 1, the seed's four cases (L = 50, n = 512, t = 20, 100 snapshots), one trajectory at a time.
The seed runs with its own settings (DOP853, rtol 1e-9, atol 1e-11, max_step 0.1, filter). Accuracy
of a run = its largest deviation over all snapshots from the truth: the exact soliton, or else our
converged solution (integrating-factor DOP853 at rtol 1e-10 with 2x padding; converged to ~1e-9).
For each of our methods (integrating-factor DOP853, ETDRK4, 4th-order split-step) a ladder of
tolerances or steps is walked from loose to tight and the first run at least as accurate as the
seed is timed (best of two); the table prints wall time, speed-up, accuracy, energy drift, evaluations.

Part 2, batched: 256 random solitons (A in [1.5, 2], v in [-0.25, 0.25], x0 in [-5, 5], so every
soliton stays 15 away from the box edge and its tail there is below 1e-9); the seed is
timed on the first few of them (its cost per trajectory does not depend on the batch), ours on all
256 in one batch with per-sample steps; trajectories per second of each, and the fraction of our
batched run spent in FFTs (torch profiler, over the first 2 time units).

Run: ``python benchmarks/nlse_vs_seed.py`` (``--quick`` for a batch of 32, ``--part 1`` or ``--part 2``).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
from simple_idealized_1d_nlse import NLSESolver

from solvers import nlse

TIMES = torch.linspace(0.0, 20.0, 100, dtype=torch.float64)  # the seed's snapshot times
GRID = nlse.Grid(L=50.0, n=512)
LADDERS = {
    "if_dop853": [dict(rtol=r, atol=r * 1e-2) for r in (1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 3e-7, 1e-7, 3e-8, 1e-8, 3e-9, 1e-9)],
    "etdrk4": [dict(dt=d) for d in (0.05, 0.04, 0.025, 0.02, 0.0125, 0.01, 0.008, 0.005, 0.004)],
    "split_step4": [dict(dt=d) for d in (0.05, 0.025, 0.02, 0.0125, 0.01, 0.005, 0.004, 0.0025)],
}


def drift(u: torch.Tensor, invariant: str) -> float:
    values = nlse.invariants(u, GRID)[invariant]
    return float(((values - values[..., :1]).abs() / values[..., :1].abs()).max())


def run_seed(u0: torch.Tensor) -> tuple[float, torch.Tensor, int]:
    solver = NLSESolver(domain_length=50.0, num_points=512, verbose=False)
    start = time.perf_counter()
    result = solver.solve(u0.numpy(), t_final=20.0, n_snapshots=100, show_progress=False)
    seconds = time.perf_counter() - start
    return seconds, torch.as_tensor(result["psi"]), int(result["solver_info"]["nfev"])


def run_ours(u0: torch.Tensor, method: str = "if_dop853", **options) -> tuple[float, nlse.NLSESolution]:
    start = time.perf_counter()
    solution = nlse.solve(u0, GRID, TIMES, method=method, **options)
    return time.perf_counter() - start, solution


def _setting(options: dict) -> str:
    return ", ".join(f"{key}={value:g}" for key, value in options.items() if key != "atol")


def seed_cases() -> None:
    print("Part 1: the seed's four cases, one trajectory at a time; error = max deviation from the truth")
    print(f"{'case':23s} {'solver':12s} {'setting':12s} {'wall s':>7s} {'speed-up':>8s} {'error':>8s} "
          f"{'energy dE':>9s} {'mass dM':>8s} {'RHS evals':>9s}")
    for name, make in nlse.SEED_CASES.items():
        u0 = make(GRID.x)
        if name == "single_soliton":
            truth = torch.stack([nlse.soliton(GRID.x, 2.0, 1.0, -10.0, t=float(t)) for t in TIMES])
        else:
            truth = run_ours(u0, rtol=1e-10, atol=1e-12)[1].u
        seed_seconds, seed_u, seed_evaluations = run_seed(u0)
        seed_error = float((seed_u - truth).abs().max())
        print(f"{name:23s} {'seed':12s} {'rtol=1e-09':12s} {seed_seconds:7.2f} {1.0:8.2f} {seed_error:8.1e} "
              f"{drift(seed_u, 'energy'):9.1e} {drift(seed_u, 'mass'):8.1e} {seed_evaluations:9d}")
        for method, ladder in LADDERS.items():
            for options in ladder:
                seconds, solution = run_ours(u0, method, **options)
                error = float((solution.u - truth).abs().max())
                if error <= seed_error:
                    break
            else:
                print(f"{'':23s} {method:12s} {'none':12s} (no setting of the ladder reached the seed's accuracy)")
                continue
            seconds = min(seconds, run_ours(u0, method, **options)[0])
            print(f"{'':23s} {method:12s} {_setting(options):12s} {seconds:7.2f} {seed_seconds / seconds:8.2f} "
                  f"{error:8.1e} {drift(solution.u, 'energy'):9.1e} {drift(solution.u, 'mass'):8.1e} "
                  f"{solution.stats.evaluations:9d}")


def random_solitons(count: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    uniform = lambda low, high: low + (high - low) * torch.rand(count, generator=generator, dtype=torch.float64)  # noqa: E731
    parameters = torch.stack([uniform(1.5, 2.0), uniform(-0.25, 0.25), uniform(-5.0, 5.0), uniform(0.0, 2 * math.pi)], 1)
    u0 = torch.stack([nlse.soliton(GRID.x, *map(float, p)) for p in parameters])
    exact = torch.stack([nlse.soliton(GRID.x, *map(float, p), t=20.0) for p in parameters])
    return u0, exact


def batched(count: int, seed_samples: int, rtol: float) -> None:
    print(f"\nPart 2: {count} random solitons in one batch (seed timed on {seed_samples} of them), our rtol {rtol:g}")
    u0, exact = random_solitons(count)
    seed_seconds, seed_errors = 0.0, []
    for i in range(seed_samples):
        seconds, seed_u, _ = run_seed(u0[i])
        seed_seconds += seconds
        seed_errors.append(float((seed_u[-1] - exact[i]).abs().max()))
    seed_rate = seed_samples / seed_seconds
    seconds, solution = run_ours(u0, rtol=rtol, atol=rtol * 1e-2)
    errors = (solution.u[:, -1] - exact).abs().amax(-1)
    rate = count / seconds
    steps = solution.stats.accepted_steps
    print(f"seed: {seed_rate:.3f} trajectories/s, max error {max(seed_errors):.2e} over its {seed_samples}")
    print(f"ours: {rate:.3f} trajectories/s ({seconds:.1f} s for {count}), max error {float(errors.max()):.2e}, "
          f"max error on the seed's {seed_samples}: {float(errors[:seed_samples].max()):.2e}, "
          f"steps per sample {int(steps.min())}..{int(steps.max())}")
    print(f"throughput ratio ours/seed: {rate / seed_rate:.1f}x")
    window = torch.linspace(0.0, 2.0, 11, dtype=torch.float64)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
        nlse.solve(u0, GRID, window, method="if_dop853", rtol=rtol, atol=rtol * 1e-2)
    events = profile.key_averages()
    total = sum(event.self_cpu_time_total for event in events)
    fft = sum(event.self_cpu_time_total for event in events if "fft" in event.key)
    print(f"fraction of the batched run in FFTs: {fft / total:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="32 solitons instead of 256")
    parser.add_argument("--batch-rtol", type=float, default=5e-9, help="our tolerance in part 2")
    parser.add_argument("--part", type=int, choices=(1, 2), help="run only part 1 or part 2")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, numpy {np.__version__}\n")
    if args.part != 2:
        seed_cases()
    if args.part != 1:
        batched(32 if args.quick else 256, 4, args.batch_rtol)


if __name__ == "__main__":
    main()
