"""NLSE: our solver against the seed solver ``simple-idealized-1d-nlse`` (0.0.5), in one process.

Part 1, the seed's four cases (L = 50, n = 512, t = 20, 100 snapshots), one trajectory at a time.
The seed runs with its own settings (DOP853, rtol 1e-9, atol 1e-11, max_step 0.1, filter). Accuracy
of a run = its largest deviation over all snapshots from the truth: the exact soliton, or else our
converged solution (integrating-factor DOP853 at rtol 1e-10 with 2x padding; converged to ~1e-9).
For each of our methods (integrating-factor DOP853, the default, also at rtol 1e-8 as a user would
set it; ETDRK4; split-step of orders 4, 6 and 8) a ladder of tolerances or steps is walked from loose
to tight and the first run at least as accurate as the seed is timed (best of two); the table prints
wall time, speed-up, accuracy, energy drift, evaluations, and the tensor operations per evaluation
(every aten event of torch.profiler, nested ones included).

Part 2, batched: 256 random solitons (A in [1.5, 2], v in [-0.25, 0.25], x0 in [-5, 5], so every
soliton stays 15 away from the box edge and its tail there is below 1e-9); the seed is
timed on the first few of them (its cost per trajectory does not depend on the batch), ours on all
256 in one batch (IF-DOP853 with per-sample steps, and the 6th-order split-step); trajectories per
second of each, and the fraction of each batched run spent in FFTs (torch profiler, first 2 time units).

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
INTERVAL = 20.0 / 99  # between the seed's snapshots: fixed steps are this over an integer
LADDERS = {
    "if_dop853": [dict(rtol=r, atol=r * 1e-2) for r in (1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 3e-7, 1e-7, 3e-8, 1e-8, 3e-9, 1e-9)],
    "if_dop853 @1e-8": [dict(rtol=1e-8, atol=1e-10)],
    "etdrk4": [dict(dt=INTERVAL / k) for k in (4, 5, 8, 10, 16, 20, 25, 40, 50)],
    "split_step4": [dict(dt=INTERVAL / k) for k in (4, 8, 10, 16, 20, 40, 50, 80)],
    "split_step6": [dict(dt=INTERVAL / k) for k in range(1, 13)],
    "split_step8": [dict(dt=INTERVAL / k) for k in range(1, 11)],
}


def operations_per_evaluation(u0: torch.Tensor, method: str, **options) -> float:
    """Every aten event torch.profiler records over a solve, per evaluation (deterministic)."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
        solution = nlse.solve(u0, GRID, TIMES[:11], method=method, **options)
    return sum(1 for e in profile.events() if e.name.startswith("aten::")) / solution.stats.evaluations


