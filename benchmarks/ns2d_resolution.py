"""How fine a grid and how small a step the 2D recipes need: solve the same samples at several solver
resolutions (``grid.solve_n``) and steps (``solver.dt``) and compare on the stored grid.

Every run goes through the recipe's own pipeline (:func:`sciml.data.simulate.simulate`): the same initial
fields (drawn on the stored grid's modes, so identical at every resolution), the stored points taken
from each solver grid. Printed per setting: the relative L2 difference to the reference (the finest
grid with the smallest step) at a few stored times, the largest over all times, the fraction of the
enstrophy of the last snapshot in the outer third of the stored grid's modes, and the solve time.

Run: ``PYTHONPATH=. python benchmarks/ns2d_resolution.py --recipe ns2d --resolutions 64 128 256
--dts 1e-2 5e-3 --samples 2`` (about 25 minutes on one loaded core, most of it at 256).
"""

from __future__ import annotations

import argparse
import time

import torch

from sciml.data import load
from sciml.data.simulate import simulate


def _relative(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Relative L2 difference per sample and time, ``(batch, T)``; ``a``, ``b``: ``(batch, T, n, n)``."""
    return torch.linalg.vector_norm(a - b, dim=(-2, -1)) / torch.linalg.vector_norm(b, dim=(-2, -1))


def _outer_fraction(w: torch.Tensor) -> float:
    """The largest fraction of enstrophy in the modes with ``|m_i| >= n/3`` on some axis, ``w (batch, n, n)``."""
    c = torch.fft.fft2(w)
    n = w.shape[-1]
    m = torch.fft.fftfreq(n, 1 / n).abs()
    outer = (m[:, None] >= n / 3) | (m[None, :] >= n / 3)
    power = c.abs() ** 2
    return float(((power * outer).sum((-2, -1)) / power.sum((-2, -1))).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipe", default="ns2d")
    parser.add_argument("--resolutions", type=int, nargs="+", default=[64, 128, 256])
    parser.add_argument("--dts", type=float, nargs="+", default=[1e-2, 5e-3])
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], help="section.key=value recipe overrides")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    overrides = dict(item.split("=", 1) for item in args.set)
    settings = [(n, args.dts[0]) for n in args.resolutions] + [(args.resolutions[-1], dt) for dt in args.dts[1:]]
    results = {}
    for n, dt in settings:
        recipe = load(args.recipe, {**overrides, "grid.solve_n": str(n), "solver.dt": repr(dt)})
        start = time.perf_counter()
        results[n, dt] = simulate(recipe, list(range(args.samples))).u
        elapsed = time.perf_counter() - start
        print(f"solved solve_n={n} dt={dt:g}: {elapsed:.1f} s", flush=True)
        results[n, dt, "time"] = elapsed
    times = recipe.times
    reference = results[args.resolutions[-1], args.dts[-1]]
    shown = sorted({0, 1, len(times) // 5, len(times) // 2, len(times) - 1})
    print(f"\nrecipe {args.recipe} {overrides}, {args.samples} samples, stored {reference.shape[-1]}^2; "
          f"reference solve_n={args.resolutions[-1]} dt={args.dts[-1]:g}")
    print("| solve_n | dt | " + " | ".join(f"t = {float(times[i]):g}" for i in shown)
          + " | max over t | outer-third enstrophy (last) | solve s |")
    print("|---" * (len(shown) + 5) + "|")
    for n, dt in settings:
        error = _relative(results[n, dt], reference).amax(0)
        print(f"| {n} | {dt:g} | " + " | ".join(f"{float(error[i]):.1e}" for i in shown)
              + f" | {float(error.max()):.1e} | {_outer_fraction(results[n, dt][:, -1]):.1e} | "
              f"{results[n, dt, 'time']:.0f} |")


if __name__ == "__main__":
    main()
