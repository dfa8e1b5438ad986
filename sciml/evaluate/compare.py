"""Learned against numerical: roll a trained operator out on held-out data and compare.

For a run (its last checkpoint, with the lag it was trained at) and a test file (the solver's data):
relative L2 error per rollout step, its growth, invariants (mass and energy for the NLSE) of the
learned rollout against the solver's, the spectrum of the error, and speed: model inference time per
trajectory against re-solving the same samples with the recipe's solver, plus the solver at looser
tolerances (or larger steps) for an accuracy-versus-cost front. Writes PNG figures and ``report.md``.
"""

from __future__ import annotations

import math
import time
import tomllib
from pathlib import Path

import numpy as np
import torch

from solvers import nlse
from solvers.integrators import SolverError

from ..data.channels import from_channels, to_channels
from ..data.recipe import ODE_SYSTEMS, parse
from ..data.simulate import simulate
from ..data.store import DatasetFileError, open_checked
from ..models.checkpoint import load_checkpoint
from .errors import relative_error


def rollout(model: torch.nn.Module, x0: torch.Tensor, steps: int) -> torch.Tensor:
    """``x0 (B, C, n)`` -> ``(B, steps + 1, C, n)`` by repeated application of ``model``."""
    states = [x0]
    with torch.no_grad():
        for _ in range(steps):
            states.append(model(states[-1]))
    return torch.stack(states, dim=1)


def _loosened(recipe_data: dict) -> list[tuple[str, dict]]:
    """The recipe's solver setting and three looser ones: ``dt`` x 2, 4, 8 or tolerances x 1e2, 1e4, 1e6."""
    solver = recipe_data["solver"]
    key, factors = ("dt", (1, 2, 4, 8)) if "dt" in solver else ("rtol", (1, 1e2, 1e4, 1e6))
    settings = []
    for factor in factors:
        changed = {**solver, key: solver[key] * factor}
        if key == "rtol" and "atol" in solver:
            changed["atol"] = solver["atol"] * factor
        settings.append((f"{key} x {factor:g}", {**recipe_data, "solver": changed}))
    return settings


def compare(run: str | Path, data: str | Path, out: str | Path, samples: int = 32) -> tuple[dict[str, float], Path]:
    """Compare the model of ``run`` with the solver data in ``data``; figures and report into ``out``;
    ``(metrics, report path)``."""
    run, out = Path(run), Path(out)
    model, extra = load_checkpoint(run)
    model.eval()
    lag = int(extra.get("metadata", {}).get("lag", 1))
    with open_checked(data) as handle:
        if handle.attrs["system"] in ODE_SYSTEMS:
            raise DatasetFileError(f"{data}: compare works on field datasets; ODE systems are evaluated with the DSR metrics")
        rows = min(samples, handle["u"].shape[0])
        truth = torch.as_tensor(handle["u"][:rows])[:, ::lag]
        t = torch.as_tensor(handle["time"][:])[::lag]
        recipe_data = tomllib.loads(str(handle.attrs["recipe"]))
        indices = [int(i) for i in handle["sample"][:rows]]
        system, length = str(handle.attrs["system"]), float(handle.attrs["L"])
    complex_field = truth.is_complex()
    channels = to_channels(truth).float()
    if channels.shape[2] != model.config["in_channels"]:
        raise DatasetFileError(f"{data}: the data have {channels.shape[2]} channels, the model expects {model.config['in_channels']}")
    start = time.perf_counter()
    predicted = rollout(model, channels[:, 0], truth.shape[1] - 1)
    model_seconds = (time.perf_counter() - start) / rows
    prediction = from_channels(predicted.double(), complex_field)
    errors = relative_error(prediction, truth, start=2)

    recipe = parse(recipe_data)
    front = []
    for label, loosened in _loosened(recipe_data):
        begin = time.perf_counter()
        try:
            solved = simulate(parse(loosened), indices).u[:, ::lag]
        except SolverError:  # a step too large to be stable ends the front
            break
        seconds = (time.perf_counter() - begin) / rows
        front.append((label, seconds, float(relative_error(solved, truth, start=2)[:, -1].mean())))
    solver_seconds = front[0][1]

    out.mkdir(parents=True, exist_ok=True)
    figures = _figures(out, t, truth, prediction, errors, front, model_seconds, system, length)
    lines = [
        f"# Learned vs numerical: {run.name} on {Path(data).name}",
        "",
        f"Model {type(model).__name__} ({sum(p.numel() for p in model.parameters()):,} "
        f"parameters), lag {lag}, rollout of {truth.shape[1] - 1} steps on {rows} held-out samples of `{recipe.name}`.",
        "",
        "| quantity | value |",
        "|---|---|",
        f"| one-step relative L2 (mean) | {errors[:, 1].mean():.3e} |",
        f"| final-step relative L2 (mean / max) | {errors[:, -1].mean():.3e} / {errors[:, -1].max():.3e} |",
        f"| model inference per trajectory | {model_seconds * 1e3:.2f} ms |",
        f"| solver ({recipe.solver['method']}) per trajectory | {solver_seconds * 1e3:.2f} ms |",
        f"| speed-up of the model | {solver_seconds / model_seconds:.1f}x |",
    ]
    if system == "nlse":
        grid = nlse.Grid(L=length, n=truth.shape[-1])
        learned, solved = nlse.invariants(prediction, grid), nlse.invariants(truth, grid)
        for key in ("mass", "energy"):
            drift = lambda v: float(((v - v[:, :1]).abs() / v[:, :1].abs()).max())  # noqa: E731
            lines.append(f"| max relative {key} drift, model / solver | {drift(learned[key]):.2e} / {drift(solved[key]):.2e} |")
    lines += ["", "Solver at looser settings (accuracy-versus-cost front, error against the stored data at the last time):", "",
              "| setting | ms per trajectory | relative L2 |", "|---|---|---|"]
    lines += [f"| {label} | {s * 1e3:.2f} | {e:.2e} |" for label, s, e in front]
    lines += ["", *(f"![{name}]({name}.png)" for name in figures), ""]
    report = out / "report.md"
    report.write_text("\n".join(lines))
    metrics = {"one-step relative L2 (mean)": float(errors[:, 1].mean()),
               "final-step relative L2 (mean)": float(errors[:, -1].mean()),
               "speed-up of the model": solver_seconds / model_seconds}
    return metrics, report


