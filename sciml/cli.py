"""The ``sciml`` command line: ``sciml demo`` (more subcommands arrive with datasets and models)."""

from __future__ import annotations

import argparse
import sys


def _demo(args: argparse.Namespace) -> int:
    from . import demo

    report = demo.run(args.out, rtol=args.rtol, atol=args.atol)
    print(f"report: {report}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sciml", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="solve the NLSE demo cases and write a report")
    demo.add_argument("--out", default="runs/demo", help="output folder (default: runs/demo)")
    demo.add_argument("--rtol", type=float, default=1e-10, help="relative tolerance (default: 1e-10)")
    demo.add_argument("--atol", type=float, default=1e-12, help="absolute tolerance (default: 1e-12)")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, FileNotFoundError) as error:
        print(f"sciml {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
