"""``sciml evaluate RUN``: a trained run against the numerical solution, chosen by the family the run records."""

from __future__ import annotations

import argparse

from .errors import UsageError
from .settings import not_applicable

_OPTIONS = {"operator": ("data", "samples"), "rnn": ("data", "sample", "member", "key"), "pinn": (), "nsm": ()}
_FOLDER = {"operator": "report", "pinn": "report", "nsm": "report", "rnn": "evaluation"}


def add(commands) -> None:
    parser = commands.add_parser("evaluate", help="compare a trained run with the solver (any family)",
                                 description="Evaluate a run of sciml train; its family (recorded in the run) "
                                 "chooses the comparison.")
    parser.add_argument("run", help="run folder of sciml train")
    parser.add_argument("--data", help="operator and rnn runs: held-out HDF5 dataset (pinn and nsm runs are compared "
                        "with their problem's solver)")
    parser.add_argument("--samples", type=int, help="operator runs: held-out samples used (default: 32)")
    parser.add_argument("--sample", type=int, help="rnn runs: the test trajectory (default: 0)")
    parser.add_argument("--key", help="rnn runs on a user's own HDF5 file: the dataset of the test array")
    parser.add_argument("--member", type=int, help="rnn runs of several seeds: the model (default: the selected one)")
    parser.add_argument("--out", help="report folder (default: RUN/report; rnn runs: RUN/evaluation)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..models import read_checkpoint

    family = read_checkpoint(args.run).get("family")
    if family not in _OPTIONS:
        raise UsageError(f"sciml evaluate: {args.run} records no family: not a run of sciml train")
    not_applicable("sciml evaluate", {"data": args.data, "samples": args.samples, "sample": args.sample,
                                      "member": args.member, "key": args.key},
                   _OPTIONS[family], f"{family} runs")
    if "data" in _OPTIONS[family] and args.data is None:
        raise UsageError(f"sciml evaluate: {args.run} is a {family} run: it needs --data (held-out HDF5 dataset)")
    out = args.out or f"{args.run}/{_FOLDER[family]}"
    if family == "operator":
        from ..evaluate import compare

        metrics, report = compare(args.run, args.data, out, samples=32 if args.samples is None else args.samples)
    elif family == "rnn":
        from ..evaluate.reconstruction import evaluate

        metrics, report = evaluate(args.run, args.data, out, sample=args.sample or 0, member=args.member,
                                   key=args.key)
    else:
        from ..evaluate.nsm_report import compare_self_supervised
        from ..evaluate.pinn_report import compare_pinn

        metrics, report = (compare_pinn if family == "pinn" else compare_self_supervised)(args.run, out)
    for name, value in metrics.items():
        print(f"{name}: {value:.4g}")
    print(f"report: {report}")
    return 0
