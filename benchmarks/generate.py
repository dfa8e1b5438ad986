"""Dataset generation throughput: ``sciml generate`` against solving one sample at a time with a peer.

- ``nlse-soliton`` (n = 384, L = 50, t = 5, 51 snapshots): our generator (integrating-factor DOP853,
  rtol 1e-10, HDF5 output included) against the seed solver ``simple-idealized-1d-nlse`` 0.0.5 with
  its own settings on the same initial conditions; error = max deviation from the exact soliton.
- ``burgers`` (nu = 0.1, n = 1024, t = 1, 11 snapshots): our generator (ETDRK4, dt = 1e-3) against
  scipy ``solve_ivp`` per sample on the pseudo-spectral method of lines (BDF: the problem is stiff,
  nu k_max^2 ~ 1e6; rtol 1e-8, atol 1e-10); error = max deviation from the exact Cole-Hopf solution.

- ``lorenz63`` at the size of dynamical-systems reconstruction (2 samples, t = 1000, 100,001
  snapshots): our generator with dense output (the default) against the same recipe with
  ``solver.clip = true`` (every step shortened to land on a snapshot, the behaviour before dense
  output); both DOP853 at rtol = atol = 1e-10; difference between the two files.

Peers are timed on ``--peer-samples`` samples and reported as samples per second.
Run: ``PYTHONPATH=. python benchmarks/generate.py`` (``--samples 64 --peer-samples 3`` by default;
``--only lorenz63`` and so on for one dataset).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from scipy.integrate import solve_ivp
from simple_idealized_1d_nlse import NLSESolver

from sciml.data import generate, load, open_checked
from solvers import nlse, pdes


def _ours(name: str, samples: int, folder: Path, **overrides: str) -> tuple[float, np.ndarray, dict, np.ndarray]:
    recipe = load(name, {"samples": str(samples), **overrides})
    start = time.perf_counter()
    path = generate(recipe, folder / f"{name}.h5", batch_size=samples, progress=False, overwrite=True)
    seconds = time.perf_counter() - start
    with open_checked(path) as handle:
        return seconds, handle["u"][:], {k: v[:] for k, v in handle["parameters"].items()}, handle["time"][:]


def nlse_soliton(samples: int, peer_samples: int, folder: Path) -> None:
    seconds, u, parameters, t = _ours("nlse-soliton", samples, folder)
    grid = nlse.Grid(L=50.0, n=384)

    def exact(i: int) -> torch.Tensor:
        p = [float(parameters[k][i]) for k in ("amplitude", "velocity", "position", "phase")]
        return torch.stack([nlse.soliton(grid.x, *p, t=float(s)) for s in t])

    ours_error = max(float((torch.as_tensor(u[i]) - exact(i)).abs().max()) for i in range(samples))
    seed = NLSESolver(domain_length=50.0, num_points=384, verbose=False)
    peer_seconds, peer_error = 0.0, 0.0
    for i in range(peer_samples):
        start = time.perf_counter()
        result = seed.solve(exact(i)[0].numpy(), t_final=float(t[-1]), n_snapshots=len(t), show_progress=False)
        peer_seconds += time.perf_counter() - start
        peer_error = max(peer_error, float((torch.as_tensor(result["psi"]) - exact(i)).abs().max()))
    _report("nlse-soliton", "seed solver", samples / seconds, ours_error, peer_samples / peer_seconds, peer_error)


def burgers(samples: int, peer_samples: int, folder: Path) -> None:
    seconds, u, _, t = _ours("burgers", samples, folder)
    grid = nlse.Grid(L=1.0, n=1024)
    k = pdes.wavenumbers(grid).numpy()
    exact = [pdes.burgers_cole_hopf(torch.as_tensor(u[i, 0]), grid, float(t[-1]), 0.1) for i in range(samples)]
    ours_error = max(float((torch.as_tensor(u[i, -1]) - exact[i]).abs().max()) for i in range(samples))

    def rhs(_, v: np.ndarray) -> np.ndarray:
        c = np.fft.rfft(v)
        return np.fft.irfft(-0.1 * k**2 * c, n=v.size) - v * np.fft.irfft(1j * k * c, n=v.size)

    peer_seconds, peer_error = 0.0, 0.0
    for i in range(peer_samples):
        start = time.perf_counter()
        result = solve_ivp(rhs, (0.0, float(t[-1])), u[i, 0], method="BDF", t_eval=t, rtol=1e-8, atol=1e-10)
        peer_seconds += time.perf_counter() - start
        peer_error = max(peer_error, float(np.abs(result.y[:, -1] - exact[i].numpy()).max()))
    _report("burgers", "scipy BDF", samples / seconds, ours_error, peer_samples / peer_seconds, peer_error)


def lorenz63(folder: Path) -> None:
    size = {"time.end": "1000.0", "time.snapshots": "100001"}
    dense_seconds, dense, _, _ = _ours("lorenz63", 2, folder, **size)
    clipped_seconds, clipped, _, _ = _ours("lorenz63", 2, folder, **size, **{"solver.clip": "true"})
    horizon = 501  # chaos: the two step sequences separate; compare over the first 5 time units
    difference = float(np.abs(dense[:, :horizon] - clipped[:, :horizon]).max())
    print(f"{'lorenz63':13s} dense output {dense_seconds:7.2f} s   clipped steps {clipped_seconds:7.2f} s   "
          f"ratio {clipped_seconds / dense_seconds:6.1f}x   max difference over t <= 5: {difference:.1e}")


def _report(name: str, peer: str, ours_rate: float, ours_error: float, peer_rate: float, peer_error: float) -> None:
    print(f"{name:13s} ours {ours_rate:8.2f} samples/s (max error {ours_error:.1e})   {peer} {peer_rate:8.3f} "
          f"samples/s (max error {peer_error:.1e})   ratio {ours_rate / peer_rate:7.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=64, help="samples our generator writes per dataset")
    parser.add_argument("--peer-samples", type=int, default=3, help="samples the peer solves one at a time")
    parser.add_argument("--only", choices=("nlse-soliton", "burgers", "lorenz63"), help="one dataset only")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    with tempfile.TemporaryDirectory() as folder:
        if args.only in (None, "nlse-soliton"):
            nlse_soliton(args.samples, args.peer_samples, Path(folder))
        if args.only in (None, "burgers"):
            burgers(args.samples, args.peer_samples, Path(folder))
        if args.only in (None, "lorenz63"):
            lorenz63(Path(folder))


if __name__ == "__main__":
    main()
