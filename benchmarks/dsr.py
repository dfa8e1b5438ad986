"""Dynamical-systems reconstruction of Lorenz-63 or Rossler with our PWL RNNs and sparse teacher forcing.

``--system lorenz63`` (AL-RNN M = 20, P = 2, sequence 200, forcing every 16 steps) or ``rossler`` (M = 20,
P = 1, sequence 300, every 8 steps): the reference settings of Brenner et al. (NeurIPS 2024).
``--model plrnn`` (M = 20) or ``shplrnn`` (M = 3, the observed units only, 50 hidden relu units, Hess et
al., ICML 2023) train under the same settings; ``--latent``, ``--hidden``, ``--clipped`` and ``--observation``
change them.
Data from our ``lorenz63`` / ``rossler`` recipe with the reference conventions: step 0.01, 100,000 steps
(``time.end`` 1000, 100,001 snapshots), two samples: sample 0 with 5% Gaussian observation noise trains, sample 1
(another initial state, clean) tests; both standardised with the training statistics. Training:
``train_teacher_forcing`` as in the reference AL-RNN set-up (identity forcing, ``--alpha`` 1, every
``--interval`` steps, noise 0.05) with RAdam ``--lr`` 2e-3 -> 1e-5 (the reference: 1e-3 over 2,000
epochs; here the decay runs over ``--epochs`` or ``--minutes`` of wall time, model selection included,
whichever ends first) and batches of ``--batch`` 64 sequences (``--sequence`` steps each, the system's by
default), ``--batches`` 50 an epoch, the forcing segments
compiled by ``torch.compile`` (``--compile``; eager by default). ``--seeds K`` trains K models (seeds
``--seed`` .. ``--seed + K - 1``) at once as one :class:`RNNEnsemble`. Model selection
(:mod:`sciml.train.selection`): every ``--select-every`` epochs and at the end each model generates
``--select-steps`` (20,000) steps from the first training state, 1,000 are dropped, and each keeps its
checkpoint with the lowest D_stsp + D_H against the training data, checkpoints with a largest Lyapunov
exponent <= 0 or a collapsed run from one of ``--starts`` (16) other training states ranking last (``--no-chaotic``:
not; ``--baseline-selection`` also selects from the first state alone, from the same training, and scores that
choice); the selected model is the member with the best score
(the test data play no part in training or selection); each check is printed. ``--clip`` bounds each
model's gradient norm, ``--final-interval`` grows the forcing interval geometrically over the budget. Evaluation, both protocols of issue 7:
(a) 11,000 steps generated from the first test state, 1,000 dropped; D_stsp (30 bins a dimension,
smoothing 1e-5) against the whole test trajectory, D_H (sigma 20) against its first 10,000 steps;
(b) as many generated steps as the test trajectory has (first 500 dropped from both: 99,500 for the recipe). PE(20):
mean squared error 20 steps after 1,000 evenly spaced test states. lambda_max: the model map's exponent
/ 0.01 against the solver's (RK4 tangent of the system's field). Also the number of linear subregions the
generated orbit visits and the seconds per epoch (reference Python code: 3.0 s on this machine).

Data not made by our generator: ``--train FILE --test FILE`` (``(T, N)`` arrays, ``.npy`` / ``.csv`` / HDF5,
step 0.01) replace the recipe, standardised with the training statistics unless ``--no-standardise`` (for
arrays standardised already, so that a model trained on them elsewhere sees its own coordinates);
``--system`` still gives the settings and the solver exponent (its default parameters); ``--system ecg`` (their
ECG settings, P = 2, sequence 50, every 10 steps; with ``--latent 100 --noise 0.01`` as theirs) has no solver
(lambda error NaN), and above 3 dimensions D_stsp is the Gaussian-mixture estimate. ``--reference
STATE`` scores, by the same protocol in the same run, an AL-RNN state dict saved by the reference Python code
of Brenner et al. (``alrnn_python/models/lorenz_m20_p2`` of github.com/DurstewitzLab/ALRNN-DSR, with the
system's P), after checking that one step of our model equals one step of their formula.

Prints one row per seed, the median over seeds and the selected seed. Run: ``OMP_NUM_THREADS=1
PYTHONPATH=. python benchmarks/dsr.py [--system rossler] [--seeds 5]`` (800 epochs or 20 minutes on one
core); the ensemble with its selected member is saved as a run (``--out``, default
``/tmp/dsr/SYSTEM-MODEL``) that ``sciml evaluate RUN --data FILE --sample 1`` reads for its figures and
fixed points. Their Lorenz-63 data (``alrnn_python/lorenz63_train.npy`` and ``lorenz63_test.npy`` of the same
repository): ``... --train lorenz63_train.npy --test lorenz63_test.npy --no-standardise --reference
lorenz_m20_p2``. Written 2026-11-23, seeds and selection 2026-12-03, external data 2026-12-03.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import statistics
import time
from pathlib import Path

import torch

from sciml.data import generate, load, open_checked
from sciml.data.user_trajectory import read_trajectory
from sciml.evaluate.dsr import (
    hellinger_spectrum,
    max_lyapunov_flow,
    max_lyapunov_map,
    state_space_divergence,
    state_space_divergence_gmm,
)
from sciml.evaluate.reconstruction import prediction_error
from sciml.evaluate.symbolic import symbolic_graph
from sciml.models import ALRNN, LAST, PLRNN, RNNEnsemble, ShallowPLRNN, save_checkpoint
from sciml.models.alrnn_reference import alrnn_from_reference
from sciml.train.selection import CheckpointSelection, SelectionConfig
from sciml.train.teacher_forcing import TeacherForcingConfig, train_teacher_forcing
from solvers.systems import SYSTEMS

DT = 0.01
SETTINGS = {  # the reference AL-RNN settings: piecewise units, sequence length, forcing interval
    "lorenz63": {"piecewise": 2, "sequence": 200, "interval": 16},
    "rossler": {"piecewise": 1, "sequence": 300, "interval": 8},
    "ecg": {"piecewise": 2, "sequence": 50, "interval": 10},  # their settings/ecg.json; no solver to compare with
}
MODELS = {  # from the observed dimensions, the piecewise units and the command line
    "alrnn": lambda observed, piecewise, args: ALRNN(observed, args.latent, piecewise, args.observation),
    "plrnn": lambda observed, piecewise, args: PLRNN(observed, args.latent, args.observation),
    "shplrnn": lambda observed, piecewise, args: ShallowPLRNN(observed, observed, args.hidden, args.observation,
                                                              args.clipped),
}


def data(system: str, path: Path) -> tuple[torch.Tensor, torch.Tensor, dict]:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        generate(load(system, {"samples": "2", "time.end": "1000.0", "time.snapshots": "100001"}), path,
                 progress=False)
    with open_checked(path) as handle:
        train, test = torch.as_tensor(handle["observed"][0]), torch.as_tensor(handle["u"][1])
    mean, std = train.mean(0), train.std(0)
    statistics = {"mean": mean.tolist(), "std": std.tolist()}
    return ((train - mean) / std).float(), ((test - mean) / std).float(), statistics


def user_data(train_path: Path, test_path: Path, standardise: bool) -> tuple[torch.Tensor, torch.Tensor, dict]:
    """A user's own training and test arrays, standardised with the training statistics or used as given."""
    train, test = (torch.as_tensor(read_trajectory(path)) for path in (train_path, test_path))
    if train.shape[1] != test.shape[1]:
        raise ValueError(f"--train and --test must have equal dimensions, got {train.shape[1]} and {test.shape[1]}")
    mean, std = train.mean(0), train.std(0)
    if not standardise:
        mean, std = torch.zeros_like(mean), torch.ones_like(std)
    statistics = {"mean": mean.tolist(), "std": std.tolist(), "train": str(train_path), "test": str(test_path)}
    return ((train - mean) / std).float(), ((test - mean) / std).float(), statistics


