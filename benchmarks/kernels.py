"""Spectral kernels: Triton against the torch reference, ``torch.compile`` of the reference and neuraloperator.

On a CUDA device, for each kernel (truncated mode contraction, RK stage state, the three passes of the
NLSE cubic term): time per call (median of ``--repeats`` after warm-up, CUDA-synchronised), achieved
memory bandwidth (bytes the kernel must read and write / time) against the device's copy bandwidth
(``clone`` of a 1 GiB tensor), and the torch reference and its ``torch.compile`` on the same inputs.
Then the FNO Fourier layer forward + backward (ours with Triton, ours with the torch reference,
neuraloperator's ``SpectralConv``) and a batched NLSE solve with either backend.
Goals (issue 8): memory-bound kernels >= 60% of copy bandwidth; FNO layer >= 1.5x neuraloperator's;
batched NLSE solve >= 2x the torch-reference solver.

Without a GPU the script says so and runs the CPU comparison only: the torch reference against its
``torch.compile`` and, for the Fourier layer, against neuraloperator (the Triton interpreter is a test
device, not a performance one).

Run: ``PYTHONPATH=. python benchmarks/kernels.py``. Written 2026-11-22.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from sciml.models import SpectralConv
from solvers import nlse
from solvers.spectral import ZeroPadding, contraction


def timed(function, repeats: int, device: torch.device) -> float:
    """Median seconds per call after warm-up calls (3, or 1 for a single repeat)."""
    for _ in range(3 if repeats > 1 else 1):
        function()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        function()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def copy_bandwidth(device: torch.device, repeats: int) -> float:
    """Bytes per second of ``clone`` (one read, one write) of a 1 GiB tensor."""
    x = torch.empty(2**28, dtype=torch.float32, device=device)
    return 2 * x.numel() * 4 / timed(lambda: x.clone(), repeats, device)


def cases(device: torch.device) -> list[tuple[str, callable, callable, int]]:
    """``(name, triton call or None, torch reference call, bytes moved)``."""
    torch.manual_seed(0)
    batch, channels, n, modes = 32, 64, 1024, 16
    spectrum = torch.randn(batch, channels, n // 2 + 1, dtype=torch.complex64, device=device)
    positions = contraction.retained_positions((n // 2 + 1,), contraction.retained_index((n,), (modes,), device=device))
    weight = torch.randn(channels, channels, modes, dtype=torch.complex64, device=device)
    y = torch.randn(256, 4096, dtype=torch.complex128, device=device)
    stages = torch.randn(12, 256, 4096, dtype=torch.complex128, device=device)
    a = torch.rand(11, dtype=torch.float64, device=device)
    h = torch.rand(256, dtype=torch.float64, device=device)
    phase = torch.randn(256, 4096, dtype=torch.complex128, device=device)
    padding = ZeroPadding(4096)
    padded = torch.randn(256, padding.padded, dtype=torch.complex128, device=device)
    complex_bytes = {torch.complex64: 8, torch.complex128: 16}

    def reference_stage():
        return phase * (y + h[:, None] * torch.einsum("j,jbn->bn", a.to(y.dtype), stages[:11]))

    triton_calls = [None] * 5
    if device.type == "cuda":
        from solvers.spectral.kernels import cubic_term, mode_contraction
        from solvers.spectral.kernels import stages as stage_kernels

        triton_calls = [lambda: mode_contraction.truncated_contraction(spectrum, weight, positions),
                        lambda: stage_kernels.stage_state(y, h, stages, a, phase),
                        lambda: cubic_term.pad(y, padding.padded),
                        lambda: cubic_term.cubic(padded),
                        lambda: cubic_term.truncate_scale(padded, 4096, 1j)]
    references = [lambda: contraction.truncated(spectrum, weight, positions), reference_stage,
                  lambda: padding.pad(y), lambda: padded * (padded * padded.conj()), lambda: 1j * padding.truncate(padded)]
    sizes = [complex_bytes[torch.complex64] * (batch * channels * modes + channels**2 * modes + batch * channels * (n // 2 + 1)),
             16 * y.numel() * (11 + 3), 16 * (y.numel() + padded.numel()), 16 * 2 * padded.numel(), 16 * 2 * y.numel()]
    names = ["mode contraction (B 32, C 64, n 1024, 16 modes, c64)", "RK stage state (11 stages, 256 x 4096, c128)",
             "cubic term: pad (256 x 4096 -> 8192, c128)", "cubic term: |u|^2 u (256 x 8192, c128)",
             "cubic term: truncate and scale (c128)"]
    return list(zip(names, triton_calls, references, sizes))


def fourier_layer(device: torch.device, repeats: int) -> dict[str, float]:
    """Forward + backward seconds of a 64 -> 64 Fourier layer, 16 modes, on (32, 64, 1024) float32."""
    from neuralop.layers.spectral_convolution import SpectralConv as PeerSpectralConv

    x = torch.randn(32, 64, 1024, device=device, requires_grad=True)
    layers = {"ours": ("auto", SpectralConv(64, 64, 16)), "neuraloperator": ("auto", PeerSpectralConv(64, 64, n_modes=(31,)))}
    if device.type == "cuda":
        layers["ours, torch reference"] = ("torch", SpectralConv(64, 64, 16))
    result = {}
    for name, (setting, layer) in layers.items():
        os.environ["SCIML_SPECTRAL_BACKEND"] = setting  # our layer picks its backend at its first call
        layer = layer.to(device)
        result[name] = timed(lambda layer=layer: layer(x).square().mean().backward(), repeats, device)
    os.environ["SCIML_SPECTRAL_BACKEND"] = "auto"
    return result


def nlse_solve(device: torch.device) -> float:
    """Seconds of a batched solve (256 solitons, n 512, t in [0, 5], if_dop853, rtol 1e-10), second of two runs."""
    grid = nlse.Grid(L=50.0, n=512)
    u0 = torch.stack([nlse.soliton(grid.x, amplitude=1 + 0.002 * i) for i in range(256)]).to(device)
    t = torch.linspace(0, 5, 11, dtype=torch.float64)
    return timed(lambda: nlse.solve(u0, grid, t, rtol=1e-10, atol=1e-12), 1, device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"torch {torch.__version__}, device {torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'}")
    if device.type != "cuda":
        print("no GPU: the Triton kernels are not measured (not measured on a GPU); CPU comparison only\n")
    else:
        bandwidth = copy_bandwidth(device, args.repeats)
        print(f"copy bandwidth {bandwidth / 1e9:.0f} GB/s\n")
    print("| kernel | Triton ms | % of copy bandwidth | torch ms | torch.compile ms | torch / Triton |")
    print("|---|---|---|---|---|---|")
    for name, triton_call, reference, size in cases(device):
        reference_time = timed(reference, args.repeats, device)
        try:
            compiled = f"{timed(torch.compile(reference), args.repeats, device) * 1e3:.3f}"
        except Exception as error:  # inductor does not compile every complex operation
            compiled = f"fails ({type(error).__name__})"
        if triton_call is None:
            print(f"| {name} | - | - | {reference_time * 1e3:.3f} | {compiled} | - |", flush=True)
            continue
        triton_time = timed(triton_call, args.repeats, device)
        print(f"| {name} | {triton_time * 1e3:.3f} | {100 * size / triton_time / bandwidth:.0f}% | "
              f"{reference_time * 1e3:.3f} | {compiled} | {reference_time / triton_time:.2f} |", flush=True)
    layer = fourier_layer(device, args.repeats)
    print(f"\nFourier layer forward + backward: ours {layer['ours'] * 1e3:.2f} ms, neuraloperator "
          f"{layer['neuraloperator'] * 1e3:.2f} ms, ratio {layer['neuraloperator'] / layer['ours']:.2f}x")
    if "ours, torch reference" in layer:
        print(f"ours with the torch reference: {layer['ours, torch reference'] * 1e3:.2f} ms")
    if device.type == "cuda":
        solves = {}
        for choice in ("torch", "triton"):
            os.environ["SCIML_SPECTRAL_BACKEND"] = choice
            solves[choice] = nlse_solve(device)
        print(f"batched NLSE solve (256 solitons, n 512, t 5): torch reference {solves['torch']:.2f} s, "
              f"Triton {solves['triton']:.2f} s, ratio {solves['torch'] / solves['triton']:.2f}x")


if __name__ == "__main__":
    main()
