"""Where an operator's rollout grows: the gains of its Fourier weights mode by mode against the data's energy
there, and the modes of the rollout's error (issue 16: the TFNO's diverging ``ns2d`` rollout).

For each saved operator run (``ns2d_operators.py --save``): each Fourier layer's largest gain (the spectral
norm of its ``C_in x C_out`` weight at one mode) and where it sits, with the mean energy of the data's
snapshots at that mode as a fraction of their total (``rfft2``, the first ``--samples`` trajectories); then
the autoregressive rollout from the first snapshots (as many as the run takes in, its ``history``) of
``--samples`` held-out trajectories (the last ones of the file): its relative L2 error every 5 steps and the modes holding most of the error energy at the
first step whose error exceeds 10x the first step's.
Run: ``PYTHONPATH=. python benchmarks/operator_gains.py RUN [RUN ...] --data ns2d.h5``. Written 2026-12-03.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from sciml.data import open_checked
from sciml.evaluate import relative_error, rollout
from sciml.models import load_checkpoint
from sciml.models.spectral_conv import SpectralConv


def wavenumber(index: int, kept: int) -> int:
    """The signed wavenumber of position ``index`` on a first axis of ``kept`` retained modes."""
    return index if index < (kept + 1) // 2 else index - kept


def layer_gains(model: torch.nn.Module) -> list[tuple[float, tuple[int, int]]]:
    """``[(largest gain, (k_x, k_y)), ...]`` for each 2D Fourier layer of ``model``."""
    gains = []
    for layer in (m for m in model.modules() if isinstance(m, SpectralConv)):
        if len(layer.modes) != 2:
            raise SystemExit(f"operator_gains: 2D Fourier layers only, this one has modes {layer.modes}")
        norms = torch.linalg.matrix_norm(layer.dense_weight().detach().permute(2, 3, 0, 1), ord=2)
        flat = int(norms.argmax())
        kx, ky = divmod(flat, norms.shape[1])
        gains.append((float(norms.max()), (wavenumber(kx, norms.shape[0]), ky)))
    return gains


def error_modes(error: torch.Tensor, count: int = 4) -> list[tuple[tuple[int, int], float]]:
    """The ``count`` modes of ``error (samples, n, n)`` with the most energy and their shares of it."""
    energy = torch.fft.rfft2(error).abs().pow(2).mean(0)
    top = torch.topk(energy.flatten(), count)
    n, columns = energy.shape
    return [((wavenumber(int(i) // columns, n), int(i) % columns), float(v / energy.sum()))
            for i, v in zip(top.indices, top.values)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with open_checked(args.data) as handle:
        train = torch.from_numpy(handle["u"][:args.samples]).float()
        test = torch.from_numpy(handle["u"][-args.samples:]).float()
    energy = torch.fft.rfft2(train).abs().pow(2).mean((0, 1))
    share = energy / energy.sum()
    for run in args.runs:
        model, extra = load_checkpoint(run)
        history = extra.get("metadata", {}).get("history", 1)
        model.eval()
        print(f"\n{run}")
        for layer, (gain, (kx, ky)) in enumerate(layer_gains(model)):
            print(f"  Fourier layer {layer}: largest gain {gain:.1f} at ({kx}, {ky}), "
                  f"data energy there {float(share[kx, ky]):.1e} of the total")
        with torch.no_grad():
            predicted = rollout(model, test[:, :history, None], test.shape[1] - history, history)[:, history:, 0]
        truth = test[:, history:]
        error = relative_error(predicted, truth, start=2).mean(0)  # (steps,)
        print("  rollout error every 5 steps: " + " ".join(f"{e:.3g}" for e in error[::5].tolist()))
        grown = torch.nonzero(error > 10 * error[0])
        if len(grown):
            step = int(grown[0])
            modes = ", ".join(f"({kx}, {ky}) {s:.0%}" for (kx, ky), s in error_modes(predicted[:, step] - truth[:, step]))
            print(f"  step {step + 1}, the first with 10x the first step's error: error energy at {modes}")


if __name__ == "__main__":
    main()
