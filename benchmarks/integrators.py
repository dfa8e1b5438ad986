"""Lorenz-63 batch: our adaptive integrators against torchdiffeq, torchode and scipy, in one process.

1024 random initial states (float64, seed 0, x and y uniform in [-15, 15], z in [5, 40]) are
integrated from t = 0 to t = 20 at rtol = atol = 1e-8 with outputs at t = 5 and t = 20:

- ours, ``dop853`` and ``dopri5``: one batch, one step size per trajectory;
- torchdiffeq 0.2.5, ``dopri5`` and ``dopri8``: one batch, one step shared by the batch (its error
  norm is the RMS over the whole batch);
- torchode 1.0.1, ``Dopri5`` with an ``IntegralController``: one batch, one step size per trajectory,
  eager (with ``--compile`` also ``torch.compile`` of its ``solve``, compile time counted separately);
- scipy ``solve_ivp(method="DOP853")``: one trajectory at a time, timed on the first
  ``--scipy-samples`` trajectories.

Error = max-norm deviation at t = 5 from a reference (our dop853 at rtol = atol = 1e-13, checked
against scipy DOP853 at 1e-13 on the first 4 trajectories and the 4 where our dop853 errs most).
Ours lands on t = 5; the peers step past it and interpolate (dense output). Errors at t = 20 are not
reported: the flow is chaotic (largest Lyapunov exponent ~0.9), so a 1e-8 error grows by ~e^18 by
t = 20 and any two solvers disagree at O(1) there. Each solver runs once after a short warm-up.

Run: ``PYTHONPATH=. python benchmarks/integrators.py`` (``--compile`` adds compiled torchode). Written
against torch 2.13.0, torchdiffeq 0.2.5, torchode 1.0.1, scipy 1.17.1. On a 2-core machine with
another busy process, torch's 2-thread small matrix products slow the torch solvers many-fold:
``--threads 1`` avoids that; on an idle machine it made no measurable difference.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy
import torch
import torchdiffeq
import torchode
from scipy.integrate import solve_ivp

from solvers.integrators import solve
from solvers.systems import Lorenz63

LORENZ = Lorenz63()
TIMES = torch.tensor([0.0, 5.0, 20.0], dtype=torch.float64)
TOLERANCE = 1e-8
REFERENCE_TOLERANCE = 1e-13
WARM_UP_TIMES = TIMES / 100


@dataclass(frozen=True)
class Result:
    """States at t = 5 of the trajectories run, mean steps per trajectory, right-hand-side calls."""

    y5: torch.Tensor
    steps: float | None
    rhs_calls: float


def initial_states(count: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    unit = torch.rand(count, 3, generator=generator, dtype=torch.float64)
    low = torch.tensor([-15.0, -15.0, 5.0], dtype=torch.float64)
    high = torch.tensor([15.0, 15.0, 40.0], dtype=torch.float64)
    return low + (high - low) * unit


def ours(method: str, y0: torch.Tensor, times: torch.Tensor, tolerance: float = TOLERANCE) -> Result:
    solution = solve(LORENZ, y0, times, method=method, rtol=tolerance, atol=tolerance)
    steps = solution.stats.accepted_steps + solution.stats.rejected_steps
    return Result(solution.y[:, 1], float(steps.double().mean()), solution.stats.evaluations)


def torchdiffeq_run(method: str, y0: torch.Tensor, times: torch.Tensor) -> Result:
    calls = 0

    def counted_lorenz(t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        nonlocal calls
        calls += 1
        return LORENZ(t, y)

    ys = torchdiffeq.odeint(counted_lorenz, y0, times, rtol=TOLERANCE, atol=TOLERANCE, method=method)
    return Result(ys[1], None, calls)


def torchode_solver() -> torchode.AutoDiffAdjoint:
    term = torchode.ODETerm(LORENZ)
    controller = torchode.IntegralController(atol=TOLERANCE, rtol=TOLERANCE, term=term)
    return torchode.AutoDiffAdjoint(torchode.Dopri5(term=term), controller)


def torchode_run(solve_problem: Callable, y0: torch.Tensor, times: torch.Tensor) -> Result:
    problem = torchode.InitialValueProblem(y0=y0, t_eval=times.expand(len(y0), -1))
    solution = solve_problem(problem)
    if not (solution.status == torchode.Status.SUCCESS.value).all():
        raise RuntimeError("torchode did not finish every trajectory")
    steps = float(solution.stats["n_steps"].double().mean())
    return Result(solution.ys[:, 1], steps, int(solution.stats["n_f_evals"].max()))


def lorenz_numpy(t: float, state: np.ndarray) -> np.ndarray:
    x, y, z = state
    return np.array([LORENZ.sigma * (y - x), x * (LORENZ.rho - z) - y, x * y - LORENZ.beta * z])


def scipy_run(y0: torch.Tensor, times: torch.Tensor, tolerance: float = TOLERANCE) -> Result:
    """DOP853 one trajectory at a time; ``steps`` is ``None``, ``rhs_calls`` the mean per trajectory."""
    states, calls = [], []
    for start in y0.numpy():
        solution = solve_ivp(lorenz_numpy, (float(times[0]), float(times[-1])), start, method="DOP853",
                             t_eval=times[1:].numpy(), rtol=tolerance, atol=tolerance)
        states.append(solution.y[:, 0])
        calls.append(solution.nfev)
    return Result(torch.tensor(np.array(states)), None, float(np.mean(calls)))


def timed(run: Callable[[], Result]) -> tuple[float, Result]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def check_reference(y0: torch.Tensor, reference: torch.Tensor, samples: torch.Tensor) -> None:
    check = scipy_run(y0[samples], TIMES[:2], REFERENCE_TOLERANCE).y5
    gap = float((check - reference[samples]).abs().max())
    print(f"reference at t = 5: our dop853 at rtol = atol = {REFERENCE_TOLERANCE:g}; max deviation from scipy DOP853 "
          f"at {REFERENCE_TOLERANCE:g} on trajectories {samples.tolist()} (the first 4 and the 4 where our dop853 "
          f"errs most): {gap:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024, help="number of trajectories")
    parser.add_argument("--scipy-samples", type=int, default=32, help="trajectories scipy is timed on")
    parser.add_argument("--compile", action="store_true", help="also torch.compile torchode's solve")
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__} ({torch.get_num_threads()} threads), torchdiffeq {torchdiffeq.__version__}, "
          f"torchode {torchode.__version__}, scipy {scipy.__version__}, numpy {np.__version__}")
    print(f"Lorenz-63, {args.batch} trajectories to t = 20, rtol = atol = {TOLERANCE:g}, float64\n")
    y0 = initial_states(args.batch)
    reference = ours("dop853", y0, TIMES[:2], REFERENCE_TOLERANCE).y5

    eager_torchode = torchode_solver().solve
    solvers: dict[str, Callable[[torch.Tensor, torch.Tensor], Result]] = {
        "ours dop853": lambda y, t: ours("dop853", y, t),
        "ours dopri5": lambda y, t: ours("dopri5", y, t),
        "torchdiffeq dopri5": lambda y, t: torchdiffeq_run("dopri5", y, t),
        "torchdiffeq dopri8": lambda y, t: torchdiffeq_run("dopri8", y, t),
        "torchode dopri5": lambda y, t: torchode_run(eager_torchode, y, t),
    }
    timings = {}
    for name, run in solvers.items():
        run(y0[:8], WARM_UP_TIMES)
        timings[name] = timed(lambda: run(y0, TIMES))
    if args.compile:
        compiled_torchode = torch.compile(torchode_solver().solve)
        first_call, _ = timed(lambda: torchode_run(compiled_torchode, y0, TIMES))
        timings["torchode dopri5 compiled"] = timed(lambda: torchode_run(compiled_torchode, y0, TIMES))
        compile_seconds = first_call - timings["torchode dopri5 compiled"][0]
    timings["scipy DOP853"] = timed(lambda: scipy_run(y0[:args.scipy_samples], TIMES))

    dop853_errors = (timings["ours dop853"][1].y5 - reference).abs().amax(-1)
    check_reference(y0, reference, torch.cat([torch.arange(4), dop853_errors.argsort(descending=True)[:4]]))

    ours_rate = args.batch / timings["ours dop853"][0]
    print(f"\n{'solver':25s} {'trajs':>5s} {'wall s':>7s} {'traj/s':>8s} {'dop853 x':>8s} "
          f"{'med err t=5':>11s} {'max err t=5':>11s} {'steps/traj':>10s} {'RHS calls':>9s}")
    for name, (seconds, result) in timings.items():
        count = len(result.y5)
        errors = (result.y5 - reference[:count]).abs().amax(-1)
        steps = "n/a" if result.steps is None else f"{result.steps:.0f}"
        print(f"{name:25s} {count:5d} {seconds:7.2f} {count / seconds:8.1f} {ours_rate * seconds / count:8.2f} "
              f"{float(errors.median()):11.1e} {float(errors.max()):11.1e} {steps:>10s} {result.rhs_calls:9.0f}")
    if args.compile:
        print(f"\ntorchode compiled: compile time {compile_seconds:.1f} s (first call {first_call:.1f} s, compile "
              f"included; the row above is the second call)")
    print("\ndop853 x = our dop853's trajectories per second / the solver's. steps/traj = accepted + rejected "
          "steps, mean over trajectories. RHS calls: batched calls for batched solvers, mean per trajectory "
          "for scipy. scipy's errors are over its subset. Errors at t = 20 are not shown: chaos amplifies a "
          "1e-8 error to O(1) by then.")


if __name__ == "__main__":
    main()
