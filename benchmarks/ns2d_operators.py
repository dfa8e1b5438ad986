"""2D operators on Navier-Stokes vorticity (``ns2d``, nu = 1e-3): ours against neuraloperator, in one process, CPU.

Data: the ``ns2d`` recipe (the FNO paper's set-up on the unit torus, 64 x 64 stored, 51 snapshots over
t in [0, 50]), ``--train`` + ``--test`` samples (one file, the last ``--test`` held out), overridden by
``--set`` (e.g. a coarser solver grid to make generation fit this machine). The FNO paper's protocol:
the first 10 snapshots in as channels, the next one out; trained on every window of 10 -> 1 of the
training trajectories; tested by the autoregressive rollout from the first 10 snapshots of each test
trajectory to the last snapshot (41 predicted steps for T = 50), relative L2 of the whole predicted
trajectory (the paper's "full" test error), mean over the test samples.

Models (the paper's FNO-2D: 4 Fourier layers, width 20, 12 modes a direction of each sign, lifting
from 10 + 2 coordinate channels, projection 20 -> 128 -> 1): ours ``FNO(10, 1, modes=(24, 12))``,
theirs ``neuralop.models.FNO(n_modes=(24, 23))`` (it keeps 24 // 1 frequencies of both signs on the
first axis and 23 // 2 + 1 = 12 on the last, the same set as ours), one linear lifting layer, no channel
MLP, linear skips, grid embedding: the same parameter count (the matching of
``operators_vs_neuralop.py``). TFNO: ours at a Tucker rank with >= 10x fewer parameters than the FNO,
theirs at Tucker rank 0.1 (``TFNO-theirs``) and ours at its parameter count (``TFNO-matched``);
``TFNO-ours-8-modes`` (by ``--models`` only) keeps 8 modes a direction instead of 12, at the rank that gives it
as many parameters as ``TFNO-ours``: the modes 9-12 hold about 1e-7 of the data's energy and carried the
one-step TFNO's largest gains (``operator_gains.py``).
MgNO (width 24, 4 layers, 4 levels) and NSM (Fourier axes, the FNO's modes and width) are ours only.

Parts:
- ``speed``: time per training step (AdamW lr 1e-3, batch 20, relative L2) on a fixed batch, median of
  ``--repeats`` after ``--warmup``, ours and theirs alternating; peak tensor memory of a training step
  (torch.profiler, as ``operators_vs_neuralop.py``).
- ``budget``: each model trained for ``--budget`` seconds of its own step time (the models take steps
  in turn, so load changes hit all alike; cosine schedule over the steps its measured step time
  allows), then the rollout test error. ``--rollout K``: each step trains on K consecutive targets by the
  pushforward trick (every application of the model is a one-step map on its own detached inputs, the
  first on the data, the later ones on its own predictions; Brandstetter et al., ICLR 2022), at about K
  times the step cost; ``--start DIR`` continues our models from an earlier ``--save DIR``; ``--lr`` the peak
  learning rate.
- ``mg256``: FNO against MG-TFNO (4 x 4 patches, 2 coarser levels, overlap 1/4, processed in 4 groups
  with recomputation) on 256 x 256 fields: peak memory and time of a training step (batch 4), and the
  test error after ``--budget`` seconds each. The 256 x 256 fields are the 64 x 64 data interpolated
  spectrally (no 256 x 256 solve fits this machine's time): the memory figures are those of 256 x 256
  inputs, the errors those of smooth band-limited fields.

Run: ``PYTHONPATH=. python benchmarks/ns2d_operators.py --part speed`` (minutes);
``--part budget --budget 300`` (about 35 minutes with the six models, after the data);
``--part mg256 --budget 300`` (``--budget 0``: memory and step time only). The set of 2026-12-03
(``benchmarks/RESULTS.md``): ``sciml generate ns2d --samples 48 --set grid.solve_n=64 --set
solver.dt=0.02 --set time.end=20 --set time.snapshots=21 --out D.h5``, then ``--data D.h5 --train 40
--test 8``. torch 2.13.0 CPU, neuraloperator 2.0.0. Written 2026-12-03, ``--rollout`` and ``TFNO-ours-8-modes``
2026-12-03.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import neuralop
import torch
from neuralop.models import FNO as PeerFNO
from operators_vs_neuralop import nearest_rank, parameter_count, peak_memory, relative_l2, step_times, trainer

from sciml.data import generate, load, open_checked
from sciml.evaluate import rollout
from sciml.models import FNO, LAST, MGTFNO, NSM, TFNO, MgNO, load_checkpoint, save_checkpoint
from sciml.models.registry import OPERATORS
from sciml.train import Rollout
from solvers.spectral import ZeroPadding

HISTORY, MODES, WIDTH, LAYERS, PROJECTION, BATCH, LR = 10, 12, 20, 4, 128, 20, 1e-3
PEER_TUCKER_RANK = 0.1


def theirs(kind: str, channels: int = HISTORY) -> torch.nn.Module:
    torch.manual_seed(0)
    factorization = dict(factorization="tucker", rank=PEER_TUCKER_RANK) if kind == "TFNO" else {}
    return PeerFNO(n_modes=(2 * MODES, 2 * MODES - 1), in_channels=channels, out_channels=1, hidden_channels=WIDTH,
                   n_layers=LAYERS, lifting_channel_ratio=0, projection_channel_ratio=PROJECTION / WIDTH,
                   use_channel_mlp=False, fno_skip="linear", positional_embedding="grid", **factorization)


def ours(kind: str, rank: float = 1.0, channels: int = HISTORY, init_scale: float | None = None,
         modes: int = MODES) -> torch.nn.Module:
    torch.manual_seed(0)
    common = dict(width=WIDTH, layers=LAYERS, projection=PROJECTION, init_scale=init_scale)  # the FNO family's
    if kind == "FNO":
        return FNO(channels, 1, modes=(2 * MODES, MODES), **common)
    if kind == "TFNO":
        return TFNO(channels, 1, modes=(2 * modes, modes), rank=rank, **common)
    if kind == "MGTFNO":
        return MGTFNO(channels, 1, modes=(2 * MODES, MODES), rank=rank, patches=4, levels=2, chunks=4, **common)
    if kind == "MgNO":
        return MgNO(channels, 1, width=24, layers=4, levels=4, dimensions=2)
    return NSM(channels, 1, kinds=("fourier", "fourier"), modes=(2 * MODES, MODES), width=WIDTH, layers=LAYERS)


def rank_for(count: int, modes: int = MODES) -> float:
    """Our Tucker rank whose TFNO (``modes`` a direction) parameter count is nearest ``count``."""
    return nearest_rank(lambda r: ours("TFNO", r, modes=modes), count)


MODEL_NAMES = ("FNO-ours", "FNO-theirs", "TFNO-ours", "TFNO-theirs", "MgNO-ours", "NSM-ours")
EXTRA_NAMES = ("TFNO-ours-8-modes",)  # chosen by --models only


def models(fno_parameters: int) -> dict[str, callable]:
    small = rank_for(fno_parameters // 11)  # at least 10x fewer parameters than the FNO
    matched = rank_for(parameter_count(theirs("TFNO")))
    return {"FNO-ours": lambda: ours("FNO"), "FNO-theirs": lambda: theirs("FNO"),
            "TFNO-ours": lambda: ours("TFNO", small), "TFNO-theirs": lambda: theirs("TFNO"),
            "TFNO-matched": lambda: ours("TFNO", matched), "MgNO-ours": lambda: ours("MgNO"),
            "NSM-ours": lambda: ours("NSM"),
            "TFNO-ours-8-modes": lambda: ours("TFNO", rank_for(fno_parameters // 11, 8), modes=8)}


def load_data(path: Path, samples: int, overrides: list[str]) -> torch.Tensor:
    """``(samples, 51, 64, 64)`` float32 vorticity, generated once into ``path``."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        values = dict(item.split("=", 1) for item in overrides)
        print(f"generating {path} ({samples} samples, {values})", flush=True)
        start = time.perf_counter()
        generate(load("ns2d", {"samples": str(samples), **values}), path, batch_size=32, progress=False)
        print(f"generated in {time.perf_counter() - start:.0f} s", flush=True)
    with open_checked(path) as handle:
        return torch.from_numpy(handle["u"][:samples]).float()


