"""The ``sciml`` command line.

    sciml generate RECIPE --out FILE [--samples N] [--set key=value ...] [--shard i/k] [--batch-size B]
                (under torchrun or in a Slurm job array: one shard per process or task, merged at the end)
    sciml merge PART.h5 ... --out FILE
    sciml inspect FILE [--card [CARD.md]]
    sciml export FILE --to netcdf|the-well|zarr --out PATH [--overwrite]
    sciml train operator --model fno|tfno|mgtfno|mgno|nsm --data FILE --out DIR [--epochs N] [--lag L | --rollout K
                [--pushforward]] [--history H] [--conserve-mass]     (under torchrun: data-parallel)
    sciml train pinn --model pinn|lpinn --problem NAME [--beta B] [--nu V] [--rho R] --out DIR
    sciml train nsm [--problem reaction-diffusion|burgers|nlse|poisson|poisson-2d] [--nu V] [--rho R] --out DIR
    sciml train rnn --model plrnn|shplrnn|alrnn --data ODE.h5 --out DIR [--latent M] [--pwl P | --hidden H]
    sciml evaluate RUN [--data TEST.h5] [--sample i | --samples N] [--out DIR]
    sciml check-kernels [--device cuda]
    sciml demo [--out DIR]

Every ``train`` family takes ``--config TOML`` and ``--set section.key=value``; its ``--help`` lists its
options, keys and defaults; an option of another family is an error naming the option and the family.
A mistake of the user's (:class:`~sciml.commands.errors.UsageError`, a bad recipe or dataset file, a
missing file) is one line on stderr and exit code 2; anything else keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys

from .commands import evaluate, train_nsm, train_operator, train_pinn, train_rnn
from .commands.errors import Parser, UsageError
from .commands.settings import overrides


def _demo(args: argparse.Namespace) -> int:
    from . import demo

    report = demo.run(args.out, rtol=args.rtol, atol=args.atol)
    print(f"report: {report}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    import os

    from .data import generate, load, parse_shard
    from .data.simulate import check_device
    from .data.cluster import generate_placed, placement

    if args.batch_size < 1:
        raise UsageError(f"sciml generate: --batch-size must be >= 1, got {args.batch_size}")
    try:  # the user's --shard and --device, checked before any work
        shard, _ = parse_shard(args.shard), check_device(args.device)
    except ValueError as error:
        raise UsageError(str(error)) from error
    values = overrides(args.set)
    if args.samples is not None:
        values["samples"] = str(args.samples)
    if args.seed is not None:
        values["seed"] = str(args.seed)
    recipe = load(args.recipe, values)
    options = {"batch_size": args.batch_size, "overwrite": args.overwrite, "progress": not args.quiet,
               "device": args.device}
    where = placement(os.environ, manual_shard=args.shard is not None)  # torchrun or a Slurm array: one shard each
    if where is not None:
        path = generate_placed(recipe, args.out, where, **options)
        merger = "rank 0" if where.engine == "torchrun" else "the task that writes the last shard"
        print(f"wrote {path}" if path else f"wrote shard {where.shard}/{where.count}; {merger} merges into {args.out}")
        return 0
    print(f"wrote {generate(recipe, args.out, shard=shard, **options)}")
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
    from .data.export import FORMATS, export

    if args.to not in FORMATS:
        raise UsageError(f"unknown export format {args.to!r}; allowed: {', '.join(FORMATS)}")

    print(f"wrote {export(args.file, args.to, args.out, overwrite=args.overwrite, progress=not args.quiet)}")
    return 0


def _check_kernels(args: argparse.Namespace) -> int:
    import torch

    from solvers.spectral import backend, self_check

    if not backend.triton_runs_on(torch.device(args.device)):
        raise UsageError(f"sciml check-kernels: Triton cannot run on {args.device} (it needs CUDA and the triton "
                         "package, or TRITON_INTERPRET=1 on a CPU)")
    rows = self_check.check_all(args.device)
    print(self_check.table(rows))
    return 0 if all(row.passed for row in rows) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="sciml", description="Solvers, datasets and learned surrogates.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

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

    train = commands.add_parser("train", help="train a model of one family: operator, pinn, nsm or rnn",
                                description="Train a model; each family has its own options "
                                "(sciml train FAMILY --help).")
    families = train.add_subparsers(dest="family", required=True, parser_class=Parser)
    for family in (train_operator, train_pinn, train_nsm, train_rnn):
        family.add(families)

    evaluate.add(commands)

    kernels = commands.add_parser("check-kernels",
                                  help="compare every Triton kernel with its torch reference on a device")
    kernels.add_argument("--device", default="cuda",
                         help="the device to check (default: cuda; cpu needs TRITON_INTERPRET=1)")
    kernels.set_defaults(handler=_check_kernels)

    demo = commands.add_parser("demo", help="solve the NLSE demo cases and write a report")
    demo.add_argument("--out", default="runs/demo", help="output folder (default: runs/demo)")
    demo.add_argument("--rtol", type=float, default=1e-10, help="relative tolerance (default: 1e-10)")
    demo.add_argument("--atol", type=float, default=1e-12, help="absolute tolerance (default: 1e-12)")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .data import DatasetFileError, RecipeError
    from .data.extras import MissingExtraError

    command = "sciml"
    try:
        args, unknown = build_parser().parse_known_args(argv)
        command = " ".join(("sciml", args.command, getattr(args, "family", "") or "")).strip()
        if unknown:
            options = [word for word in unknown if word.startswith("-")] or unknown
            raise UsageError(f"{' '.join(options)}: not an option of {command} (see {command} --help)")
        return args.handler(args)
    except (UsageError, RecipeError, DatasetFileError, FileExistsError, PermissionError, FileNotFoundError,
            MissingExtraError) as error:
        message = str(error)
        print(message if message.startswith("sciml") else f"{command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
