"""FNO and MgNO as one-step surrogates of the NLSE: one-step and 10-step rollout error, mass drift.

Data from our recipes (``nlse-soliton``: n = 384, L = 50, 51 snapshots over t in [0, 5];
``nlse-breather``: n = 128, L = 20, 101 snapshots over t in [-5, 5]), ``--train`` training samples and
``--test`` held-out samples drawn with another seed; the field enters as two real channels (Re, Im).
Each model learns u(t) -> u(t + dt) (dt = 0.1) with our Trainer (AdamW 1e-3, cosine, batch 32,
relative L2) for ``--epochs`` epochs; ``FNO pushforward`` and ``FNO BPTT`` are the same FNO trained on
4-step rollouts, with the pushforward trick (``Rollout(4, pushforward=True)``) or through time.

Measured on the held-out samples:
- one-step relative L2 over every (sample, time) pair, the model fed the true state;
- 10-step relative L2: rollouts of 10 steps started from every 5th true state, error at the 10th step;
- the mass int |u|^2 along those rollouts: max |M(t) - M(t0)| / M(t0), against the solver's (data).

Run: ``PYTHONPATH=. python benchmarks/nlse_operators.py`` (about 15 minutes on 2 cores with the
defaults; ``--threads 1`` to leave a core free). Written 2026-11-22.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from sciml.data import OperatorPairs, Windows, generate, load, open_checked
from sciml.evaluate import relative_error
from sciml.models import FNO, MgNO
from sciml.train import RelativeLp, Rollout, TrainConfig, Trainer

MODELS = {
    "FNO": lambda: FNO(2, 2, modes=32, width=32, layers=4, projection=64),
    "MgNO": lambda: MgNO(2, 2, width=24, layers=4, levels=4),
    "FNO pushforward": lambda: FNO(2, 2, modes=32, width=32, layers=4, projection=64),
    "FNO BPTT": lambda: FNO(2, 2, modes=32, width=32, layers=4, projection=64),
}
ROLLOUTS = {"FNO pushforward": Rollout(4, pushforward=True), "FNO BPTT": Rollout(4)}
HORIZON, STRIDE = 10, 5


def data_files(name: str, train: int, test: int, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / f"{name}-train-{train}.h5", folder / f"{name}-test-{test}.h5"
    recipe = load(name)
    for path, samples, seed in ((paths[0], train, recipe.seed), (paths[1], test, recipe.seed + 1000)):
        if not path.is_file():
            generate(load(name, {"samples": str(samples), "seed": str(seed)}), path, progress=False)
    return paths


def channels(u: torch.Tensor) -> torch.Tensor:
    """complex ``(..., n)`` -> ``(..., 2, n)`` float32."""
    return torch.stack([u.real, u.imag], dim=-2).float()


def evaluate(model: torch.nn.Module, path: Path) -> dict[str, float]:
    with open_checked(path) as handle:
        truth = torch.as_tensor(handle["u"][:])  # (samples, T, n) complex128
        length = float(handle.attrs["L"])
    x = channels(truth)
    model.eval()
    with torch.no_grad():
        one_step = relative_error(model(x[:, :-1].flatten(0, 1)).unflatten(0, x[:, :-1].shape[:2]), x[:, 1:], start=2)
        starts = range(0, truth.shape[1] - HORIZON, STRIDE)
        state = torch.cat([x[:, s] for s in starts])  # (starts * samples, 2, n)
        path_states = [state]
        for _ in range(HORIZON):
            path_states.append(model(path_states[-1]))
    rolled = torch.stack(path_states, dim=1)  # (starts * samples, HORIZON + 1, 2, n)
    reference = torch.cat([truth[:, s : s + HORIZON + 1] for s in starts])  # complex128
    mass = rolled.double().square().sum((2, 3)) * length / truth.shape[-1]
    true_mass = reference.abs().square().sum(2) * length / truth.shape[-1]
    return {
        "one_step": float(one_step.mean()),
        "ten_step": float(relative_error(rolled[:, -1:], channels(reference[:, -1:]), start=2).mean()),
        "mass_drift": float(((mass - mass[:, :1]).abs() / mass[:, :1]).max()),
        "solver_mass_drift": float(((true_mass - true_mass[:, :1]).abs() / true_mass[:, :1]).max()),
    }


def train(name: str, path: Path, epochs: int) -> tuple[torch.nn.Module, float]:
    torch.manual_seed(0)
    model = MODELS[name]()
    rollout = ROLLOUTS.get(name)
    data = Windows(path, inputs=1, outputs=rollout.steps) if rollout else OperatorPairs(path)
    config = TrainConfig(epochs=epochs, batch_size=32, learning_rate=1e-3, warmup_steps=50, clip_norm=0.0)
    trainer = Trainer(model, RelativeLp(), config, forward=rollout)
    start = time.perf_counter()
    trainer.fit(data, progress=False)
    return model, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["nlse-soliton", "nlse-breather"])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS), metavar="MODEL",
                        help=f"any of {', '.join(MODELS)}")
    parser.add_argument("--train", type=int, default=200)
    parser.add_argument("--test", type=int, default=40)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path("/tmp/nlse_operators"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.epochs} epochs, "
          f"{args.train} train / {args.test} test samples\n")
    print("| data | model | parameters | train s | one-step rel. L2 | 10-step rel. L2 | mass drift (10 steps) model / solver |")
    print("|---|---|---|---|---|---|---|")
    for dataset in args.datasets:
        train_path, test_path = data_files(dataset, args.train, args.test, args.data)
        for name in args.models:
            model, seconds = train(name, train_path, args.epochs)
            result = evaluate(model, test_path)
            parameters = sum(p.numel() for p in model.parameters())
            print(f"| {dataset} | {name} | {parameters:,} | {seconds:.0f} | {result['one_step']:.2e} | "
                  f"{result['ten_step']:.2e} | {result['mass_drift']:.1e} / {result['solver_mass_drift']:.1e} |",
                  flush=True)


if __name__ == "__main__":
    main()