class Windows:
    """Every window of ``HISTORY`` snapshots of ``u`` ``(samples, time, *space)`` and the ``outputs`` snapshots
    after it, cut on demand: ``windows[index]`` is ``(len(index), 10, *space)``, ``(len(index), outputs, *space)``."""

    def __init__(self, u: torch.Tensor, outputs: int = 1):
        self.u, self.outputs, self.starts = u, outputs, u.shape[1] - HISTORY - outputs + 1
        if self.starts < 1:
            raise ValueError(f"{HISTORY} snapshots in and {outputs} out do not fit trajectories of {u.shape[1]}")

    def __len__(self) -> int:
        return len(self.u) * self.starts

    def __getitem__(self, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        sample, start = index // self.starts, index % self.starts
        times = start[:, None] + torch.arange(HISTORY + self.outputs)
        cut = self.u[sample[:, None], times]
        return cut[:, :HISTORY], cut[:, HISTORY:]


class Unrolled(torch.nn.Module):
    """``model`` applied autoregressively ``steps`` times with the pushforward trick (``sciml.train.Rollout``):
    ``(batch, 10, *space) -> (batch, steps, *space)``, every step trained as a one-step map on its own inputs."""

    def __init__(self, model: torch.nn.Module, steps: int):
        super().__init__()
        self.model, self.rollout = model, Rollout(steps, pushforward=True, history=HISTORY)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rollout.unroll(self.model, x[:, :, None])[:, :, 0]


def test_error(model: torch.nn.Module, u: torch.Tensor) -> float:
    """Relative L2 of the whole autoregressive rollout from the first 10 snapshots, mean over samples."""
    model.eval()
    errors = []
    with torch.no_grad():
        for part in u.split(10):
            predicted = rollout(model, part[:, :HISTORY, None], part.shape[1] - HISTORY, HISTORY)[:, HISTORY:, 0]
            errors.append(relative_l2(predicted, part[:, HISTORY:]) * len(part))
    model.train()
    return float(sum(errors) / len(u))


def step_closure(model: torch.nn.Module, steps: int | None = None, rollout: int = 1, lr: float = LR):
    """One AdamW training step on (x, y), the same for ours and theirs; ``rollout > 1``: on ``rollout`` targets
    by the pushforward trick (``Unrolled``)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    return trainer(Unrolled(model, rollout) if rollout > 1 else model, steps, optimizer)


def race(builders: dict, windows: Windows, u_test, budget: float, seconds_per_step: dict[str, float],
         batch_size: int = BATCH, checks: int = 1, lr: float = LR) -> tuple[dict[str, list[tuple]], dict]:
    """Train every model for ``budget`` seconds of its own steps, in turn, on the same batches (of
    ``windows.outputs`` targets each: more than one trains by the pushforward trick), with a cosine schedule
    from ``lr``; the test error after each of ``checks`` equal parts of the budget and the trained models:
    ``({name: [(seconds, steps, error), ...]}, {name: model})``."""
    built = {name: build() for name, build in builders.items()}
    planned = {name: max(1, int(budget / seconds_per_step[name])) for name in built}
    steps = {name: step_closure(model, planned[name], windows.outputs, lr) for name, model in built.items()}
    spent, taken = dict.fromkeys(built, 0.0), dict.fromkeys(built, 0)
    curves = {name: [] for name in built}
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(len(windows), generator=generator)
    position = 0

    def running(name: str) -> bool:
        return spent[name] < budget and taken[name] < planned[name]

    while any(running(name) for name in built):
        if position + batch_size > len(order):
            order, position = torch.randperm(len(windows), generator=generator), 0
        x, y = windows[order[position:position + batch_size]]
        position += batch_size
        for name, step in steps.items():
            if running(name):
                start = time.perf_counter()
                step(x, y)
                spent[name] += time.perf_counter() - start
                taken[name] += 1
                if len(curves[name]) + 1 < checks and spent[name] >= budget * (len(curves[name]) + 1) / checks:
                    curves[name].append((spent[name], taken[name], test_error(built[name], u_test)))
                    print(f"{name}: {spent[name]:.0f} s, {taken[name]} steps, test rel. L2 {curves[name][-1][2]:.4f}",
                          flush=True)
    for name, model in built.items():
        curves[name].append((spent[name], taken[name], test_error(model, u_test)))
    return curves, built


def save_runs(trained: dict[str, torch.nn.Module], folder: Path, data: Path) -> None:
    """Each of our models as an operator run ``folder/NAME`` (10 snapshots in, lag 1), for ``sciml evaluate``."""
    for name, model in trained.items():
        if type(model).__name__ in OPERATORS:
            path = save_checkpoint(model, folder / name / LAST, family="operator",
                                   metadata={"data": str(data), "lag": 1, "history": HISTORY})
            print(f"saved {name} to {path.parent}", flush=True)


def started(run: Path):
    """A builder of the model saved in ``run`` (by ``save_runs``)."""
    if not (run / LAST).exists():
        raise SystemExit(f"--start: no saved model {run / LAST}")
    return lambda: load_checkpoint(run)[0]


def upsample(u: torch.Tensor, n: int) -> torch.Tensor:
    """``(samples, ..., m, m)`` real fields to ``(samples, ..., n, n)`` by zero-padding their Fourier series,
    a few samples at a time (the complex double spectra of all would not fit in memory)."""
    padding = ZeroPadding(tuple(u.shape[-2:]), factor=n / u.shape[-1])

    def fine(part: torch.Tensor) -> torch.Tensor:
        c = torch.fft.fftn(part.double(), dim=(-2, -1), norm="forward")
        return torch.fft.ifftn(padding.pad(c), dim=(-2, -1), norm="forward").real.float()

    return torch.cat([fine(part) for part in u.split(4)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("speed", "budget", "mg256"), required=True)
    parser.add_argument("--data", type=Path, default=Path("/tmp/ns2d-bench/ns2d.h5"))
    parser.add_argument("--train", type=int, default=200)
    parser.add_argument("--test", type=int, default=50)
    parser.add_argument("--set", action="append", default=[], help="recipe override, e.g. grid.solve_n=64")
    parser.add_argument("--budget", type=float, default=300.0, help="seconds of training steps per model "
                        "(mg256: 0 measures memory and step time only)")
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES + EXTRA_NAMES, default=list(MODEL_NAMES),
                        help="the models of the budget part")
    parser.add_argument("--checks", type=int, default=1, help="test errors at this many equal parts of the budget")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--save", type=Path, help="budget part: our trained models as runs SAVE/NAME that "
                        "`sciml evaluate` reads (neuraloperator's are not saved)")
    parser.add_argument("--start", type=Path, help="budget part: our models start from the runs START/NAME "
                        "(of an earlier --save) instead of their initialisation")
    parser.add_argument("--rollout", type=int, default=1, help="budget part: train on this many consecutive "
                        "targets by the pushforward trick (default 1: one-step pairs)")
    parser.add_argument("--lr", type=float, default=LR, help="peak learning rate of the cosine schedule "
                        "(budget and mg256 parts)")
    args = parser.parse_args()
    budget_only = {"--save": args.save, "--start": args.start, "--rollout": args.rollout != 1,
                   "--checks": args.checks != 1, "--models": args.models != list(MODEL_NAMES)}
    if args.rollout < 1:
        parser.error(f"--rollout must be >= 1, got {args.rollout}")
    if args.part != "budget" and any(budget_only.values()):
        parser.error(f"{', '.join(k for k, v in budget_only.items() if v)}: only with --part budget")
    torch.set_num_threads(args.threads)
    fno_parameters = parameter_count(ours("FNO"))
    builders = models(fno_parameters)
    print(f"torch {torch.__version__}, neuralop {neuralop.__version__}, {torch.get_num_threads()} threads, "
          f"load average {os.getloadavg()[0]:.2f}; parameters: "
          + ", ".join(f"{name} {parameter_count(build()):,}" for name, build in builders.items()), flush=True)

    if args.part == "speed":
        x, y = torch.randn(BATCH, HISTORY, 64, 64), torch.randn(BATCH, 1, 64, 64)
        print("\n| pair | step ms ours | step ms theirs | ours/theirs | peak MiB ours | peak MiB theirs |")
        print("|---|---|---|---|---|---|")
        for mine, peer in (("FNO-ours", "FNO-theirs"), ("TFNO-matched", "TFNO-theirs")):
            times = step_times({n: step_closure(builders[n]()) for n in (mine, peer)}, x, y, args.warmup, args.repeats)
            memory = [peak_memory(builders[n](), x, y) for n in (mine, peer)]
            a, b = times[mine] * 1e3, times[peer] * 1e3
            print(f"| {mine} / {peer} | {a:.1f} | {b:.1f} | {a / b:.2f} | {memory[0]:.0f} | {memory[1]:.0f} |",
                  flush=True)
        print(f"\nbatch {BATCH} x 10 x 64 x 64, AdamW; median of {args.repeats} after {args.warmup}, alternating; "
              f"load average {os.getloadavg()[0]:.2f}")
        return

    u = load_data(args.data, args.train + args.test, args.set)
    u_train, u_test = u[:args.train], u[args.train:]
    if args.part == "budget":
        windows = Windows(u_train, args.rollout)
        chosen = {name: builders[name] for name in args.models}
        if args.start:
            chosen.update({name: started(args.start / name) for name in chosen if name.endswith("-ours")})
        x, y = windows[torch.arange(BATCH)]
        timing = step_times({n: step_closure(b(), rollout=args.rollout) for n, b in chosen.items()}, x, y, 2, 3)
        print(f"\n{len(windows)} training windows of {args.rollout} target(s) from {args.train} trajectories, "
              f"{len(u_test)} test trajectories; budget {args.budget:.0f} s of steps per model, lr {args.lr:g}"
              + (f", starting from {args.start}" if args.start else ""), flush=True)
        curves, trained = race(chosen, windows, u_test, args.budget, timing, checks=args.checks, lr=args.lr)
        if args.save:
            save_runs(trained, args.save, args.data)
        print("\n| model | parameters | step ms | steps in budget | test rel. L2 (rollout) | "
              "at each part of the budget |")
        print("|---|---|---|---|---|---|")
        for name, curve in curves.items():
            seconds, steps, error = curve[-1]
            parts = ", ".join(f"{e:.4f}" for _, _, e in curve)
            print(f"| {name} | {parameter_count(chosen[name]()):,} | {seconds / steps * 1e3:.0f} | {steps} | "
                  f"{error:.4f} | {parts} |")
        print(f"\nload average {os.getloadavg()[0]:.2f}; FNO paper: FNO-2D 0.0128 at nu 1e-3 (1000 training samples, "
              "500 epochs, GPU)")
        return

    n = 256
    fine_train, fine_test = upsample(u_train, n), upsample(u_test, n)
    windows = Windows(fine_train)
    x, y = windows[torch.arange(4)]
    chosen = {"FNO-ours": builders["FNO-ours"], "MGTFNO-ours": lambda: ours("MGTFNO", 0.1)}
    batch = 4
    print(f"\n| model | parameters | step ms (batch {batch}, {n} x {n}) | peak MiB |")
    print("|---|---|---|---|")
    timing = step_times({n: step_closure(b()) for n, b in chosen.items()}, x[:batch], y[:batch], 1, 3)
    for name, build in chosen.items():
        memory = peak_memory(build(), x[:batch], y[:batch])
        print(f"| {name} | {parameter_count(build()):,} | {timing[name] * 1e3:.0f} | {memory:.0f} |", flush=True)
    if args.budget <= 0:  # memory and step time only
        return
    curves, _ = race(chosen, windows, fine_test, args.budget, timing, batch, lr=args.lr)
    print("\n| model | steps in budget | test rel. L2 (rollout, 256 x 256) |")
    print("|---|---|---|")
    for name, curve in curves.items():
        _, steps, error = curve[-1]
        print(f"| {name} | {steps} | {error:.4f} |")
    print(f"\nload average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