def _figures(out: Path, t, truth, prediction, errors, front, model_seconds, system, length) -> list[str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    x = np.linspace(-length / 2, length / 2, truth.shape[-1], endpoint=False)
    t = t.numpy()
    show = (lambda u: u.abs()) if truth.is_complex() else (lambda u: u)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True, constrained_layout=True)
    magnitude = truth.is_complex()
    panels = (
        (show(truth[0]), "solver |u|" if magnitude else "solver", "viridis"),
        (show(prediction[0]), "model |u|" if magnitude else "model", "viridis"),
        (show(prediction[0] - truth[0]), "|model - solver|" if magnitude else "model - solver", "magma" if magnitude else "RdBu_r"),
    )
    for ax, (values, title, colours) in zip(axes, panels):
        image = ax.pcolormesh(x, t, values.numpy(), shading="auto", cmap=colours)
        fig.colorbar(image, ax=ax)
        ax.set(title=title, xlabel="x")
    axes[0].set_ylabel("t")
    fig.savefig(out / "spacetime.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    quantiles = torch.quantile(errors.float(), torch.tensor([0.1, 0.5, 0.9]), dim=0).numpy()
    ax.semilogy(t, quantiles[1], label="median")
    ax.fill_between(t, quantiles[0], quantiles[2], alpha=0.3, label="10-90%")
    ax.set(xlabel="t", ylabel="relative L2 error", title="error growth along the rollout")
    ax.legend()
    fig.savefig(out / "error_vs_time.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    k = np.fft.rfftfreq(truth.shape[-1], d=length / truth.shape[-1]) * 2 * math.pi
    spectrum = lambda u: (torch.fft.rfft(u, dim=-1, norm="forward").abs() ** 2).mean(0).numpy()  # noqa: E731
    final_truth, final_error = truth[:, -1], prediction[:, -1] - truth[:, -1]
    if truth.is_complex():
        spectrum = lambda u: (torch.fft.fft(u, dim=-1, norm="forward").abs() ** 2).mean(0).numpy()[: len(k)]  # noqa: E731
    ax.loglog(k[1:], spectrum(final_truth)[1:], label="solution")
    ax.loglog(k[1:], spectrum(final_error)[1:], label="model error")
    ax.set(xlabel="wavenumber k", ylabel="power", title="spectra at the last time")
    ax.legend()
    fig.savefig(out / "error_spectrum.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    ax.loglog([s * 1e3 for _, s, _ in front], [max(e, 1e-16) for _, _, e in front], "o-", label="solver, looser settings")
    ax.loglog([model_seconds * 1e3], [float(errors[:, -1].mean())], "s", color="C3", label="model")
    ax.set(xlabel="ms per trajectory", ylabel="relative L2 at the last time", title="accuracy versus cost")
    ax.legend()
    fig.savefig(out / "front.png", dpi=110)
    plt.close(fig)
    return ["spacetime", "error_vs_time", "error_spectrum", "front"]
