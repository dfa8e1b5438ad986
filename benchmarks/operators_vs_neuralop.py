"""FNO and TFNO: our models against neuraloperator (``neuralop`` 2.0.0), in one process, on CPU.

Data: the FNO Burgers set-up from our generator (nu = 0.1, 1024 points, 1200 samples), input
u(t=0) -> target u(t=1), float32, shape (batch, 1, 1024); the first 1000 samples train, the last 200
test. Generated once into ``--data`` (1 to 7 minutes, depending on the load) and reused.

Models, matched layer by layer: 1D, 4 Fourier layers of width 64 keeping the rfft modes 0..15, a
linear lifting from 2 channels (both models append the grid x in [0, 1) themselves, so both get the
same raw input), a 64x64 pointwise skip per layer, GELU between layers, projection 64 -> 128 -> 1.
neuralop: ``n_modes=(31,)`` (it counts frequencies of both signs and keeps 31 // 2 + 1 = 16),
``lifting_channel_ratio=0`` (one linear lifting layer), ``projection_channel_ratio=2``,
``use_channel_mlp=False``, ``fno_skip="linear"``, default grid embedding. Both dense models have the
same parameter count (real numbers; a complex parameter counts twice). Remaining differences: their
per-layer bias sits on the Fourier branch, ours on the skip; with ``use_channel_mlp=False`` their
block applies GELU twice between layers (gelu(gelu(h))). TFNO: theirs Tucker ``rank=0.1`` (tensorly-torch,
``implementation="factorized"``); our ``rank`` is chosen so that our parameter count is nearest theirs.

Measured, for each pair:
- time per training step (Adam lr 1e-3, batch 32, relative L2 loss): median over ``--repeats`` steps
  after ``--warmup`` steps on one fixed batch, ours and theirs alternating step by step (which of the
  two goes first alternates too);
- peak memory of a training step: ``torch.profiler`` with ``profile_memory=True`` over one step (after
  two, so the Adam state exists; gradients set to None); the running sum of the recorded CPU
  allocations and frees, its maximum = the most tensor memory the step holds on top of parameters and
  optimizer state (gradients included).
  (Cross-checked against peak RSS in a fresh process with ``MALLOC_MMAP_THRESHOLD_=65536``; plain
  RSS is not usable, glibc keeps freed blocks.)
- test relative L2 on the 200 test samples after ``--epochs`` epochs (same batches in the same order,
  Adam lr 1e-3, cosine schedule per step), both models trained in the same loop, step by step.
Goal: our step time <= 0.7x theirs. ``--profile`` instead prints torch.profiler tables (top operators by
self CPU time, 10 steps) of the FNO training step of both.

Run: ``PYTHONPATH=. python benchmarks/operators_vs_neuralop.py`` (about 3 minutes on 2 cores, after the data);
torch 2.13.0 CPU, neuraloperator 2.0.0, 2 threads. Written 2026-11-22.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import statistics
import time
from pathlib import Path

import neuralop
import torch
from neuralop.models import FNO as PeerFNO

from sciml.data import generate, load, open_checked
from sciml.models import FNO, TFNO

MODES, WIDTH, LAYERS, PROJECTION, BATCH, LR, TRAIN = 16, 64, 4, 128, 32, 1e-3, 1000
PEER_TUCKER_RANK = 0.1


def relative_l2(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of ||prediction - target|| / ||target||."""
    return ((prediction - target).flatten(1).norm(dim=1) / target.flatten(1).norm(dim=1)).mean()


def parameter_count(model: torch.nn.Module) -> int:
    return sum(p.numel() * (2 if p.is_complex() else 1) for p in model.parameters())


def ours(kind: str, rank: float = 0.1) -> torch.nn.Module:
    torch.manual_seed(0)
    if kind == "FNO":
        return FNO(1, 1, modes=MODES, width=WIDTH, layers=LAYERS, projection=PROJECTION, coordinates=True)
    return TFNO(1, 1, modes=MODES, width=WIDTH, layers=LAYERS, projection=PROJECTION, rank=rank)


def theirs(kind: str) -> torch.nn.Module:
    torch.manual_seed(0)
    factorization = dict(factorization="tucker", rank=PEER_TUCKER_RANK) if kind == "TFNO" else {}
    return PeerFNO(n_modes=(2 * MODES - 1,), in_channels=1, out_channels=1, hidden_channels=WIDTH, n_layers=LAYERS,
                   lifting_channel_ratio=0, projection_channel_ratio=PROJECTION / WIDTH, use_channel_mlp=False,
                   fno_skip="linear", positional_embedding="grid", **factorization)


def nearest_rank(build, target: int) -> float:
    """The ``rank`` whose model ``build(rank)`` has the parameter count nearest ``target`` (bisection; counts
    increase with rank)."""
    low, high = 1e-3, 1.0
    for _ in range(24):
        middle = (low + high) / 2
        low, high = (middle, high) if parameter_count(build(middle)) <= target else (low, middle)
    return min((low, high), key=lambda r: abs(parameter_count(build(r)) - target))


def build(name: str, rank: float) -> torch.nn.Module:
    kind, side = name.split("-")
    return ours(kind, rank) if side == "ours" else theirs(kind)


