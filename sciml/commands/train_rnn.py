"""``sciml train rnn``: piecewise-linear RNNs (PLRNN, shallow PLRNN, AL-RNN) on one trajectory (of a dataset
of this package or a user's own array, standardised, the statistics stored in the run), by teacher forcing; ``--seeds K`` trains K of them at once as one ensemble. Every model keeps its checkpoint chosen on
the training data (:mod:`sciml.train.selection`); the run holds them all and marks the best as selected."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from .errors import UsageError, constructed
from .settings import add_common, config_defaults, describe, not_applicable, settings

FAMILY = "rnn"
_ONLY = {"pwl": "alrnn", "hidden": "shplrnn"}  # options of one model


def _allowed() -> dict[str, dict]:
    from ..train import TeacherForcingConfig
    from ..train.selection import SelectionConfig

    return {"train": config_defaults(TeacherForcingConfig), "select": config_defaults(SelectionConfig)}


def add(families) -> None:
    from ..train import TeacherForcingConfig

    parser = families.add_parser(FAMILY, help="a piecewise-linear RNN on a trajectory (teacher forcing)",
                                 description="Train PLRNNs, shallow PLRNNs or AL-RNNs by generalized teacher forcing.")
    parser.add_argument("--model", choices=("plrnn", "shplrnn", "alrnn"), default="alrnn",
                        help="the RNN (default: alrnn)")
    parser.add_argument("--data", required=True, help="HDF5 file of ODE trajectories (the noisy field where stored), "
                        "or a user's own (time, dim) array: .npy, .csv, .txt, or HDF5 with --key")
    parser.add_argument("--key", help="a user's own HDF5 file: the dataset holding the (time, dim) array")
    parser.add_argument("--dt", type=float, help="a user's own array: the time step, stored for the evaluation's "
                        "Lyapunov exponent per unit time (default: per step)")
    parser.add_argument("--sample", type=int, default=0, help="the trajectory to train on (default: 0)")
    parser.add_argument("--latent", type=int, default=20, help="latent units M (default: 20)")
    parser.add_argument("--pwl", type=int, help="alrnn only: piecewise-linear units P (default: 2)")
    parser.add_argument("--hidden", type=int, help="shplrnn only: hidden units (default: 50)")
    parser.add_argument("--epochs", type=int, help=f"training epochs (default: {TeacherForcingConfig.epochs})")
    parser.add_argument("--seeds", type=int, default=1,
                        help="models trained at once, seeds train.seed .. train.seed + K - 1 (default: 1)")
    add_common(parser, ("train", "select"), describe(_allowed()))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..data.training_sets import is_user_trajectory, ode_trajectory
    from ..models import ALRNN, LAST, PLRNN, RNNEnsemble, ShallowPLRNN, read_checkpoint
    from ..models.checkpoint import write_atomic
    from ..train import TeacherForcingConfig, seed_everything, train_teacher_forcing
    from ..train.selection import CheckpointSelection, SelectionConfig

    not_applicable(f"sciml train {FAMILY}", {"pwl": args.pwl, "hidden": args.hidden},
                   tuple(name for name, model in _ONLY.items() if model == args.model), f"--model {args.model}")
    if args.seeds < 1:
        raise UsageError(f"sciml train {FAMILY}: --seeds must be >= 1 (models trained at once), got {args.seeds}")
    last = Path(args.out) / LAST
    if last.is_file() and "selected" in read_checkpoint(last):
        print(f"run {args.out} is finished (selected model {read_checkpoint(last)['selected']})")
        return 0
    tables = settings(FAMILY, args.config, args.set, _allowed())
    config = constructed(TeacherForcingConfig, "[train]",
                         **tables["train"] | ({"epochs": args.epochs} if args.epochs is not None else {}))
    choice = constructed(SelectionConfig, "[select]", **tables["select"])
    if not is_user_trajectory(args.data):
        given = [name for name, value in (("--key", args.key), ("--dt", args.dt)) if value is not None]
        if given:
            raise UsageError(f"sciml train {FAMILY}: {', '.join(given)} applies to a user's own array, not to a dataset "
                             "of this package (it records its trajectories and time step)")
    trajectory, statistics = ode_trajectory(args.data, args.sample, args.key)
    if args.dt is not None:
        if not args.dt > 0:
            raise UsageError(f"sciml train {FAMILY}: --dt must be > 0, got {args.dt}")
        statistics["dt"] = args.dt
    observed = trajectory.shape[1]
    kind, options = {"plrnn": (PLRNN, {}), "shplrnn": (ShallowPLRNN, {"hidden": args.hidden or 50}),
                     "alrnn": (ALRNN, {"piecewise": 2 if args.pwl is None else args.pwl})}[args.model]
    models = []
    for k in range(args.seeds):
        seed_everything(config.seed + k)
        models.append(constructed(kind, f"--model {args.model}", observed=observed, latent=args.latent, **options))
    ensemble = RNNEnsemble.stack(models)
    selection = CheckpointSelection(ensemble, trajectory, choice)
    history = train_teacher_forcing(ensemble, trajectory, config, progress=not args.quiet, out=args.out,
                                    callback=selection, record={"metadata": statistics,
                                                                "train": dataclasses.asdict(config),
                                                                "select": dataclasses.asdict(choice)})
    if len(history.loss) % choice.every or not selection.best:
        selection.check(len(history.loss))  # the final models
    selected = selection.apply()
    chosen = ensemble if args.seeds > 1 else ensemble.member(0)
    saved = read_checkpoint(last) | {"model": type(chosen).__name__, "config": chosen.config,
                                     "state": chosen.state_dict(), "selected": selected,
                                     "selection": [dataclasses.asdict(check) for check in selection.log]}
    write_atomic(saved, last)
    for k, (check, _) in sorted(selection.best.items()):
        print(f"seed {config.seed + k}: selected epoch {check.epoch}, training D_stsp {check.D_stsp:.3f}, "
              f"D_H {check.D_H:.3f}, lambda_max {check.lyapunov:.4f} a step, final loss {history.loss[-1][k]:.4e}"
              + ("  <- selected" if k == selected else ""))
    print(f"{sum(history.seconds) / len(history.seconds):.2f} s an epoch; run {args.out}")
    return 0
