"""``sciml train operator``: a neural operator on pairs or rollouts of a field dataset (data-parallel under
torchrun)."""

from __future__ import annotations

import argparse

from .errors import UsageError, constructed
from .settings import add_common, config_defaults, constructor_defaults, describe, settings

FAMILY = "operator"
_EXCLUDED = ("in_channels", "out_channels")


def _models() -> dict:
    from ..models import FNO, MGTFNO, TFNO, MgNO

    return {"fno": FNO, "tfno": TFNO, "mgtfno": MGTFNO, "mgno": MgNO}


def _allowed(model: str) -> dict[str, dict]:
    from ..models import FNO
    from ..train import TrainConfig

    kind = _models()[model]
    return {"model": constructor_defaults(FNO if model == "tfno" else kind, _EXCLUDED),
            "train": config_defaults(TrainConfig)}


def add(families) -> None:
    from ..train import LOSSES, TrainConfig

    parser = families.add_parser(FAMILY, help="a neural operator (FNO, TFNO, MG-TFNO, MgNO) on a field dataset",
                                 description="Train a neural operator on u(t) -> u(t + lag) pairs or on rollouts.")
    parser.add_argument("--model", choices=tuple(_models()), default="fno", help="the operator (default: fno)")
    parser.add_argument("--data", required=True, help="HDF5 field dataset (sciml generate)")
    parser.add_argument("--epochs", type=int, help=f"training epochs (default: {TrainConfig.epochs})")
    parser.add_argument("--lag", type=int, help="target snapshot offset of one-step pairs (default: 1)")
    parser.add_argument("--rollout", type=int, help="train autoregressively over this many consecutive steps "
                        "(default: 1, one-step pairs)")
    parser.add_argument("--pushforward", action="store_true", help="with --rollout: no gradient through the chain "
                        "(the pushforward trick; default: off)")
    parser.add_argument("--loss", choices=tuple(LOSSES), default="l2", help="relative loss (default: l2)")
    parser.add_argument("--validation-fraction", type=float, default=0.1,
                        help="share of the samples (the last ones) held out for validation (default: 0.1)")
    keys = "; ".join(f"with --model {name}: {describe({'model': _allowed(name)['model']})}" for name in _models())
    add_common(parser, ("model", "train"), f"{describe({'train': _allowed('fno')['train']})}; {keys}")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..data.training_sets import operator_split
    from ..train import LOSSES, Rollout, TrainConfig, Trainer, seed_everything

    if args.rollout is not None and args.lag is not None:
        raise UsageError("sciml train operator: --rollout trains on consecutive snapshots; it cannot be combined "
                         "with --lag")
    if args.pushforward and (args.rollout or 1) == 1:
        raise UsageError("sciml train operator: --pushforward applies only with --rollout K > 1")
    if not 0 < args.validation_fraction < 1:
        raise UsageError("sciml train operator: --validation-fraction must be in (0, 1), "
                         f"got {args.validation_fraction}")
    for name in ("lag", "rollout", "epochs"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise UsageError(f"sciml train operator: --{name} must be >= 1, got {getattr(args, name)}")
    lag, rollout = args.lag or 1, args.rollout or 1
    tables = settings(FAMILY, args.config, args.set, _allowed(args.model))
    train_settings = tables["train"] | ({"epochs": args.epochs} if args.epochs is not None else {})
    config = constructed(TrainConfig, "[train]", **train_settings)
    train, validation, channels = operator_split(args.data, lag, rollout, args.validation_fraction)
    seed_everything(config.seed)
    model = constructed(_models()[args.model], f"--model {args.model}", in_channels=channels, out_channels=channels,
                        **tables["model"])
    trainer = Trainer(model, LOSSES[args.loss](), config, out=args.out,
                      forward=Rollout(rollout, args.pushforward) if rollout > 1 else None,
                      metadata={"data": str(args.data), "lag": lag, "rollout": rollout, "pushforward": args.pushforward,
                                "loss": args.loss, "validation_fraction": args.validation_fraction})
    history = trainer.fit(train, validation, progress=not args.quiet)
    if trainer.rank == 0:
        print(f"validation relative error {history.validation[-1]:.4e} after {trainer.epoch} epochs; "
              f"run {args.out}")
    return 0