def load_data(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating {path}", flush=True)
        generate(load("burgers", {"samples": "1200"}), path, batch_size=64, progress=False)
    with open_checked(path) as f:
        u = torch.from_numpy(f["u"][:]).float()
    return u[:, :1], u[:, -1:]  # (samples, 1, 1024)


def trainer(model: torch.nn.Module, steps: int | None = None, optimizer=None):
    """A closure doing one training step on (x, y) with ``optimizer`` (default Adam at ``LR``); cosine
    schedule over ``steps`` when given."""
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps) if steps else None

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=True)
        relative_l2(model(x), y).backward()
        optimizer.step()
        if schedule:
            schedule.step()

    return step


def step_times(steps: dict, x, y, warmup: int, repeats: int) -> dict[str, float]:
    """Median seconds of ``steps[name](x, y)`` (training-step closures) over ``repeats`` after ``warmup``,
    the models in turn, the order reversed every other round."""
    for _ in range(warmup):
        for step in steps.values():
            step(x, y)
    times = {name: [] for name in steps}
    for i in range(repeats):
        for name in (list(steps) if i % 2 == 0 else list(steps)[::-1]):
            start = time.perf_counter()
            steps[name](x, y)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def train_and_test(models: dict, x, y, x_test, y_test, epochs: int) -> dict[str, tuple[float, float]]:
    """Train all ``models`` in one loop on identical batches; returns {name: (test rel. L2, train seconds)}."""
    per_epoch = math.ceil(len(x) / BATCH)
    steps = {name: trainer(model, epochs * per_epoch) for name, model in models.items()}
    seconds = dict.fromkeys(models, 0.0)
    generator = torch.Generator().manual_seed(0)
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for i, batch in enumerate(order.split(BATCH)):
            for name in (list(steps) if (epoch * per_epoch + i) % 2 == 0 else list(steps)[::-1]):
                start = time.perf_counter()
                steps[name](x[batch], y[batch])
                seconds[name] += time.perf_counter() - start
    results = {}
    for name, model in models.items():
        with torch.no_grad():
            errors = [relative_l2(model(a), b) * len(a) for a, b in zip(x_test.split(BATCH), y_test.split(BATCH))]
        results[name] = (float(sum(errors) / len(x_test)), seconds[name])
    return results


def peak_memory(model: torch.nn.Module, x, y) -> float:
    """Peak torch CPU memory (MiB) allocated during one training step, over what was held before it."""
    step = trainer(model)
    for _ in range(2):
        step(x, y)
    model.zero_grad(set_to_none=True)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], profile_memory=True) as prof:
        step(x, y)
    records = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"),
                     key=lambda e: e.start_ns())
    return max(itertools.accumulate(e.nbytes() for e in records)) / 2**20


def profile(x, y) -> None:
    for name in ("FNO-ours", "FNO-theirs"):
        step = trainer(build(name, 1.0))
        for _ in range(5):
            step(x, y)
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            for _ in range(10):
                step(x, y)
        print(f"\n{name}: 10 training steps, batch {BATCH}")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=20, max_name_column_width=45))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/opbench/burgers.h5"))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="only print profiles of the FNO training steps")
    args = parser.parse_args()
    torch.set_num_threads(2)
    inputs, targets = load_data(args.data)
    x, y, x_test, y_test = inputs[:TRAIN], targets[:TRAIN], inputs[TRAIN:], targets[TRAIN:]
    if args.profile:
        return profile(x[:BATCH], y[:BATCH])
    rank = nearest_rank(lambda r: ours("TFNO", r), parameter_count(theirs("TFNO")))
    print(f"torch {torch.__version__}, neuralop {neuralop.__version__}, {torch.get_num_threads()} threads; "
          f"Burgers {len(x)} train / {len(x_test)} test, 1024 points; our TFNO rank {rank:.4f}; "
          f"load average {os.getloadavg()[0]:.2f}\n")
    print("| model | params ours | params theirs | step ms ours | step ms theirs | ours/theirs | peak MiB ours "
          "| peak MiB theirs | test rel. L2 ours | test rel. L2 theirs | train s ours | train s theirs |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for kind in ("FNO", "TFNO"):
        names = (f"{kind}-ours", f"{kind}-theirs")
        counts = [parameter_count(build(n, rank)) for n in names]
        times = step_times({n: trainer(build(n, rank)) for n in names}, x[:BATCH], y[:BATCH], args.warmup,
                           args.repeats)
        memory = [peak_memory(build(n, rank), x[:BATCH], y[:BATCH]) for n in names]
        trained = train_and_test({n: build(n, rank) for n in names}, x, y, x_test, y_test, args.epochs)
        a, b = (times[n] * 1e3 for n in names)
        (error_a, seconds_a), (error_b, seconds_b) = (trained[n] for n in names)
        print(f"| {kind} | {counts[0]} | {counts[1]} | {a:.1f} | {b:.1f} | {a / b:.2f} | {memory[0]:.0f} "
              f"| {memory[1]:.0f} | {error_a:.4f} | {error_b:.4f} | {seconds_a:.0f} | {seconds_b:.0f} |", flush=True)
    print(f"\nstep: median of {args.repeats} after {args.warmup} warm-up, alternating; training: {args.epochs} "
          f"epochs, batch {BATCH}, Adam lr {LR}, cosine schedule; goal ours/theirs <= 0.70; "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
