"""The ``sciml`` command line.

    sciml generate RECIPE --out FILE [--samples N] [--set key=value ...] [--shard i/k] [--batch-size B]
    sciml merge PART.h5 ... --out FILE
    sciml inspect FILE
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


def _generate(args: argparse.Namespace) -> int:
    from .data import generate, load, parse_shard

    overrides = _overrides(args.set)
    if args.samples is not None:
        overrides["samples"] = str(args.samples)
    if args.seed is not None:
        overrides["seed"] = str(args.seed)
    recipe = load(args.recipe, overrides)
    path = generate(recipe, args.out, shard=parse_shard(args.shard), batch_size=args.batch_size,
                    overwrite=args.overwrite, progress=not args.quiet)
    print(f"wrote {path}")
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
    return 0 if not problems else 1


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
    generate.add_argument("--overwrite", action="store_true", help="replace an existing complete file")
    generate.add_argument("--quiet", action="store_true", help="no progress bar")
    generate.set_defaults(run=_generate)

    merge = commands.add_parser("merge", help="merge complete shard files into one")
    merge.add_argument("parts", nargs="+", help="shard files")
    merge.add_argument("--out", required=True, help="merged HDF5 file")
    merge.add_argument("--overwrite", action="store_true", help="replace an existing file")
    merge.set_defaults(run=_merge)

    inspect = commands.add_parser("inspect", help="summarise a dataset file and check it")
    inspect.add_argument("file")
    inspect.set_defaults(run=_inspect)

    demo = commands.add_parser("demo", help="solve the NLSE demo cases and write a report")
    demo.add_argument("--out", default="runs/demo", help="output folder (default: runs/demo)")
    demo.add_argument("--rtol", type=float, default=1e-10, help="relative tolerance (default: 1e-10)")
    demo.add_argument("--atol", type=float, default=1e-12, help="absolute tolerance (default: 1e-12)")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .data import DatasetFileError, RecipeError

    try:
        return args.run(args)
    except (RecipeError, DatasetFileError, ValueError, TypeError, FileExistsError, PermissionError,
            FileNotFoundError) as error:
        print(f"sciml {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
