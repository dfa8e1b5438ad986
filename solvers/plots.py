"""Figures of a solution: space-time intensity, phase space, invariant drift, entropies.

Each function draws onto a new matplotlib figure and returns it (the caller saves or shows it);
matplotlib is imported on first use with the non-interactive Agg backend.
"""

from __future__ import annotations

import torch


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def close(figure) -> None:
    """Release a figure made here (pyplot keeps every open figure alive)."""
    _pyplot().close(figure)


def spacetime(x: torch.Tensor, t: torch.Tensor, u: torch.Tensor, title: str = ""):
    """``|u|^2`` over ``(x, t)``; ``u`` of shape ``(T, n)``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2), constrained_layout=True)
    image = ax.pcolormesh(x.cpu(), t.cpu(), u.abs().square().cpu(), shading="auto", cmap="magma")
    fig.colorbar(image, ax=ax, label=r"$|u|^2$")
    ax.set(xlabel="x", ylabel="t", title=title)
    return fig


def phase_space(u: torch.Tensor, times: list[int] | None = None, t: torch.Tensor | None = None, title: str = ""):
    """``Re u`` against ``Im u`` along ``x`` at a few time indices; ``u`` of shape ``(T, n)``."""
    plt = _pyplot()
    times = times if times is not None else [0, u.shape[0] // 2, u.shape[0] - 1]
    fig, ax = plt.subplots(figsize=(4.8, 4.6), constrained_layout=True)
    for i in times:
        label = f"t = {float(t[i]):.3g}" if t is not None else f"snapshot {i}"
        ax.plot(u[i].real.cpu(), u[i].imag.cpu(), lw=0.9, label=label)
    ax.set(xlabel="Re u", ylabel="Im u", title=title, aspect="equal")
    ax.legend(fontsize=8)
    return fig


def invariant_drift(t: torch.Tensor, drifts: dict[str, torch.Tensor], title: str = ""):
    """Relative drift of each invariant against time on a log scale; ``drifts[name]`` of shape ``(T,)``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 3.6), constrained_layout=True)
    floor = torch.finfo(torch.float64).eps / 4
    for name, values in drifts.items():
        ax.semilogy(t.cpu(), values.cpu().clamp_min(floor), label=name)
    ax.set(xlabel="t", ylabel="relative drift", title=title)
    ax.legend(fontsize=8)
    return fig


def entropies(t: torch.Tensor, curves: dict[str, torch.Tensor], title: str = ""):
    """Entropy curves against time; ``curves[name]`` of shape ``(T,)``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.0, 3.6), constrained_layout=True)
    for name, values in curves.items():
        ax.plot(t.cpu(), values.cpu(), label=name)
    ax.set(xlabel="t", ylabel="entropy (nats)", title=title)
    ax.legend(fontsize=8, ncol=2)
    return fig
