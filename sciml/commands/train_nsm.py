"""``sciml train nsm``: a neural spectral method trained on a PDE's residual alone (or on solver data)."""

from __future__ import annotations

import argparse
import dataclasses

from .errors import constructed
from .settings import add_common, config_defaults, constructor_defaults, describe, not_applicable, settings

FAMILY = "nsm"


def _allowed() -> dict[str, dict]:
    from ..models import NSM
    from ..train import SelfSupervisedConfig

    train = {key: value for key, value in config_defaults(SelfSupervisedConfig).items() if key != "spectral"}
    train["grid"] = "33 Chebyshev x 64 Fourier points (Poisson: 64 per axis)"
    return {"model": constructor_defaults(NSM, ("in_channels", "out_channels", "kinds")) | {"modes": "(12, 16) in 2D, "
            "(16,) in 1D"}, "train": train}


def add(families) -> None:
    from ..train.spectral_residual import PRESETS

    parser = families.add_parser(FAMILY, help="a neural spectral method on a PDE residual (no solution data)",
                                 description="Train an NSM on the spectral residual of a PDE (Du et al., ICLR 2024).")
    takes = "; ".join(f"{name} takes {', '.join('--' + f for f in _parameters(kind, fixed)) or 'neither'}"
                      for name, (kind, fixed) in PRESETS.items())
    parser.add_argument("--problem", choices=tuple(PRESETS), default="reaction-diffusion",
                        help=f"the problem (default: reaction-diffusion); {takes}")
    parser.add_argument("--nu", type=float,
                        help="viscosity or diffusivity (default: 0.01 reaction-diffusion, 0.1 burgers)")
    parser.add_argument("--rho", type=float, help="reaction rate (default: 5)")
    add_common(parser, ("model", "train"), describe(_allowed()))
    parser.set_defaults(handler=run)


def _parameters(kind, fixed: dict) -> tuple[str, ...]:
    fields = {field.name for field in dataclasses.fields(kind)} - set(fixed)
    return tuple(name for name in ("nu", "rho") if name in fields)


def run(args: argparse.Namespace) -> int:
    from ..models import NSM
    from ..train import SelfSupervisedConfig, seed_everything, train_self_supervised
    from ..train.spectral_residual import PRESETS

    kind, fixed = PRESETS[args.problem]
    given = {"nu": args.nu, "rho": args.rho}
    not_applicable(f"sciml train {FAMILY}", given, _parameters(kind, fixed), f"problem {args.problem!r}")
    tables = settings(FAMILY, args.config, args.set, _allowed())
    problem = constructed(kind, f"--problem {args.problem}", **fixed,
                          **{name: value for name, value in given.items() if value is not None})
    grid = tuple(33 if axis == "chebyshev" else 64 for axis in problem.kinds)
    config = constructed(SelfSupervisedConfig, "[train]", **{"grid": grid, **tables["train"]})
    seed_everything(config.seed)
    modes = (12, 16) if len(config.grid) == 2 else (16,)
    model = constructed(NSM, "[model]", in_channels=problem.channels, out_channels=problem.channels,
                        kinds=problem.kinds, **{"modes": modes, **tables["model"]})
    history = train_self_supervised(model, problem, config, progress=not args.quiet, out=args.out,
                                    record={"residual_problem": problem.spec(), "train": dataclasses.asdict(config)})
    print(f"final loss {history.loss[-1]:.3e} after {history.seconds:.1f} s ({len(history.loss)} steps); "
          f"run {args.out} (sciml evaluate {args.out})")
    return 0
