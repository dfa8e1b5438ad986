"""Dynamical-systems reconstruction of Lorenz-63 with our AL-RNN (M = 20, P = 2) and generalized teacher forcing.

Data from our ``lorenz63`` recipe with the reference conventions: step 0.01, 100,000 steps (``time.end``
1000, 100,001 snapshots), two samples: sample 0 with 5% Gaussian observation noise trains, sample 1
(another initial state, clean) tests; both standardised with the training statistics. Training:
``train_teacher_forcing`` (adaptive alpha, batch 16, sequence 200, noise 0.05, RAdam 1e-3 -> 1e-5)
for ``--epochs`` epochs of 50 batches. Evaluation, both protocols of issue 7: (a) 11,000 steps generated
from the first test state, 1,000 dropped; D_stsp (30 bins a dimension, smoothing 1e-5) against the whole
test trajectory, D_H (sigma 20) against its first 10,000 steps; (b) 99,500 generated steps against the
99,500-step test trajectory (first 500 dropped from both). PE(20): mean squared error 20 steps after
1,000 evenly spaced test states. lambda_max: the model map's exponent / 0.01 against the solver's (RK4
tangent of the Lorenz field). Also the number of linear subregions the generated orbit visits and the
seconds per epoch (reference Python code: 3.0 s on this machine).

Run: ``PYTHONPATH=. python benchmarks/dsr.py --epochs 350`` (about 15 minutes on one core); the trained
model is saved beside the data (``alrnn.pt``). Written 2026-11-23.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from sciml.data import generate, load, open_checked
from sciml.evaluate.dsr import hellinger_spectrum, max_lyapunov_flow, max_lyapunov_map, state_space_divergence
from sciml.evaluate.reconstruction import prediction_error
from sciml.models import ALRNN, save
from sciml.train.teacher_forcing import TeacherForcingConfig, train_teacher_forcing
from solvers.systems import Lorenz63

DT = 0.01


def data(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        generate(load("lorenz63", {"samples": "2", "time.end": "1000.0", "time.snapshots": "100001"}), path,
                 progress=False)
    with open_checked(path) as handle:
        train, test = torch.as_tensor(handle["observed"][0]), torch.as_tensor(handle["u"][1])
    mean, std = train.mean(0), train.std(0)
    return ((train - mean) / std).float(), ((test - mean) / std).float()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/dsr/lorenz63.h5"))
    parser.add_argument("--epochs", type=int, default=350)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train, test = data(args.data)
    torch.manual_seed(0)
    model = ALRNN(3, 20, 2)
    config = TeacherForcingConfig(epochs=args.epochs)
    history = train_teacher_forcing(model, train, config, progress=False)
    save(model, args.data.with_name("alrnn.pt"), history=vars(history))
    seconds = sum(history.seconds)
    with torch.no_grad():
        short = model.generate(test[:1], 10_999)[0, 1000:]  # 11,000 states, the first 1,000 dropped
        orbit = model.run(model.initial_state(test[:1]), 100_000)[0, 500:]
        long = model.observe(orbit)
        model_lyapunov = max_lyapunov_map(model.step, model.jacobian, orbit[-1].clone(), 20_000) / DT
    true_lyapunov = max_lyapunov_flow(Lorenz63(), torch.tensor([1.0, 1.0, 1.0]), dt=0.01, steps=50_000)
    regions = model.subregions(orbit).unique().numel()
    print(f"AL-RNN M 20, P 2, {args.epochs} epochs: {seconds:.0f} s, {seconds / args.epochs:.2f} s an epoch "
          f"(reference 3.0 s); final alpha {history.alpha[-1]:.3f}, loss {history.loss[-1]:.4f}\n")
    print("| protocol | D_stsp | D_H |")
    print("|---|---|---|")
    print(f"| (a) 10,000 generated | {state_space_divergence(test, short):.2f} | "
          f"{hellinger_spectrum(test[:10_000], short):.3f} |")
    print(f"| (b) 99,500 vs 99,500 | {state_space_divergence(test[500:], long):.2f} | "
          f"{hellinger_spectrum(test[500:], long):.3f} |")
    print(f"\nPE(20) {prediction_error(model, test):.4f}; lambda_max model {model_lyapunov:.3f}, "
          f"solver {true_lyapunov:.3f}; linear subregions visited {regions} of {2 ** model.piecewise}")


if __name__ == "__main__":
    main()
