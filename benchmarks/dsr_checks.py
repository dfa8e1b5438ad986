"""Collapse statistics from the selection checks that ``benchmarks/dsr.py`` prints (issue 18, item 1).

Reads the lines ``epoch E seed S: loss L, training D_stsp D, D_H H, lambda_max X`` of a log and prints, for
each third of the run (the learning rate decays exponentially over it), how many checks found a chaotic
model (lambda_max > 0 on the training-data run), how many chaotic -> non-chaotic transitions (collapses)
happened between consecutive checks of one seed, and the median training D_stsp and D_H of the chaotic and
the collapsed checks; first each seed's checks as a line of + (chaotic) and - (not).
Run: ``python benchmarks/dsr_checks.py LOG``.
"""

from __future__ import annotations

import re
import statistics
import sys
from collections import defaultdict

LINE = re.compile(r"epoch (\d+) seed (\d+): loss ([\d.e+-]+), training D_stsp ([\d.inf]+), D_H ([\d.inf]+), "
                  r"lambda_max ([-\d.na]+)")


def main(path: str) -> None:
    checks = defaultdict(list)  # seed -> [(epoch, D_stsp, D_H, lambda)]
    for match in LINE.finditer(open(path).read()):
        epoch, seed, _, divergence, spectra, exponent = match.groups()
        checks[int(seed)].append((int(epoch), float(divergence), float(spectra), float(exponent)))
    if not checks:
        sys.exit(f"{path}: no selection checks")
    last = max(epoch for seed in checks.values() for epoch, *_ in seed)
    print(f"{path}: {len(checks)} seeds, checks up to epoch {last}\n")
    for seed, rows in sorted(checks.items()):  # chaotic (+) and non-chaotic (-) checks, epoch by epoch
        print(f"seed {seed}  " + " ".join("+" if exponent > 0 else "-" for *_, exponent in rows))
    print()
    print("| part of the run | checks | chaotic | collapses | median D_stsp / D_H chaotic | collapsed |")
    print("|---|---|---|---|---|---|")
    for third in range(3):
        low, high = third * last / 3, (third + 1) * last / 3
        rows, collapses = [], 0
        for seed in checks.values():
            for (before, *_, was), (epoch, d, h, now) in zip([(0, 0, 0, 0.0)] + seed, seed):
                if low < epoch <= high:
                    rows.append((d, h, now))
                    collapses += before > 0 and was > 0 and not now > 0
        chaotic = [(d, h) for d, h, x in rows if x > 0]
        other = [(d, h) for d, h, x in rows if not x > 0]

        def medians(pairs):
            return (f"{statistics.median(p[0] for p in pairs):.2f} / {statistics.median(p[1] for p in pairs):.3f}"
                    if pairs else "-")

        print(f"| epochs {low:.0f}-{high:.0f} | {len(rows)} | {len(chaotic)} | {collapses} | {medians(chaotic)} | "
              f"{medians(other)} |")


if __name__ == "__main__":
    main(sys.argv[1])
