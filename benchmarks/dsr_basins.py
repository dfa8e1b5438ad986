"""Multistability of a run's models: from how many starting states a free run ends on a fixed point.

The selection of ``benchmarks/dsr.py`` generates from the first training state only; a model with a chaotic
attractor beside a stable fixed point passes it when that state lies in the chaotic basin. Here every member
of a run (``benchmarks/dsr.py --out``) runs ``--steps`` steps freely from ``--starts`` evenly spaced states of
each given trajectory file (the run's stored standardisation applied); a run whose last ``--tail`` states
spread (norm of the per-dimension standard deviations) less than ``--spread`` counts as ending on a fixed point.

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/dsr_basins.py RUN lorenz63_test.npy lorenz63_train.npy``.
Written 2026-12-03.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from sciml.data.user_trajectory import read_trajectory
from sciml.models import load_checkpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("trajectories", type=Path, nargs="+")
    parser.add_argument("--starts", type=int, default=100)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--tail", type=int, default=2_000)
    parser.add_argument("--spread", type=float, default=0.05)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    ensemble, extra = load_checkpoint(args.run)
    mean, std = (torch.tensor(extra["metadata"][key]) for key in ("mean", "std"))
    for path in args.trajectories:
        data = ((torch.as_tensor(read_trajectory(path)) - mean) / std).float()
        starts = data[torch.linspace(0, data.shape[0] - 1, args.starts).long()]
        with torch.no_grad():
            observed = ensemble.generate(starts.expand(ensemble.members, -1, -1), args.steps)[:, :, -args.tail:]
        fixed = observed.std(2).norm(dim=-1) < args.spread  # (members, starts)
        for k in range(ensemble.members):
            print(f"{path.name}, member {k}: {int(fixed[k].sum())} of {args.starts} free runs end on a fixed point "
                  f"(the first state's: {'yes' if fixed[k, 0] else 'no'})")


if __name__ == "__main__":
    main()
