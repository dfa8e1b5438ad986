"""The ``sciml`` command line.

    sciml generate RECIPE --out FILE [--samples N] [--set key=value ...] [--shard i/k] [--batch-size B]
                (under torchrun or in a Slurm job array: one shard per process or task, merged at the end)
    sciml merge PART.h5 ... --out FILE
    sciml inspect FILE [--card [CARD.md]]
    sciml export FILE --to netcdf|the-well|zarr --out PATH [--overwrite]
    sciml train fno|tfno|mgtfno|mgno --data FILE --out DIR [--epochs N] [--lag L | --rollout K [--pushforward]]
                [--config TOML] [--set key=value ...]         (under torchrun: data-parallel)
    sciml train plrnn|shplrnn|alrnn --data ODE.h5 --out DIR [--latent M] [--pwl P] [--set train.key=value ...]
    sciml train pinn|lpinn --problem NAME [--beta B] [--nu V] [--rho R] --out DIR [--set model|train.key=value ...]
    sciml train nsm --problem reaction-diffusion|burgers|nlse|poisson|poisson-2d [--nu V] --out DIR [--set ...]
    sciml compare RUN [--data TEST.h5] [--out DIR]
    sciml evaluate RUN --data ODE_TEST.h5 [--sample i] [--out DIR]
    sciml demo [--out DIR]
"""

from __future__ import annotations

import argparse
import sys


def _demo(args: argparse.Namespace) -> int:
    from . import demo

    report = demo.run(args.out, rtol=args.rtol, atol=args.atol)
    print(f"report: {report}")
    return 0


def _overrides(assignments: list[str]) -> dict[str, str]:
    overrides = {}
    for assignment in assignments:
        key, separator, value = assignment.partition("=")
        if not separator or not key:
            raise ValueError(f"--set takes key=value (e.g. grid.n=256), got {assignment!r}")
        overrides[key.strip()] = value.strip()
    return overrides


def _settings(assignments: list[str], allowed: dict[str, tuple[str, ...]], base: dict | None = None) -> dict[str, dict]:
    """``--set section.key=value`` (over an optional ``base`` of tables) checked against ``allowed`` keys."""
    from .data.recipe import parse_value

    settings: dict[str, dict] = {section: {} for section in allowed}
    for section, values in (base or {}).items():
        settings.setdefault(section, {}).update(values)
    for key, value in _overrides(assignments).items():
        section, _, name = key.partition(".")
        settings.setdefault(section, {})[name] = parse_value(value)
    if set(settings) - set(allowed):
        raise ValueError(f"unknown config section(s) {', '.join(sorted(set(settings) - set(allowed)))}; "
                         f"allowed: {', '.join(allowed)}")
    for section, keys in allowed.items():
        unknown = set(settings[section]) - set(keys)
        if unknown:
            raise ValueError(f"unknown {section} key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(keys)}")
    return settings


def _generate(args: argparse.Namespace) -> int:
    import os

    from .data import generate, load, parse_shard
    from .data.cluster import generate_placed, placement

    overrides = _overrides(args.set)
    if args.samples is not None:
        overrides["samples"] = str(args.samples)
    if args.seed is not None:
        overrides["seed"] = str(args.seed)
    recipe = load(args.recipe, overrides)
    options = {"batch_size": args.batch_size, "overwrite": args.overwrite, "progress": not args.quiet,
               "device": args.device}
    where = placement(os.environ, manual_shard=args.shard is not None)  # torchrun or a Slurm array: one shard each
    if where is not None:
        path = generate_placed(recipe, args.out, where, **options)
        merger = "rank 0" if where.engine == "torchrun" else "the task that writes the last shard"
        print(f"wrote {path}" if path else f"wrote shard {where.shard}/{where.count}; {merger} merges into {args.out}")
        return 0
    print(f"wrote {generate(recipe, args.out, shard=parse_shard(args.shard), **options)}")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from .data import merge

    print(f"wrote {merge(args.parts, args.out, overwrite=args.overwrite)}")
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from .data import inspect

    lines, problems = inspect(args.file)
    print("\n".join(lines))
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("ok" if not problems else f"{len(problems)} problem(s)")
    if args.card is not None and not problems:
        from .evaluate.card import card

        print(f"card: {card(args.file, args.card or None)}")
    return 0 if not problems else 1