def reference_model(path: Path, piecewise: int) -> ALRNN:
    """The reference AL-RNN state dict at ``path`` as our ALRNN, its first step checked against their formula
    ``F(z) = A z + W phi(z) + h`` (relu on the last ``piecewise`` units) on random states."""
    state = torch.load(path, map_location="cpu")
    model = alrnn_from_reference(state, piecewise)
    z = torch.randn(64, model.latent)
    phi = torch.cat([z[:, :-piecewise], torch.relu(z[:, -piecewise:])], 1) if piecewise else z
    theirs = state["A"] * z + phi @ state["W"].T + state["h"]
    with torch.no_grad():
        deviation = float((model.step(z) - theirs).abs().max())
    if deviation > 1e-5 * float(theirs.abs().max()):
        raise ValueError(f"{path}: our step differs from the reference formula by {deviation:.3g}")
    print(f"reference {path}: one step equals the reference formula to {deviation:.2g} (|F| up to "
          f"{float(theirs.abs().max()):.2g})")
    return model


def scores(ensemble: RNNEnsemble, test: torch.Tensor, true_lyapunov: float) -> list[dict]:
    """Protocols (a) and (b), PE(20), lambda_max and subregions of each member of ``ensemble`` on ``test``."""
    members = ensemble.members
    divergence = state_space_divergence if test.shape[1] <= 3 else state_space_divergence_gmm
    x0 = test[:1].expand(members, 1, -1)
    with torch.no_grad():
        short = ensemble.generate(x0, 10_999)[:, 0, 1000:]  # 11,000 states, the first 1,000 dropped
        orbits, long = (part[:, 0, 500:] for part in ensemble.orbit(x0, test.shape[0] - 1))  # as long as the test
    rows = []
    for k in range(members):
        member = ensemble.member(k)
        exponent = max_lyapunov_map(member.step, member.jacobian, orbits[k, -1].clone(), 20_000) / DT
        rows.append({"(a) D_stsp": divergence(test, short[k]),
                     "(a) D_H": hellinger_spectrum(test[:10_000], short[k]),
                     "(b) D_stsp": divergence(test[500:], long[k]),
                     "(b) D_H": hellinger_spectrum(test[500:], long[k]), "PE(20)": prediction_error(member, test),
                     "lambda_max": exponent, "lambda error %": 100 * (exponent - true_lyapunov) / true_lyapunov,
                     "subregions": len(symbolic_graph(member.region(orbits[k])).symbols)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--system", choices=sorted(SETTINGS), default="lorenz63")
    parser.add_argument("--model", choices=sorted(MODELS), default="alrnn")
    parser.add_argument("--data", type=Path, help="HDF5 file, made if missing (default /tmp/dsr/SYSTEM.h5)")
    parser.add_argument("--train", type=Path, help="a training array (T, N) of one's own instead of the recipe")
    parser.add_argument("--test", type=Path, help="the test array (T, N) that goes with --train")
    parser.add_argument("--standardise", action=argparse.BooleanOptionalAction, default=True,
                        help="standardise --train / --test with the training statistics")
    parser.add_argument("--reference", type=Path, help="an AL-RNN state dict of the reference code, scored alike")
    parser.add_argument("--out", type=Path, help="run directory of the ensemble (default /tmp/dsr/SYSTEM-MODEL)")
    parser.add_argument("--latent", type=int, default=20, help="latent units of the AL-RNN / PLRNN")
    parser.add_argument("--hidden", type=int, default=50, help="hidden units of the shallow PLRNN")
    parser.add_argument("--clipped", action="store_true", help="the clipped shallow PLRNN")
    parser.add_argument("--observation", choices=("identity", "affine"), default="identity")
    parser.add_argument("--epochs", type=int, default=800)
    parser.add_argument("--minutes", type=float, default=20.0, help="wall-clock limit of training and selection")
    parser.add_argument("--interval", type=int, help="teacher forcing every INTERVAL steps (default: the system's)")
    parser.add_argument("--final-interval", type=int, help="the interval grows geometrically to this over the budget")
    parser.add_argument("--alpha", default="1.0", help="forcing strength in [0, 1] or 'adaptive'")
    parser.add_argument("--lr", type=float, nargs=2, default=(2e-3, 1e-5), help="initial and final learning rate")
    parser.add_argument("--clip", type=float, default=float("inf"), help="largest gradient norm of each model")
    parser.add_argument("--noise", type=float, default=0.05, help="Gaussian noise on the forcing signal")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--batches", type=int, default=50, help="batches an epoch")
    parser.add_argument("--sequence", type=int, help="steps of each training sequence (default: the system's)")
    parser.add_argument("--select-every", type=int, default=10, help="epochs between model-selection checks")
    parser.add_argument("--select-steps", type=int, default=20_000, help="steps generated for each check")
    parser.add_argument("--chaotic", action=argparse.BooleanOptionalAction, default=True,
                        help="checkpoints with lambda_max <= 0 rank behind chaotic ones in the selection")
    parser.add_argument("--starts", type=int, default=SelectionConfig.starts,
                        help="selection: free runs from this many training states, a collapsed one ranks last")
    parser.add_argument("--baseline-selection", action="store_true",
                        help="also select with --starts 0 from the same training and score its choice")
    parser.add_argument("--compile", action=argparse.BooleanOptionalAction, default=False,
                        help="compile the forcing segments (torch.compile; its minutes count in the budget)")
    parser.add_argument("--seed", type=int, default=0, help="the first seed")
    parser.add_argument("--seeds", type=int, default=1, help="models trained at once, seeds SEED .. SEED + K - 1")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    settings = SETTINGS[args.system]
    args.data = args.data or Path(f"/tmp/dsr/{args.system}.h5")
    args.interval = args.interval or settings["interval"]
    if (args.train is None) != (args.test is None):
        parser.error("--train and --test go together")
    if args.system not in SYSTEMS and args.train is None:
        parser.error(f"--system {args.system} has no recipe: give --train and --test")
    if args.train is not None:
        train, test, standardisation = user_data(args.train, args.test, args.standardise)
    else:
        train, test, standardisation = data(args.system, args.data)
    true_lyapunov = (max_lyapunov_flow(SYSTEMS[args.system](), torch.tensor([1.0, 1.0, 1.0]), dt=DT, steps=200_000)
                     if args.system in SYSTEMS else math.nan)
    if args.reference is not None:
        reference = scores(RNNEnsemble.stack([reference_model(args.reference, settings["piecewise"])]), test,
                           true_lyapunov)[0]
    models = []
    for k in range(args.seeds):
        torch.manual_seed(args.seed + k)
        models.append(MODELS[args.model](train.shape[1], settings["piecewise"], args))
    ensemble = RNNEnsemble.stack(models)
    alpha = args.alpha if args.alpha == "adaptive" else float(args.alpha)
    config = TeacherForcingConfig(epochs=args.epochs, interval=args.interval, alpha=alpha, batch_size=args.batch,
                                  sequence=args.sequence or settings["sequence"], batches_per_epoch=args.batches,
                                  learning_rate=args.lr[0],
                                  final_learning_rate=args.lr[1], time_limit=60 * args.minutes, compile=args.compile,
                                  seed=args.seed, gradient_clip=args.clip, final_interval=args.final_interval,
                                  noise=args.noise)
    choice = SelectionConfig(every=args.select_every, steps=args.select_steps, chaotic=args.chaotic, starts=args.starts)
    selection = CheckpointSelection(ensemble, train, choice)
    baseline = CheckpointSelection(ensemble, train, dataclasses.replace(choice, starts=0))
    start = time.perf_counter()

    def select(epoch: int, history) -> None:
        if args.baseline_selection:
            baseline.check(epoch + 1)
        for check in selection.check(epoch + 1):
            print(f"epoch {epoch + 1} seed {args.seed + check.member}: loss {history.loss[-1][check.member]:.4f}, "
                  f"training D_stsp {check.D_stsp:.2f}, D_H {check.D_H:.3f}, lambda_max {check.lyapunov / DT:.3f}, "
                  f"collapsed starts {check.collapsed} of {args.starts}", flush=True)

    def every(epoch: int, history) -> None:
        if (epoch + 1) % args.select_every == 0:
            select(epoch, history)

    history = train_teacher_forcing(ensemble, train, config, progress=False, callback=every)
    if len(history.loss) % args.select_every:
        select(len(history.loss) - 1, history)  # the final models
    wall = time.perf_counter() - start
    selected = selection.apply()
    save_checkpoint(ensemble, (args.out or Path(f"/tmp/dsr/{args.system}-{args.model}")) / LAST,
                    family="rnn", history=vars(history), selected=selected, metadata=standardisation,
                    selected_epochs=[selection.best[k][0].epoch for k in range(args.seeds)])
    epochs, seconds = len(history.seconds), sum(history.seconds)
    rows = [{"seed": args.seed + k, "epoch": selection.best[k][0].epoch} | row
            for k, row in enumerate(scores(ensemble, test, true_lyapunov))]
    source = f"{args.train} / {args.test}" if args.train else f"{args.data}"
    print(f"\n{args.system} ({source}, standardised: {args.standardise or not args.train}): "
          f"{type(models[0]).__name__} {models[0].config}, {args.seeds} seeds at once, sequence "
          f"{config.sequence}, interval {args.interval}{f' -> {args.final_interval}' if args.final_interval else ''}, "
          f"alpha {args.alpha}, lr {args.lr[0]:g} -> {args.lr[1]:g}, clip {args.clip:g}, noise {args.noise}, batch "
          f"{args.batch}: {epochs} of {args.epochs} epochs, {wall:.0f} s with selection ({seconds:.0f} s training, "
          f"{seconds / epochs:.2f} s an epoch of {config.batches_per_epoch} x {args.batch} sequences for all seeds); "
          f"solver lambda_max {true_lyapunov:.3f}; selected seed {args.seed + selected}\n")
    print_table(rows, args.seed + selected, (args.reference.name, reference) if args.reference else None)
    if args.baseline_selection:  # the same training, each member's checkpoint chosen from the first state only
        selected = baseline.apply()
        rows = [{"seed": args.seed + k, "epoch": baseline.best[k][0].epoch} | row
                for k, row in enumerate(scores(ensemble, test, true_lyapunov))]
        print(f"\nbaseline selection (starts 0): selected seed {args.seed + selected}\n")
        print_table(rows, args.seed + selected, None)


def print_table(rows: list[dict], selected: int, reference: tuple[str, dict] | None) -> None:
    """One row per seed, the median and the reference's row (``(name, scores)``) as a Markdown table."""
    names = list(rows[0])
    print("| " + " | ".join(names) + " |")
    print("|" + "---|" * len(names))
    for row in rows:
        mark = " | **selected**" if row["seed"] == selected else ""
        print("| " + " | ".join(_cell(row[name]) for name in names) + mark + " |")
    medians = {name: statistics.median(row[name] for row in rows) for name in names[2:]}
    print("| median | | " + " | ".join(_cell(medians[name]) for name in names[2:]) + " |")
    if reference is not None:
        print(f"| reference {reference[0]} | | " + " | ".join(_cell(reference[1][name]) for name in names[2:]) + " |")
    print(f"\nseeds with lambda_max <= 0: {sum(row['lambda_max'] <= 0 for row in rows)} of {len(rows)}")


def _cell(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
