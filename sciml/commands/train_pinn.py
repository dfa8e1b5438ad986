"""``sciml train pinn``: a physics-informed network (PINN or Lagrangian PINN) on a 1D problem, no data."""

from __future__ import annotations

import argparse
import dataclasses

from .errors import UsageError, constructed
from .settings import add_common, config_defaults, constructor_defaults, describe, not_applicable, settings

FAMILY = "pinn"


def _allowed() -> dict[str, dict]:
    from ..models import PINN
    from ..train import PINNConfig

    return {"model": constructor_defaults(PINN, ("x_range", "t_range", "outputs")),
            "train": config_defaults(PINNConfig)}


def add(families) -> None:
    from ..train.pinn_problems import PARAMETERS

    parser = families.add_parser(FAMILY, help="a PINN or Lagrangian PINN on a 1D problem (no data)",
                                 description="Train a physics-informed network: Adam, then L-BFGS until it converges.")
    parser.add_argument("--model", choices=("pinn", "lpinn"), default="pinn",
                        help="pinn, or lpinn: along characteristics (default: pinn)")
    problems = "; ".join(f"{name} takes {', '.join('--' + p for p in parameters)}"
                         for name, parameters in PARAMETERS.items())
    parser.add_argument("--problem", choices=tuple(PARAMETERS), default="convection",
                        help=f"the problem (default: convection); {problems}")
    parser.add_argument("--beta", type=float, help="convection speed (default: 30)")
    parser.add_argument("--nu", type=float, help="viscosity or diffusivity (default: 0.01 for convection-diffusion "
                        "and reaction-diffusion, 0.01/pi for burgers)")
    parser.add_argument("--rho", type=float, help="reaction rate (default: 5)")
    add_common(parser, ("model", "train"), describe(_allowed()))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..models import LPINN, PINN
    from ..train import PINNConfig, make_problem, train_pinn
    from ..train.pinn_problems import PARAMETERS

    given = {"beta": args.beta, "nu": args.nu, "rho": args.rho}
    not_applicable(f"sciml train {FAMILY}", given, PARAMETERS[args.problem], f"problem {args.problem!r}")
    tables = settings(FAMILY, args.config, args.set, _allowed())
    problem = constructed(make_problem, f"--problem {args.problem}", name=args.problem, **given)
    config = constructed(PINNConfig, "[train]", **tables["train"])
    options = {"periodic": args.model == "lpinn" or problem.boundary == "periodic", **tables["model"]}
    if args.model == "lpinn" and not options["periodic"]:
        raise UsageError("sciml train pinn: --model lpinn needs model.periodic=true (its displacement is periodic)")
    model = constructed(LPINN if args.model == "lpinn" else PINN, f"--model {args.model}",
                        x_range=problem.x_range, t_range=(0.0, problem.t_max), **options)
    history = train_pinn(model, problem, config, progress=not args.quiet, out=args.out,
                         record={"problem": problem.spec(), "train": dataclasses.asdict(config)})
    lbfgs = history.lbfgs
    last = lbfgs["loss"] if lbfgs else history.adam_loss[-1]
    print(f"final loss {last:.3e} after {history.seconds:.1f} s"
          + (f"; L-BFGS {lbfgs['iterations']} iterations, stopped: {lbfgs['reason']}" if lbfgs else "")
          + f"; run {args.out} (sciml evaluate {args.out})")
    return 0