def _export(args: argparse.Namespace) -> int:
    from .data.export import export

    print(f"wrote {export(args.file, args.to, args.out, overwrite=args.overwrite, progress=not args.quiet)}")
    return 0


def _train_rnn(args: argparse.Namespace) -> int:
    import dataclasses

    import torch

    from .data import open_checked
    from .models import ALRNN, PLRNN, ShallowPLRNN, save
    from .train import TeacherForcingConfig, train_teacher_forcing

    allowed = {"train": tuple(field.name for field in dataclasses.fields(TeacherForcingConfig))}
    config = TeacherForcingConfig(**{"epochs": args.epochs, **_settings(args.set, allowed)["train"]})
    with open_checked(args.data) as handle:
        field = "observed" if "observed" in handle else "u"
        if handle[field].ndim != 3:
            raise ValueError(f"{args.data}: {args.model} trains on ODE trajectories (samples, time, dim), "
                             f"got a field of shape {handle[field].shape}")
        trajectory = torch.as_tensor(handle[field][args.sample]).float()
    mean, std = trajectory.mean(0), trajectory.std(0)
    observed = trajectory.shape[1]
    torch.manual_seed(config.seed)
    model = {"plrnn": lambda: PLRNN(observed, args.latent),
             "shplrnn": lambda: ShallowPLRNN(observed, args.latent, args.hidden),
             "alrnn": lambda: ALRNN(observed, args.latent, args.pwl)}[args.model]()
    history = train_teacher_forcing(model, (trajectory - mean) / std, config, progress=not args.quiet)
    path = save(model, f"{args.out}/last.pt", history=dataclasses.asdict(history),
                metadata={"data": str(args.data), "field": field, "sample": args.sample, "mean": mean.tolist(),
                          "std": std.tolist()})
    print(f"final loss {history.loss[-1]:.4e}, alpha {history.alpha[-1]:.3f}, "
          f"{sum(history.seconds) / len(history.seconds):.2f} s an epoch; checkpoint {path}")
    return 0


def _train_pinn(args: argparse.Namespace) -> int:
    import dataclasses
    import inspect

    from .evaluate.pinn_report import compare_pinn
    from .models import LPINN, PINN, save
    from .train import PINNConfig, make_problem, train_pinn

    problem = make_problem(args.problem, beta=args.beta, nu=args.nu, rho=args.rho)
    allowed = {"model": tuple(name for name in inspect.signature(PINN).parameters
                              if name not in ("x_range", "t_range", "outputs")),
               "train": tuple(field.name for field in dataclasses.fields(PINNConfig))}
    settings = _settings(args.set, allowed)
    config = PINNConfig(**settings["train"])
    options = {"periodic": args.model == "lpinn" or problem.boundary == "periodic", **settings["model"]}
    model = (LPINN if args.model == "lpinn" else PINN)(x_range=problem.x_range, t_range=(0.0, problem.t_max), **options)
    history = train_pinn(model, problem, config, progress=not args.quiet)
    path = save(model, f"{args.out}/last.pt", problem=problem.spec(), train=dataclasses.asdict(config),
                history=dataclasses.asdict(history))
    metrics, report = compare_pinn(args.out, f"{args.out}/report")
    lbfgs = history.lbfgs
    print(f"relative L2 against the solver {metrics['relative L2']:.3e} after {history.seconds:.1f} s"
          + (f"; L-BFGS {lbfgs['iterations']} iterations, stopped: {lbfgs['reason']}" if lbfgs else "")
          + f"; checkpoint {path}; report {report}")
    return 0


