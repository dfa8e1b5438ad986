"""D_stsp of the same orbits under our histogram convention and under the reference code's.

Ours (:func:`sciml.evaluate.dsr.state_space_divergence`): 30 bins a dimension over the true data's range,
Laplace smoothing ``1e-5`` added to each bin's *probability*, generated states outside the range counted in
the total. The reference code of Brenner et al. (github.com/DurstewitzLab/ALRNN-DSR) adds ``1e-5`` to each
bin's *count* (``(h + 1e-5) / (sum h + 1e-5 n^d)``: about ``1e-10`` in probability for 10^5 states) and drops
generated states outside the range; its Python ``metrics.py`` also drops states whose bin index is 0 in any
dimension (the histogram keeps indices ``> 0``), its Julia ``stsp_measure.jl`` widens the range by 0.1 standard
deviations. With far weaker smoothing, a bin the true orbit visits and the generated one misses costs far
more, so the reference convention gives larger numbers for the same orbits; published scores and the issue's
"about 3.0" for the pretrained model are on that scale. Both are computed here from the definitions, as
histograms in any dimension (the reference code bins below 6 dimensions; above 3, ``dsr.py`` and the package
use Gaussian mixtures instead).

For each member of a run of ``benchmarks/dsr.py`` (``--run``, its stored standardisation applied to the test
data) and for reference AL-RNN state dicts (``--reference FILE:P``): protocol (a) (11,000 steps from the first
test state, 1,000 dropped, against the whole test set) and (b) (as many steps as the test set, the first
500 dropped from both). Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/dsr_conventions.py --test
lorenz63_test.npy [--train lorenz63_train.npy] [--run /tmp/dsr/ext-lorenz63-alrnn] [--reference
lorenz_m20_p2:2]``. Written 2026-12-03.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from sciml.data.user_trajectory import read_trajectory
from sciml.evaluate.dsr import state_space_divergence
from sciml.models import RNNEnsemble, load_checkpoint
from sciml.models.alrnn_reference import alrnn_from_reference


def reference_divergence(true: torch.Tensor, generated: torch.Tensor, bins: int = 30, alpha: float = 1e-5,
                         widen: float = 0.0, drop_first_bin: bool = False) -> float:
    """KL(p_true || p_gen) with the smoothing ``alpha`` on counts and generated states outside the range
    dropped; the range widened by ``widen`` standard deviations; ``drop_first_bin``: bin index 0 dropped too."""
    spread = true.std(0)
    low, high = true.min(0).values - widen * spread, true.max(0).values + widen * spread

    def histogram(x: torch.Tensor) -> torch.Tensor:
        cell = torch.floor(bins * (x - low) / (high - low)).long()
        inside = ((cell > 0) if drop_first_bin else (cell >= 0)).all(1) & (cell < bins).all(1)
        flat = (cell[inside] * (bins ** torch.arange(x.shape[1] - 1, -1, -1))).sum(1)
        counts = torch.bincount(flat, minlength=bins ** x.shape[1]).double()
        return (counts + alpha) / (counts.sum() + alpha * bins ** x.shape[1])

    p, q = histogram(true), histogram(generated)
    return float((p * (p / q).log()).sum())


def divergences(true: torch.Tensor, generated: torch.Tensor) -> str:
    if not bool(torch.isfinite(generated).all()):
        return "diverging"
    return (f"ours {state_space_divergence(true, generated):.3f}, reference Python "
            f"{reference_divergence(true, generated, drop_first_bin=True):.3f}, reference Julia "
            f"{reference_divergence(true, generated, widen=0.1):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--test", type=Path, required=True)
    parser.add_argument("--train", type=Path, help="also the training data against the test data")
    parser.add_argument("--run", type=Path, help="a run folder of benchmarks/dsr.py")
    parser.add_argument("--reference", nargs="*", default=[], help="reference AL-RNN state dicts as FILE:P")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    raw = torch.as_tensor(read_trajectory(args.test))
    models = []
    if args.run is not None:
        ensemble, extra = load_checkpoint(args.run)
        mean, std = (torch.tensor(extra["metadata"][key], dtype=raw.dtype) for key in ("mean", "std"))
        epochs = extra.get("selected_epochs", [None] * ensemble.members)
        models.append((ensemble, ((raw - mean) / std).float(),
                       [f"{args.run.name} member {k} (epoch {epochs[k]})" + (" selected" * (k == extra.get("selected")))
                        for k in range(ensemble.members)]))
    for entry in args.reference:
        path, _, piecewise = entry.rpartition(":")
        models.append((RNNEnsemble.stack([alrnn_from_reference(torch.load(path, map_location="cpu"), int(piecewise))]),
                       raw.float(), [Path(path).name]))
    for ensemble, test, names in models:
        x0 = test[:1].expand(ensemble.members, 1, -1)
        with torch.no_grad():
            short = ensemble.generate(x0, 10_999)[:, 0, 1000:]
            long = ensemble.generate(x0, test.shape[0] - 1)[:, 0, 500:]
        for k, name in enumerate(names):
            print(f"{name}: (a) {divergences(test, short[k])}; (b) {divergences(test[500:], long[k])}")
    if args.train is not None:
        train = torch.as_tensor(read_trajectory(args.train)).float()
        print(f"training data against test data, (b) lengths: {divergences(raw[500:].float(), train[500:])}")


if __name__ == "__main__":
    main()