def fft_share(run) -> float:
    """Fraction of the self time of ``run()`` spent in FFT kernels (torch profiler)."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
        run()
    events = profile.key_averages()
    total = sum(event.self_cpu_time_total for event in events)
    return sum(event.self_cpu_time_total for event in events if "fft" in event.key) / total


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
    print(f"{'case':23s} {'solver':16s} {'setting':12s} {'wall s':>7s} {'speed-up':>8s} {'error':>8s} "
          f"{'energy dE':>9s} {'mass dM':>8s} {'RHS evals':>9s} {'ops/eval':>8s}")
    for name, make in nlse.SEED_CASES.items():
        u0 = make(GRID.x)
        if name == "single_soliton":
            truth = torch.stack([nlse.soliton(GRID.x, 2.0, 1.0, -10.0, t=float(t)) for t in TIMES])
        else:
            truth = run_ours(u0, rtol=1e-10, atol=1e-12)[1].u
        seed_seconds, seed_u, seed_evaluations = run_seed(u0)
        seed_error = float((seed_u - truth).abs().max())
        print(f"{name:23s} {'seed':16s} {'rtol=1e-09':12s} {seed_seconds:7.2f} {1.0:8.2f} {seed_error:8.1e} "
              f"{drift(seed_u, 'energy'):9.1e} {drift(seed_u, 'mass'):8.1e} {seed_evaluations:9d}")
        for label, ladder in LADDERS.items():
            method = label.split()[0]
            for options in ladder:
                seconds, solution = run_ours(u0, method, **options)
                error = float((solution.u - truth).abs().max())
                if error <= seed_error or len(ladder) == 1:
                    break
            else:
                print(f"{'':23s} {label:16s} {'none':12s} (no setting of the ladder reached the seed's accuracy)")
                continue
            seconds = min(seconds, run_ours(u0, method, **options)[0])
            note = "" if error <= seed_error else "  (less accurate than the seed)"
            print(f"{'':23s} {label:16s} {_setting(options):12s} {seconds:7.2f} {seed_seconds / seconds:8.2f} "
                  f"{error:8.1e} {drift(solution.u, 'energy'):9.1e} {drift(solution.u, 'mass'):8.1e} "
                  f"{solution.stats.evaluations:9d} {operations_per_evaluation(u0, method, **options):8.1f}{note}")


def random_solitons(count: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    uniform = lambda low, high: low + (high - low) * torch.rand(count, generator=generator, dtype=torch.float64)  # noqa: E731
    parameters = torch.stack([uniform(1.5, 2.0), uniform(-0.25, 0.25), uniform(-5.0, 5.0), uniform(0.0, 2 * math.pi)], 1)
    u0 = torch.stack([nlse.soliton(GRID.x, *map(float, p)) for p in parameters])
    exact = torch.stack([nlse.soliton(GRID.x, *map(float, p), t=20.0) for p in parameters])
    return u0, exact


def batched(count: int, seed_samples: int, rtol: float, dt: float) -> None:
    print(f"\nPart 2: {count} random solitons in one batch (seed timed on {seed_samples} of them), our rtol {rtol:g}")
    u0, exact = random_solitons(count)
    seed_seconds, seed_errors = 0.0, []
    for i in range(seed_samples):
        seconds, seed_u, _ = run_seed(u0[i])
        seed_seconds += seconds
        seed_errors.append(float((seed_u[-1] - exact[i]).abs().max()))
    seed_rate = seed_samples / seed_seconds
    print(f"seed: {seed_rate:.3f} trajectories/s, max error {max(seed_errors):.2e} over its {seed_samples}")
    window = torch.linspace(0.0, 2.0, 11, dtype=torch.float64)
    for method, options in (("if_dop853", dict(rtol=rtol, atol=rtol * 1e-2)), ("split_step6", dict(dt=dt))):
        seconds, solution = run_ours(u0, method, **options)
        errors = (solution.u[:, -1] - exact).abs().amax(-1)
        rate = count / seconds
        steps = solution.stats.accepted_steps
        share = fft_share(lambda: nlse.solve(u0, GRID, window, method=method, **options))
        print(f"ours {method} {_setting(options)}: {rate:.3f} trajectories/s ({seconds:.1f} s for {count}), "
              f"max error {float(errors.max()):.2e}, on the seed's {seed_samples}: {float(errors[:seed_samples].max()):.2e}, "
              f"steps per sample {int(steps.min())}..{int(steps.max())}, "
              f"{operations_per_evaluation(u0[:4], method, **options):.1f} ops/eval")
        print(f"  throughput ratio ours/seed: {rate / seed_rate:.1f}x; FFT share of the run: {share:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="32 solitons instead of 256")
    parser.add_argument("--batch-rtol", type=float, default=5e-9, help="IF-DOP853's tolerance in part 2")
    parser.add_argument("--batch-dt", type=float, default=INTERVAL / 10, help="the 6th-order split-step's step in part 2")
    parser.add_argument("--part", type=int, choices=(1, 2), help="run only part 1 or part 2")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, numpy {np.__version__}\n")
    if args.part != 2:
        seed_cases()
    if args.part != 1:
        batched(32 if args.quick else 256, 4, args.batch_rtol, args.batch_dt)


if __name__ == "__main__":
    main()
