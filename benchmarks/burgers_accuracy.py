"""Accuracy of FNO, TFNO and MG-TFNO on our ``burgers`` recipe (the FNO Burgers set-up) for a training budget.

Data: ``burgers`` (nu = 0.1, 1024 points, u(0) -> u(1)), samples 0-999 train, 1000-1199 test (the file
of ``benchmarks/operators_vs_neuralop.py``, generated if missing), float32, in memory. Models: FNO 1D,
4 layers, width 64, 16 modes; TFNO the same with factorized weights (``--tfno-factorization``, Tucker
by default) at ``--tfno-rank`` of the dense count (0.05: about 11x fewer parameters in all), initialised at
``--tfno-init-scale`` (default: the factorized default); MG-TFNO the TFNO on 2 patches with one coarser level.
Training: our Trainer, AdamW (lr 1e-3, weight decay 1e-4), 10 warm-up steps then cosine to zero over
``--epochs`` epochs, batch 32, relative L2, no clipping. Reported: parameters, training wall time,
and the test relative L2 after the last epoch (no selection on the test set).

Run: ``PYTHONPATH=. python benchmarks/burgers_accuracy.py --epochs 20`` (about 3 minutes a model
on one core). Written 2026-11-22.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from torch.utils.data import Dataset

from sciml.data import generate, load, open_checked
from sciml.models import FNO, MGTFNO, TFNO
from sciml.train import RelativeLp, TrainConfig, Trainer

SHAPE = dict(modes=16, width=64, layers=4, projection=128)


class Pairs(Dataset):
    def __init__(self, x: torch.Tensor, y: torch.Tensor):
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"x": self.x[i], "y": self.y[i]}


def data(path: Path) -> tuple[Pairs, Pairs]:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        generate(load("burgers", {"samples": "1200"}), path, progress=False)
    with open_checked(path) as handle:
        u = torch.from_numpy(handle["u"][:]).float()
    x, y = u[:, :1], u[:, -1:]
    return Pairs(x[:1000], y[:1000]), Pairs(x[1000:], y[1000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/opbench/burgers.h5"))
    parser.add_argument("--models", nargs="+", default=["FNO", "TFNO", "MGTFNO"])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--tfno-rank", type=float, default=0.05)
    parser.add_argument("--tfno-factorization", choices=("tucker", "cp", "tt"), default="tucker")
    parser.add_argument("--tfno-init-scale", type=float, help="initial rms of the factorized Fourier weights "
                        "(default: SpectralConv's, Glorot-like; 1/4096 is the dense FNO's scale at width 64)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    factorized = dict(factorization=args.tfno_factorization, rank=args.tfno_rank, init_scale=args.tfno_init_scale)
    builders = {
        "FNO": lambda: FNO(**SHAPE),
        "TFNO": lambda: TFNO(**SHAPE, **factorized),
        "MGTFNO": lambda: MGTFNO(**SHAPE, **factorized, patches=2, levels=1, overlap=0.25),
    }
    train, test = data(args.data)
    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.epochs} epochs, batch 32, lr 1e-3 cosine\n")
    print("| model | parameters | vs FNO | train s | test rel. L2 |")
    print("|---|---|---|---|---|")
    dense = sum(p.numel() for p in builders["FNO"]().parameters())
    for name in args.models:
        torch.manual_seed(0)
        model = builders[name]()
        parameters = sum(p.numel() for p in model.parameters())
        config = TrainConfig(epochs=args.epochs, batch_size=32, learning_rate=1e-3, warmup_steps=10, clip_norm=0.0)
        start = time.perf_counter()
        history = Trainer(model, RelativeLp(), config).fit(train, test, progress=False)
        print(f"| {name} | {parameters:,} | {dense / parameters:.1f}x fewer | {time.perf_counter() - start:.0f} | "
              f"{history.validation[-1]:.2e} |", flush=True)


if __name__ == "__main__":
    main()
