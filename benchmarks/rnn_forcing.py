"""AL-RNN teacher-forcing step: the hand-written backward pass (``sciml.models.alrnn_forcing``) against the
generic autograd path it replaced, in one process, alternating.

One training step as ``train_teacher_forcing`` takes it (forward, mean squared error, backward, RAdam), for
one model and for ``K`` stacked seeds (:class:`RNNEnsemble`), at the settings of ``benchmarks/dsr.py``:
Lorenz-63 (ALRNN(3, 20, 2), batch 64 x 200 steps, forced every 16) and Rössler (ALRNN(3, 20, 1), 64 x 300,
every 8). Prints the median milliseconds of each after warm-up and their ratio, and the largest difference of the
weights after the same steps (float32). Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/rnn_forcing.py``.
Written 2026-12-03.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from sciml.models import ALRNN, RNNEnsemble
from sciml.models.rnn import _PiecewiseLinearRNN

SETTINGS = {"lorenz63": dict(piecewise=2, sequence=200, interval=16),
            "rossler": dict(piecewise=1, sequence=300, interval=8)}


class Generic(torch.nn.Module):
    """``model`` with its teacher forcing through the generic autograd path of every PWL RNN."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, alpha: torch.Tensor, interval: int):
        if isinstance(self.model, RNNEnsemble):
            original = ALRNN.teacher_forced
            ALRNN.teacher_forced = _PiecewiseLinearRNN.teacher_forced
            try:
                return self.model.teacher_forced(x, alpha, interval)
            finally:
                ALRNN.teacher_forced = original
        return _PiecewiseLinearRNN.teacher_forced(self.model, x, alpha, interval)


def build(members: int, piecewise: int) -> torch.nn.Module:
    models = []
    for k in range(members):
        torch.manual_seed(k)
        models.append(ALRNN(3, 20, piecewise))
    return models[0] if members == 1 else RNNEnsemble.stack(models)


def step_closure(model, call, x, alpha, interval):
    optimizer = torch.optim.RAdam(model.parameters(), lr=1e-3)

    def step():
        predictions, _ = call(x, alpha, interval)
        loss = (predictions - x[..., 1:, :]).square().mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), load average {os.getloadavg()[0]:.2f}")
    print("\n| system | models | generic autograd ms | hand-written backward ms | generic / hand-written | "
          "largest weight difference after the steps |")
    print("|---|---|---|---|---|---|")
    for system, setting in SETTINGS.items():
        for members in args.members:
            shape = (64, setting["sequence"], 3) if members == 1 else (members, 64, setting["sequence"], 3)
            x = torch.randn(*shape)
            alpha = torch.tensor(1.0) if members == 1 else torch.ones(members, dtype=torch.float64)
            fused, generic = build(members, setting["piecewise"]), build(members, setting["piecewise"])
            calls = {"generic": step_closure(generic, Generic(generic), x, alpha, setting["interval"]),
                     "fused": step_closure(fused, fused.teacher_forced, x, alpha, setting["interval"])}
            times = {name: [] for name in calls}
            for repeat in range(args.repeats + 3):
                for name, step in calls.items():
                    start = time.perf_counter()
                    step()
                    if repeat >= 3:
                        times[name].append(time.perf_counter() - start)
            difference = max(float((a - b).detach().abs().max()) for a, b in zip(fused.parameters(), generic.parameters(), strict=True))
            a, b = (statistics.median(times[name]) * 1e3 for name in ("generic", "fused"))
            print(f"| {system} | {members} | {a:.1f} | {b:.1f} | {a / b:.2f} | {difference:.1e} |", flush=True)
    print(f"\nmedian of {args.repeats} after 3, alternating; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
