"""The mass-conserving output against the unconstrained operator, on the 1D and the 2D NLSE.

Data from our recipes: ``nlse-soliton`` (128 points, t in [0, 2], 21 snapshots, as the demo) and
``nlse2d`` (64 x 64, t in [0, 2], 21 snapshots), ``--train`` samples and ``--test`` held-out samples
from another seed; the field enters as (Re, Im) channels. Two FNOs of identical architecture, seed
and batches learn u(t) -> u(t + 0.1) with our Trainer (AdamW 3e-3, cosine, batch 32, relative L2) for
``--epochs`` epochs; one of them inside ``MassConserving`` (its prediction rescaled to its input's
discrete mass). Measured on the held-out samples: one-step relative L2 (the model fed the true
state), relative L2 of the 20-step rollout at its last step, and the largest relative change of the
mass ``int |u|^2`` along the rollouts (the solver's data: its own drift).

Run: ``PYTHONPATH=. python benchmarks/mass_conserving.py`` (minutes on 2 cores, after the data).
Written 2026-12-03.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import torch

from sciml.data import OperatorPairs, generate, load, open_checked
from sciml.data.channels import to_channels
from sciml.evaluate import relative_error, rollout
from sciml.models import FNO, MassConserving, discrete_mass
from sciml.train import RelativeLp, TrainConfig, Trainer, seed_everything

CASES = {"1D nlse-soliton": ("nlse-soliton", {"time.end": "2.0", "time.snapshots": "21", "grid.n": "128"}, (32,)),
         "2D nlse2d": ("nlse2d", {}, (16, 9))}


def data(folder: Path, recipe: str, overrides: dict, train: int, test: int) -> tuple[Path, Path]:
    paths = folder / f"{recipe}-train.h5", folder / f"{recipe}-test.h5"
    for path, samples, seed in ((paths[0], train, None), (paths[1], test, "1000")):
        if not path.exists():
            values = {"samples": str(samples), **overrides, **({"seed": seed} if seed else {})}
            generate(load(recipe, values), path, progress=False)
    return paths


def evaluate(model: torch.nn.Module, path: Path) -> dict[str, float]:
    with open_checked(path) as handle:
        u = torch.as_tensor(handle["u"][:])
    spatial = u.ndim - 2
    channels = to_channels(u, -1 - spatial).float()  # (samples, T, 2, *space)
    model.eval()
    with torch.no_grad():
        one_step = relative_error(model(channels[:, :-1].flatten(0, 1)), channels[:, 1:].flatten(0, 1)).mean()
        states = rollout(model, channels[:, :1], channels.shape[1] - 1)
    mass = discrete_mass(states.flatten(0, 1).double()).reshape(states.shape[:2])
    truth_mass = discrete_mass(channels.flatten(0, 1).double()).reshape(channels.shape[:2])
    drift = lambda m: float(((m - m[:, :1]).abs() / m[:, :1]).max())  # noqa: E731
    return {"one-step": float(one_step), "rollout": float(relative_error(states[:, -1], channels[:, -1]).mean()),
            "mass drift": drift(mass), "data mass drift": drift(truth_mass)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/mass-bench"))
    parser.add_argument("--train", type=int, default=96)
    parser.add_argument("--test", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", choices=tuple(CASES))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.folder.mkdir(parents=True, exist_ok=True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.2f}")
    print("\n| case | model | one-step rel. L2 | 20-step rel. L2 | max mass change (data) | train s |")
    print("|---|---|---|---|---|---|")
    for case, (recipe, overrides, modes) in CASES.items():
        if args.only and case != args.only:
            continue
        train, test = data(args.folder, recipe, overrides, args.train, args.test)
        for name in ("FNO", "MassConserving(FNO)"):
            seed_everything(0)
            config = dict(in_channels=2, out_channels=2, modes=list(modes), width=32, layers=4, projection=64)
            model = FNO(**config) if name == "FNO" else MassConserving("FNO", **config)
            start = time.perf_counter()
            Trainer(model, RelativeLp(), TrainConfig(epochs=args.epochs, batch_size=32, learning_rate=3e-3)).fit(
                OperatorPairs(train), progress=False)
            seconds = time.perf_counter() - start
            m = evaluate(model, test)
            print(f"| {case} | {name} | {m['one-step']:.2e} | {m['rollout']:.2e} | {m['mass drift']:.1e} "
                  f"({m['data mass drift']:.0e}) | {seconds:.0f} |", flush=True)
    print(f"\n{args.epochs} epochs, {args.train} training / {args.test} test samples; load average "
          f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
