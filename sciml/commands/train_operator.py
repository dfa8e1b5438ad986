"""``sciml train operator``: a neural operator on pairs or rollouts of a 1D or 2D field dataset (data-parallel
under torchrun).

The model is built for the file's spatial dimensions: an integer ``model.modes`` is used along every axis,
MgNO gets ``dimensions``, NSM Fourier axes. ``--history H`` feeds the last ``H`` snapshots as channels
(the FNO paper's Navier-Stokes protocol: 10 in, the following ones predicted autoregressively);
``--conserve-mass`` wraps the operator so that every predicted step keeps its input's discrete mass (NLSE data).
"""

from __future__ import annotations

import argparse

from .errors import UsageError, constructed
from .settings import add_common, config_defaults, constructor_defaults, describe, settings

FAMILY = "operator"
_EXCLUDED = ("in_channels", "out_channels", "kinds")


def _models() -> dict:
    from ..models import FNO, MGTFNO, NSM, TFNO, MgNO

    return {"fno": FNO, "tfno": TFNO, "mgtfno": MGTFNO, "mgno": MgNO, "nsm": NSM}


def _allowed(model: str) -> dict[str, dict]:
    from ..models import FNO
    from ..train import TrainConfig

    kind = _models()[model]
    defaults = constructor_defaults(FNO if model == "tfno" else kind, _EXCLUDED)
    if model == "nsm":
        defaults["modes"] = 16
    return {"model": defaults, "train": config_defaults(TrainConfig)}


def _for_dimensions(model: str, options: dict, spatial: int) -> dict:
    """The model's arguments for fields of ``spatial`` dimensions: integer modes along every axis, MgNO's
    ``dimensions``, NSM's Fourier axes; a setting for another dimension is a :class:`UsageError`."""
    options = dict(options)
    if model == "mgno":
        if options.setdefault("dimensions", spatial) != spatial:
            raise UsageError(f"sciml train operator: model.dimensions={options['dimensions']} but the data have "
                             f"{spatial} spatial dimension(s)")
        return options
    modes = options.get("modes", _allowed(model)["model"]["modes"])
    modes = [modes] * spatial if isinstance(modes, int) else list(modes)
    if len(modes) != spatial:
        raise UsageError(f"sciml train operator: model.modes={modes} gives {len(modes)} axes, the data have {spatial}")
    options["modes"] = modes
    if model == "nsm":
        options["kinds"] = ["fourier"] * spatial
    return options


def add(families) -> None:
    from ..train import LOSSES, TrainConfig

    parser = families.add_parser(FAMILY, help="a neural operator (FNO, TFNO, MG-TFNO, MgNO, NSM) on a field dataset",
                                 description="Train a neural operator on u(t) -> u(t + lag) pairs or on rollouts.")
    parser.add_argument("--model", choices=tuple(_models()), default="fno", help="the operator (default: fno)")
    parser.add_argument("--data", required=True, help="HDF5 field dataset (sciml generate)")
    parser.add_argument("--epochs", type=int, help=f"training epochs (default: {TrainConfig.epochs})")
    parser.add_argument("--lag", type=int, help="target snapshot offset of one-step pairs (default: 1)")
    parser.add_argument("--rollout", type=int, help="train autoregressively over this many consecutive steps "
                        "(default: 1, one-step pairs)")
    parser.add_argument("--pushforward", action="store_true", help="with --rollout: no gradient through the chain "
                        "(the pushforward trick; default: off)")
    parser.add_argument("--history", type=int, help="input snapshots stacked as channels, the model predicting the "
                        "next one (default: 1; the FNO paper's Navier-Stokes protocol: 10)")
    parser.add_argument("--conserve-mass", action="store_true", help="NLSE data: rescale every predicted step to "
                        "its input's discrete mass, conserving it exactly (default: off)")
    parser.add_argument("--loss", choices=tuple(LOSSES), default="l2", help="relative loss (default: l2)")
    parser.add_argument("--validation-fraction", type=float, default=0.1,
                        help="share of the samples (the last ones) held out for validation (default: 0.1)")
    keys = "; ".join(f"with --model {name}: {describe({'model': _allowed(name)['model']})}" for name in _models())
    add_common(parser, ("model", "train"), f"{describe({'train': _allowed('fno')['train']})}; {keys}")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..data import open_checked
    from ..data.recipe import NLSE_SYSTEMS
    from ..data.training_sets import operator_split
    from ..models import MassConserving
    from ..train import LOSSES, Rollout, TrainConfig, Trainer, seed_everything

    for other in ("rollout", "history"):
        if getattr(args, other) is not None and args.lag is not None:
            raise UsageError(f"sciml train operator: --{other} trains on consecutive snapshots; it cannot be combined "
                             "with --lag")
    if args.pushforward and (args.rollout or 1) == 1:
        raise UsageError("sciml train operator: --pushforward applies only with --rollout K > 1")
    if not 0 < args.validation_fraction < 1:
        raise UsageError("sciml train operator: --validation-fraction must be in (0, 1), "
                         f"got {args.validation_fraction}")
    for name in ("lag", "rollout", "epochs", "history"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise UsageError(f"sciml train operator: --{name} must be >= 1, got {getattr(args, name)}")
    lag, rollout, history = args.lag or 1, args.rollout or 1, args.history or 1
    tables = settings(FAMILY, args.config, args.set, _allowed(args.model))
    train_settings = tables["train"] | ({"epochs": args.epochs} if args.epochs is not None else {})
    config = constructed(TrainConfig, "[train]", **train_settings)
    if args.conserve_mass:
        with open_checked(args.data) as handle:
            system = str(handle.attrs["system"])
        if system not in NLSE_SYSTEMS:
            raise UsageError(f"sciml train operator: --conserve-mass applies to NLSE data (mass = int |psi|^2), "
                             f"{args.data} holds {system}")
    train, validation, channels, spatial = operator_split(args.data, lag, rollout, args.validation_fraction, history)
    seed_everything(config.seed)
    options = _for_dimensions(args.model, tables["model"], spatial)
    kind = _models()[args.model]
    if args.conserve_mass:
        options, kind = {"operator": kind.__name__, **options}, MassConserving
    model = constructed(kind, f"--model {args.model}", in_channels=history * channels, out_channels=channels,
                        **options)
    trainer = Trainer(model, LOSSES[args.loss](spatial), config, out=args.out,
                      forward=Rollout(rollout, args.pushforward, history) if rollout > 1 or history > 1 else None,
                      metadata={"data": str(args.data), "lag": lag, "rollout": rollout, "pushforward": args.pushforward,
                                "history": history, "conserve_mass": args.conserve_mass, "loss": args.loss,
                                "validation_fraction": args.validation_fraction})
    fitted = trainer.fit(train, validation, progress=not args.quiet)
    if trainer.rank == 0:
        print(f"validation relative error {fitted.validation[-1]:.4e} after {trainer.epoch} epochs; "
              f"run {args.out}")
    return 0
