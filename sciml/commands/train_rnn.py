"""``sciml train rnn``: a piecewise-linear RNN (PLRNN, shallow PLRNN, AL-RNN) on one ODE trajectory, by
teacher forcing."""

from __future__ import annotations

import argparse
import dataclasses

from .errors import constructed
from .settings import add_common, config_defaults, describe, not_applicable, settings

FAMILY = "rnn"
_ONLY = {"pwl": "alrnn", "hidden": "shplrnn"}  # options of one model


def _allowed() -> dict[str, dict]:
    from ..train import TeacherForcingConfig

    return {"train": config_defaults(TeacherForcingConfig)}


def add(families) -> None:
    from ..train import TeacherForcingConfig

    parser = families.add_parser(FAMILY, help="a piecewise-linear RNN on an ODE trajectory (teacher forcing)",
                                 description="Train a PLRNN, shallow PLRNN or AL-RNN by generalized teacher forcing.")
    parser.add_argument("--model", choices=("plrnn", "shplrnn", "alrnn"), default="alrnn",
                        help="the RNN (default: alrnn)")
    parser.add_argument("--data", required=True, help="HDF5 file of ODE trajectories (the noisy field where stored)")
    parser.add_argument("--sample", type=int, default=0, help="the trajectory to train on (default: 0)")
    parser.add_argument("--latent", type=int, default=20, help="latent units M (default: 20)")
    parser.add_argument("--pwl", type=int, help="alrnn only: piecewise-linear units P (default: 2)")
    parser.add_argument("--hidden", type=int, help="shplrnn only: hidden units (default: 50)")
    parser.add_argument("--epochs", type=int, help=f"training epochs (default: {TeacherForcingConfig.epochs})")
    add_common(parser, ("train",), describe(_allowed()))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..data.training_sets import ode_trajectory
    from ..models import ALRNN, PLRNN, ShallowPLRNN
    from ..train import TeacherForcingConfig, seed_everything, train_teacher_forcing

    not_applicable(f"sciml train {FAMILY}", {"pwl": args.pwl, "hidden": args.hidden},
                   tuple(name for name, model in _ONLY.items() if model == args.model), f"--model {args.model}")
    tables = settings(FAMILY, args.config, args.set, _allowed())
    config = constructed(TeacherForcingConfig, "[train]",
                         **tables["train"] | ({"epochs": args.epochs} if args.epochs is not None else {}))
    trajectory, statistics = ode_trajectory(args.data, args.sample)
    seed_everything(config.seed)
    observed = trajectory.shape[1]
    kind, options = {"plrnn": (PLRNN, {}), "shplrnn": (ShallowPLRNN, {"hidden": args.hidden or 50}),
                     "alrnn": (ALRNN, {"piecewise": 2 if args.pwl is None else args.pwl})}[args.model]
    model = constructed(kind, f"--model {args.model}", observed=observed, latent=args.latent, **options)
    history = train_teacher_forcing(model, trajectory, config, progress=not args.quiet, out=args.out,
                                    record={"metadata": statistics, "train": dataclasses.asdict(config)})
    print(f"final loss {history.loss[-1]:.4e}, alpha {history.alpha[-1]:.3f}, "
          f"{sum(history.seconds) / len(history.seconds):.2f} s an epoch; run {args.out}")
    return 0