def _train_nsm(args: argparse.Namespace) -> int:
    import dataclasses
    import inspect

    from .evaluate.nsm_report import compare_self_supervised
    from .models import NSM, save
    from .train.self_supervised import SelfSupervisedConfig, train_self_supervised
    from .train.spectral_residual import NLSE, Burgers, Poisson, ReactionDiffusion

    problems = {"reaction-diffusion": (ReactionDiffusion, {}), "burgers": (Burgers, {}), "nlse": (NLSE, {}),
                "poisson": (Poisson, {"dimensions": 1}), "poisson-2d": (Poisson, {"dimensions": 2})}
    if args.problem not in problems:
        raise ValueError(f"unknown problem {args.problem!r} for nsm; allowed: {', '.join(problems)}")
    kind, fields = problems[args.problem]
    options = {name: value for name, value in (("nu", args.nu), ("rho", args.rho)) if value is not None}
    inapplicable = sorted(set(options) - {field.name for field in dataclasses.fields(kind)})
    if inapplicable:
        raise ValueError(f"--{', --'.join(inapplicable)} does not apply to nsm problem {args.problem!r}")
    problem = kind(**fields, **options)
    allowed = {"model": tuple(name for name in inspect.signature(NSM).parameters
                              if name not in ("in_channels", "out_channels", "kinds")),
               "train": tuple(field.name for field in dataclasses.fields(SelfSupervisedConfig)
                              if field.name != "spectral")}
    settings = _settings(args.set, allowed)
    grid = tuple(33 if kind == "chebyshev" else 64 for kind in problem.kinds)
    config = SelfSupervisedConfig(**{"grid": grid, **settings["train"]})
    modes = (12, 16) if len(config.grid) == 2 else (16,)
    model = NSM(problem.channels, problem.channels, kinds=problem.kinds, **{"modes": modes, **settings["model"]})
    history = train_self_supervised(model, problem, config, progress=not args.quiet)
    path = save(model, f"{args.out}/last.pt", residual_problem=problem.spec(), train=dataclasses.asdict(config),
                history=dataclasses.asdict(history))
    metrics, report = compare_self_supervised(args.out, f"{args.out}/report")
    print(f"relative L2 against the solver {metrics['relative L2 (mean)']:.3e} after {history.seconds:.1f} s "
          f"({len(history.loss)} steps); checkpoint {path}; report {report}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluate.reconstruction import evaluate

    metrics, report = evaluate(args.run, args.data, args.out or f"{args.run}/evaluation", sample=args.sample)
    for name, value in metrics.items():
        print(f"{name}: {value:.4g}")
    print(f"report: {report}")
    return 0


def _train(args: argparse.Namespace) -> int:
    if args.model in ("pinn", "lpinn"):
        return _train_pinn(args)
    if args.model == "nsm":
        return _train_nsm(args)
    if args.data is None:
        raise ValueError(f"sciml train {args.model} needs --data")
    if args.model in ("plrnn", "shplrnn", "alrnn"):
        return _train_rnn(args)
    import dataclasses
    import inspect
    import tomllib
    from pathlib import Path

    import torch

    from .data import OperatorPairs, Windows
    from .models import FNO, MGTFNO, TFNO, MgNO
    from .train import LOSSES, Rollout, TrainConfig, Trainer

    models = {"fno": FNO, "tfno": TFNO, "mgtfno": MGTFNO, "mgno": MgNO}
    signature = inspect.signature(FNO if args.model == "tfno" else models[args.model])
    allowed = {
        "model": tuple(name for name in signature.parameters if name not in ("in_channels", "out_channels")),
        "train": tuple(field.name for field in dataclasses.fields(TrainConfig)),
    }
    settings = _settings(args.set, allowed, tomllib.loads(Path(args.config).read_text()) if args.config else None)
    train_settings = {"epochs": args.epochs, **settings["train"]}
    config = TrainConfig(**train_settings)
    if args.rollout > 1 and args.lag != 1:
        raise ValueError("--rollout trains on consecutive snapshots; it cannot be combined with --lag")
    data = Windows(args.data, inputs=1, outputs=args.rollout) if args.rollout > 1 else OperatorPairs(args.data, lag=args.lag)
    samples = data.shape[0]
    validation_samples = max(1, round(args.validation_fraction * samples))
    per_sample = len(data) // samples
    cut = (samples - validation_samples) * per_sample
    train, validation = torch.utils.data.Subset(data, range(cut)), torch.utils.data.Subset(data, range(cut, len(data)))
    channels = data[0]["x"].shape[-2]
    torch.manual_seed(config.seed)
    model = models[args.model](in_channels=channels, out_channels=channels, **settings["model"])
    rollout = Rollout(args.rollout, args.pushforward) if args.rollout > 1 else None
    trainer = Trainer(model, LOSSES[args.loss](), config, out=args.out, forward=rollout,
                      metadata={"data": str(args.data), "lag": args.lag, "standardize": False,
                                "rollout": args.rollout, "pushforward": args.pushforward})
    history = trainer.fit(train, validation, progress=not args.quiet)
    if trainer.rank == 0:
        print(f"validation relative error {history.validation[-1]:.4e} after {trainer.epoch} epochs; "
              f"checkpoint {args.out}/last.pt")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .evaluate import compare
    from .evaluate.nsm_report import compare_self_supervised
    from .evaluate.pinn_report import compare_pinn
    from .models import load

    out = args.out or f"{args.run}/report"
    extra = load(Path(args.run) / "last.pt")[1]
    if "problem" in extra or "residual_problem" in extra:
        metrics, report = (compare_pinn if "problem" in extra else compare_self_supervised)(args.run, out)
        for name, value in metrics.items():
            print(f"{name}: {value:.4g}")
    elif args.data is None:
        raise ValueError(f"{args.run} holds a neural operator: sciml compare needs --data (held-out HDF5 dataset)")
    else:
        report = compare(args.run, args.data, out, samples=args.samples)
    print(f"report: {report}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sciml", description="Solvers, datasets and learned surrogates.")
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="generate a dataset file from a recipe")
    generate.add_argument("recipe", help="a recipe name (see datasets/) or a path to a .toml recipe")
    generate.add_argument("--out", required=True, help="output HDF5 file")
    generate.add_argument("--samples", type=int, help="override the recipe's sample count")
    generate.add_argument("--seed", type=int, help="override the recipe's seed")
    generate.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                          help="override a recipe value, e.g. grid.n=256 (repeatable)")
    generate.add_argument("--shard", help="generate only shard i of k, e.g. 3/8")
    generate.add_argument("--batch-size", type=int, default=64, help="samples solved together (default 64)")
    generate.add_argument("--device", default="cpu", help="where to solve: cpu (default) or cuda")
    generate.add_argument("--overwrite", action="store_true", help="replace an existing complete file")
    generate.add_argument("--quiet", action="store_true", help="no progress bar")
    generate.set_defaults(handler=_generate)

    merge = commands.add_parser("merge", help="merge complete shard files into one")
    merge.add_argument("parts", nargs="+", help="shard files")
    merge.add_argument("--out", required=True, help="merged HDF5 file")
    merge.add_argument("--overwrite", action="store_true", help="replace an existing file")
    merge.set_defaults(handler=_merge)

    inspect = commands.add_parser("inspect", help="summarise a dataset file and check it")
    inspect.add_argument("file")
    inspect.add_argument("--card", nargs="?", const="", metavar="CARD.md",
                         help="also write a Markdown dataset card and its figure (default: FILE stem + .card.md)")
    inspect.set_defaults(handler=_inspect)

    export = commands.add_parser("export", help="write a dataset file as NetCDF, The Well's HDF5 layout or Zarr")
    export.add_argument("file", help="a complete dataset file")
    export.add_argument("--to", required=True, help="netcdf, the-well or zarr")
    export.add_argument("--out", required=True, help="output file (netcdf, the-well) or folder (zarr)")
    export.add_argument("--overwrite", action="store_true", help="replace an existing output")
    export.add_argument("--quiet", action="store_true", help="no progress bar")
    export.set_defaults(handler=_export)

    train = commands.add_parser("train", help="train a neural operator, or a PWL RNN on ODE trajectories")
    train.add_argument("model", choices=("fno", "tfno", "mgtfno", "mgno", "plrnn", "shplrnn", "alrnn", "pinn", "lpinn",
                                                "nsm"))
    train.add_argument("--data", help="HDF5 dataset (operators: pairs u(t) -> u(t + lag); RNNs: ODE trajectories)")
    train.add_argument("--out", required=True, help="run folder (checkpoints; rerun to resume)")
    train.add_argument("--epochs", type=int, default=50)
    train.add_argument("--lag", type=int, default=1, help="target snapshot offset (default 1)")
    train.add_argument("--rollout", type=int, default=1,
                       help="train autoregressively over this many consecutive steps (default 1: one-step pairs)")
    train.add_argument("--pushforward", action="store_true",
                       help="with --rollout: detach each step's input, no gradient through the chain (pushforward trick)")
    train.add_argument("--loss", choices=("l2", "l1", "h1"), default="l2")
    train.add_argument("--validation-fraction", type=float, default=0.1, help="last samples held out")
    train.add_argument("--config", help="TOML with [model] and [train] tables")
    train.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                       help="override, e.g. model.width=32 or train.learning_rate=3e-3")
    train.add_argument("--latent", type=int, default=20, help="RNNs: latent units M (default 20)")
    train.add_argument("--pwl", type=int, default=2, help="AL-RNN: piecewise-linear units P (default 2)")
    train.add_argument("--hidden", type=int, default=50, help="shallow PLRNN: hidden units (default 50)")
    train.add_argument("--sample", type=int, default=0, help="RNNs: the trajectory (sample) to train on")
    train.add_argument("--problem", default="convection", help="PINN/LPINN: convection (default), "
                       "convection-diffusion, burgers, reaction-diffusion; NSM: reaction-diffusion, burgers, "
                       "nlse, poisson, poisson-2d")
    train.add_argument("--beta", type=float, help="PINN/LPINN: convection speed (default 30)")
    train.add_argument("--nu", type=float, help="PINN/LPINN/NSM (reaction-diffusion, burgers): viscosity or "
                       "diffusivity (problem's default)")
    train.add_argument("--rho", type=float, help="PINN/LPINN/NSM (reaction-diffusion): reaction rate (default 5)")
    train.add_argument("--quiet", action="store_true")
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("evaluate", help="evaluate a PWL RNN run on a held-out ODE trajectory")
    evaluate.add_argument("run", help="run folder with last.pt")
    evaluate.add_argument("--data", required=True, help="HDF5 file of ODE trajectories (clean field u)")
    evaluate.add_argument("--sample", type=int, default=0, help="the test trajectory (default 0)")
    evaluate.add_argument("--out", help="report folder (default: RUN/evaluation)")
    evaluate.set_defaults(handler=_evaluate)

    compare = commands.add_parser("compare", help="compare a trained model with the solver on held-out data")
    compare.add_argument("run", help="run folder with last.pt")
    compare.add_argument("--data", help="held-out HDF5 dataset (operators; PINN and NSM runs are compared with "
                         "their problem's solver)")
    compare.add_argument("--out", help="report folder (default: RUN/report)")
    compare.add_argument("--samples", type=int, default=32, help="held-out samples used (default 32)")
    compare.set_defaults(handler=_compare)

    demo = commands.add_parser("demo", help="solve the NLSE demo cases and write a report")
    demo.add_argument("--out", default="runs/demo", help="output folder (default: runs/demo)")
    demo.add_argument("--rtol", type=float, default=1e-10, help="relative tolerance (default: 1e-10)")
    demo.add_argument("--atol", type=float, default=1e-12, help="absolute tolerance (default: 1e-12)")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .data import DatasetFileError, RecipeError
    from .data.extras import MissingExtraError

    try:
        return args.handler(args)
    except (RecipeError, DatasetFileError, ValueError, TypeError, FileExistsError, PermissionError,
            FileNotFoundError, MissingExtraError) as error:
        print(f"sciml {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
