"""Where a batched split step's time goes, and whether fusing its element-wise passes pays on this CPU.

One NLSE nonlinear flow ``c -> F[u exp(i s |u|^2 tau)]`` on ``(batch, n)`` complex128, timed as the best
of ``--repeats`` interleaved runs (robust on a loaded machine): the package's eager flow, the same flow
with its element-wise part compiled by ``torch.compile`` on real pairs (inductor generates no complex
code; the interleaved layout and the planar one, contiguous real and imaginary parts, are both tried),
and the passes on their own (the two FFTs, cosine and sine, one complex product), which bound it.

    python benchmarks/fused_passes.py --threads 1 [--batch 256] [--n 512]
"""

from __future__ import annotations

import argparse
import time

import torch

from solvers import nlse
from solvers.spectral import PeriodicGrid, fft


def _pairs_flow(pairs: torch.Tensor, tau: float) -> torch.Tensor:
    """``u exp(i tau |u|^2)`` on ``(..., 2)`` real pairs, the interleaved layout of a complex tensor."""
    real, imag = pairs[..., 0], pairs[..., 1]
    angle = tau * (real * real + imag * imag)
    cosine, sine = torch.cos(angle), torch.sin(angle)
    return torch.stack((real * cosine - imag * sine, real * sine + imag * cosine), -1)


def _planar_flow(real: torch.Tensor, imag: torch.Tensor, tau: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The same on contiguous real and imaginary parts."""
    angle = tau * (real * real + imag * imag)
    cosine, sine = torch.cos(angle), torch.sin(angle)
    return real * cosine - imag * sine, real * sine + imag * cosine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--n", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    grid = PeriodicGrid(50.0, args.n)
    flow = nlse.equation(grid, 1.0, "none").nonlinear_flow
    c = fft.forward(torch.randn(args.batch, args.n, dtype=torch.complex128, generator=torch.Generator().manual_seed(0)))
    tau = 0.02
    pairs_flow = torch.compile(_pairs_flow, dynamic=False)
    planar_flow = torch.compile(_planar_flow, dynamic=False)

    def compiled_pairs():
        u = fft.inverse(c)
        return fft.forward(torch.view_as_complex(pairs_flow(torch.view_as_real(u), tau)))

    def compiled_planar():
        pairs = torch.view_as_real(fft.inverse(c))
        return fft.forward(torch.complex(*planar_flow(pairs[..., 0].contiguous(), pairs[..., 1].contiguous(), tau)))

    u = fft.inverse(c)
    real, imag = u.real.contiguous(), u.imag.contiguous()
    angle = torch.rand(args.batch, args.n, dtype=torch.float64)
    cases = {
        "eager flow (the package's)": lambda: flow(c, tau),
        "compiled flow, interleaved pairs": compiled_pairs,
        "compiled flow, planar + (de)interleave": compiled_planar,
        "  compiled planar kernel alone": lambda: planar_flow(real, imag, tau),
        "  two FFTs": lambda: fft.forward(fft.inverse(c)),
        "  FFT with out= (a copy more)": lambda: fft.inverse(c, out=u),
        "  cos + sin": lambda: (torch.cos(angle), torch.sin(angle)),
        "  polar": lambda: torch.polar(torch.ones_like(angle), angle),
        "  one complex product": lambda: c * c,
    }
    start = time.perf_counter()
    reference = flow(c, tau)
    for name in ("compiled flow, interleaved pairs", "compiled flow, planar + (de)interleave"):
        error = (cases[name]() - reference).abs().max().item()
        print(f"{name}: max deviation from eager {error:.1e}")
    print(f"compile time of both: {time.perf_counter() - start:.1f} s")
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(args.repeats):
        for name, run in cases.items():
            began = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - began)
    print(f"\nbatch {args.batch} x n {args.n}, complex128, threads {torch.get_num_threads()}, best of {args.repeats}:")
    eager = best["eager flow (the package's)"]
    for name, seconds in best.items():
        print(f"{name:42s} {seconds * 1e6:9.1f} us  ({seconds / eager:.2f} of the eager flow)")


if __name__ == "__main__":
    main()
