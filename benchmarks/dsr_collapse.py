"""What a collapsed AL-RNN on Lorenz-63 collapses to (issue 18, item 1).

Trains one ALRNN(3, 20, 2) (seed ``--seed``) with the default ``TeacherForcingConfig`` on the training
trajectory of ``benchmarks/dsr.py`` (the learning rate decaying over ``--schedule`` 400 epochs, as in the
screening runs of benchmarks/RESULTS.md) and, at each epoch of ``--at`` (40 100), prints: where the free run
of 20,000 steps from the first training state ends, how many of 64 free runs from random training states
leave the box |x| < 3 within 5,000 steps, the hidden units' size in forced training windows and in the long
run, every fixed point (``model.fixed_points()``) with the largest modulus of its Jacobian's eigenvalues
(> 1: unstable), and lambda_max (per unit time) along the long run. The true system's wing fixed points
C+- are unstable foci (eigenvalues 0.094 +- 10.2i: modulus exp(0.094 * 0.01) = 1.0009 a step of 0.01).
Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/dsr_collapse.py`` (about 3 minutes on one core).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from dsr import DT, data  # noqa: E402

from sciml.evaluate.dsr import max_lyapunov_map  # noqa: E402
from sciml.models import ALRNN  # noqa: E402
from sciml.train.teacher_forcing import TeacherForcingConfig, train_teacher_forcing  # noqa: E402


def report(model: ALRNN, train: torch.Tensor, epoch: int) -> None:
    generator = torch.Generator().manual_seed(5)
    with torch.no_grad():
        orbit = model.run(model.initial_state(train[:1]), 20_000)[0]  # (steps + 1, M)
        starts = torch.randint(0, 90_000, (64,), generator=generator)
        _, forced = model.teacher_forced(train[starts[:, None] + torch.arange(200)], 1.0, 16)
        runs = model.run(model.initial_state(train[starts]), 5_000)[..., :3]  # (64, 5001, 3)
        left = (runs.abs() > 3).any(-1).any(-1)
    print(f"epoch {epoch}: the free run from the first training state ends at x = "
          f"{[round(v, 3) for v in orbit[-1, :3].tolist()]}; {int(left.sum())} of 64 free runs from training states "
          f"leave |x| < 3 within 5,000 steps")
    print(f"  hidden units: rms {forced[..., 3:].square().mean().sqrt():.2f} (max {forced[..., 3:].abs().max():.2f}) "
          f"in forced training windows, rms {orbit[1000:, 3:].square().mean().sqrt():.2f} in the long run")
    for point, eigenvalues in model.fixed_points():
        print(f"  fixed point x = {[round(v, 2) for v in point[:3].tolist()]}: largest |eigenvalue| "
              f"{eigenvalues.abs().max():.4f}")
    print(f"  lambda_max {max_lyapunov_map(model.step, model.jacobian, orbit[-1].clone(), 5000) / DT:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--schedule", type=int, default=400, help="epochs over which the learning rate decays")
    parser.add_argument("--at", type=int, nargs="+", default=[40, 100], help="epochs to examine")
    args = parser.parse_args()
    torch.set_num_threads(1)
    train, _, _ = data("lorenz63", Path("/tmp/dsr/lorenz63.h5"))
    torch.manual_seed(args.seed)
    model = ALRNN(3, 20, 2)

    def examine(epoch: int, history) -> bool:
        if epoch + 1 in args.at:
            report(model, train, epoch + 1)
        return epoch + 1 >= max(args.at)

    train_teacher_forcing(model, train, TeacherForcingConfig(epochs=args.schedule, seed=args.seed), progress=False,
                          callback=examine)


if __name__ == "__main__":
    main()
