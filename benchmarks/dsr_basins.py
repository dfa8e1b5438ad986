"""Multistability of a run's models: from how many starting states a free run ends on a fixed point.

The selection of ``benchmarks/dsr.py`` generates from the first training state only; a model with a chaotic
attractor beside a stable fixed point passes it when that state lies in the chaotic basin. Here every member
of a run (``benchmarks/dsr.py --out``) runs ``--steps`` steps freely from ``--starts`` evenly spaced states of
each given trajectory file (the run's stored standardisation applied) and is classified as the selection
does (:func:`sciml.train.selection.collapsed_runs`: its last tenth of states within 0.05 standard deviations
of their mean, a fixed point, or outside ten times the data's box, escaped).

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/dsr_basins.py RUN lorenz63_test.npy lorenz63_train.npy``.
Written 2026-12-03.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from sciml.data.user_trajectory import read_trajectory
from sciml.models import load_checkpoint
from sciml.train.selection import collapsed_runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("trajectories", type=Path, nargs="+")
    parser.add_argument("--starts", type=int, default=100)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    ensemble, extra = load_checkpoint(args.run)
    mean, std = (torch.tensor(extra["metadata"][key]) for key in ("mean", "std"))
    for path in args.trajectories:
        data = ((torch.as_tensor(read_trajectory(path)) - mean) / std).float()
        starts = data[torch.linspace(0, data.shape[0] - 1, args.starts).long()]
        collapsed = collapsed_runs(ensemble, starts, args.steps, data)  # (members, starts)
        for k in range(ensemble.members):
            print(f"{path.name}, member {k}: {int(collapsed[k].sum())} of {args.starts} free runs end on a fixed "
                  f"point or escape (the first state's: {'yes' if collapsed[k, 0] else 'no'})")


if __name__ == "__main__":
    main()
