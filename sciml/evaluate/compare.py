"""Learned against numerical: roll a trained operator out on held-out data and compare, in 1D and 2D.

For a run (its last checkpoint, with the lag and the input history it was trained with) and a test
file (the solver's data): relative L2 error per rollout step, the conserved or decaying quantities of
the learned rollout against the solver's (mass and energy for the NLSE, energy and enstrophy for
Navier-Stokes vorticity), the spectra of truth and prediction, and cost: model inference time per
trajectory against the recipe's equation solved over the same interval from the same state (the
model's last input snapshot), at the recipe's setting and at looser ones (larger steps or tolerances),
on the recipe's grid and on coarser ones (fields resampled spectrally), which traces the solver's
accuracy-versus-cost front. The report says in one sentence whether, where and by how much the model
is faster than the solver at equal error. Writes PNG figures and ``report.md``.
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from solvers import navier_stokes, nlse, nlse2d, pdes
from solvers.integrators import SolverError
from solvers.spectral import PeriodicGrid, ZeroPadding

from ..data.channels import from_channels, to_channels
from ..data.recipe import NLSE_SYSTEMS, ODE_SYSTEMS, Recipe, parse
from ..data.simulate import navier_stokes_forcing, navier_stokes_parameters
from ..data.store import DatasetFileError, open_checked
from ..models.checkpoint import load_checkpoint
from ..train.rollout import Rollout
from .errors import relative_error

VORTICITY = ("navier_stokes",)  # systems whose field is a 2D vorticity


def rollout(model: torch.nn.Module, window: torch.Tensor, steps: int, history: int = 1) -> torch.Tensor:
    """``window (B, h, C, *space)`` of given states -> ``(B, h + steps, C, *space)``: the given states, then
    ``steps`` predictions, each from the last ``history`` states (:class:`sciml.train.Rollout`)."""
    with torch.no_grad():
        return torch.cat([window, Rollout(steps, history=history).unroll(model, window)], dim=1)


@dataclass(frozen=True)
class FrontPoint:
    """One solver setting on the accuracy-versus-cost front."""

    label: str
    seconds: float  # per trajectory
    error: float  # mean relative L2 against the stored data at the last time


def crossover(front: list[FrontPoint], model_seconds: float, model_error: float) -> str:
    """The sentence that says whether, where and by how much the model is faster than the solver at equal error."""
    at_least_as_accurate = [point for point in front if point.error <= model_error]
    timing = f"{model_seconds * 1e3:.3g} ms a trajectory"
    if not at_least_as_accurate:
        best = min(front, key=lambda point: point.error)
        return (f"The model ({model_error:.2e} at {timing}) is more accurate than every solver setting tried; the most "
                f"accurate of them ({best.label}, {best.error:.2e}) takes {best.seconds * 1e3:.3g} ms, "
                f"{best.seconds / model_seconds:.2g}x the model's time.")
    cheapest = min(at_least_as_accurate, key=lambda point: point.seconds)
    ratio = cheapest.seconds / model_seconds
    where = (f"the cheapest solver setting at least as accurate as the model's {model_error:.2e} ({cheapest.label}, "
             f"{cheapest.error:.2e}) takes {cheapest.seconds * 1e3:.3g} ms a trajectory")
    if ratio > 1:
        return (f"At equal error the model is {ratio:.2g}x faster than the solver: {where}, against the model's "
                f"{timing}.")
    return (f"At equal error the model is not faster than the solver: {where}, {1 / ratio:.2g}x less than the "
            f"model's {timing}.")


def _grid(handle) -> tuple[PeriodicGrid, tuple[str, ...]]:
    """The periodic grid of a field file, from the coordinates attached to the spatial axes of ``u`` (in the
    file's axis order), and the names of those axes."""
    scales = [handle["u"].dims[axis][0] for axis in range(2, handle["u"].ndim)]
    axes = [np.asarray(scale[:]) for scale in scales]
    lengths = tuple(float(len(x) * (x[1] - x[0])) for x in axes)
    grid = PeriodicGrid(L=lengths, n=tuple(len(x) for x in axes), origin=tuple(float(x[0]) for x in axes))
    return grid, tuple(scale.name.rsplit("/", 1)[-1] for scale in scales)


def _resample(u: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Fields ``(..., *space)`` on another grid of ``shape`` (same box): the Fourier series zero-padded or
    truncated (every axis scaled by the same factor)."""
    space = tuple(u.shape[-len(shape):])
    if space == shape:
        return u
    dims = tuple(range(-len(shape), 0))
    coefficients = torch.fft.fftn(u, dim=dims, norm="forward")
    if shape[0] > space[0]:
        coefficients = ZeroPadding(space, factor=shape[0] / space[0]).pad(coefficients)
    else:
        coefficients = ZeroPadding(shape, factor=space[0] / shape[0]).truncate(coefficients)
    values = torch.fft.ifftn(coefficients, dim=dims, norm="forward")
    return values if u.is_complex() else values.real


def _settings(recipe: Recipe) -> list[tuple[str, dict, int]]:
    """``(label, solver settings, points per axis)``: the recipe's solver setting and three looser ones (``dt`` x 2,
    4, 8 or tolerances x 1e2, 1e4, 1e6), each on the grid the recipe is solved on and on grids 2 and 4 times
    coarser (where they keep at least 16 points an axis): a coarser grid allows a larger step."""
    solver = {key: value for key, value in recipe.solver.items() if key in ("method", "rtol", "atol", "dt", "clip")}
    n = recipe.grid.get("solve_n", recipe.grid["n"])
    key, factors = ("dt", (1, 2, 4, 8)) if "dt" in solver else ("rtol", (1, 1e2, 1e4, 1e6))
    looser = []
    for factor in factors:
        changed = {**solver, key: solver[key] * factor}
        if key == "rtol" and "atol" in solver:
            changed["atol"] = solver["atol"] * factor
        looser.append((factor, changed))
    settings = [(f"{key} x {factor:g}", changed, n) for factor, changed in looser]
    for m in (n // f for f in (2, 4) if n // f >= 16):
        settings += [(f"grid {m}" + (f", {key} x {factor:g}" if factor != 1 else ""), changed, m)
                     for factor, changed in looser]
    return settings


def _solve(recipe: Recipe, u0: torch.Tensor, times: torch.Tensor, n: int, solver: dict) -> torch.Tensor:
    """The recipe's equation solved from stored fields ``u0 (B, *space)`` (the file's axis order) at ``times`` on
    a grid of ``n`` points an axis with ``solver`` settings: ``(B, T, *space)`` on the stored grid."""
    method, options = solver["method"], {key: value for key, value in solver.items() if key != "method"}
    stored, length = tuple(u0.shape[1:]), recipe.grid["L"]
    if recipe.system == "navier_stokes":  # solvers' plane axes are (y, x), a file's (x, y)
        grid = navier_stokes.box(n, length)
        values = navier_stokes_parameters(recipe.parameters)
        w = navier_stokes.solve(_resample(u0, (n, n)).transpose(-1, -2), grid, times, float(values["viscosity"]),
                                navier_stokes_forcing(recipe.parameters, grid), float(values["drag"]), method,
                                **options).w.transpose(-1, -2)
        return _resample(w, stored)
    nonlinearity = float(recipe.parameters.get("nonlinearity", 1.0))
    if recipe.system == "nlse2d":
        grid = PeriodicGrid(length, (n, n))
        u = nlse2d.solve(_resample(u0, (n, n)).transpose(-1, -2), grid, times, method, nonlinearity, **options).u
        return _resample(u.transpose(-1, -2), stored)
    grid = PeriodicGrid(length, n)
    if recipe.system == "nlse":
        return _resample(nlse.solve(_resample(u0, (n,)), grid, times, method, nonlinearity=nonlinearity, **options).u,
                         stored)
    term = pdes.EQUATIONS[recipe.system](grid, **recipe.parameters)
    return _resample(pdes.solve(term, _resample(u0, (n,)), grid, times, method=method, **options).u, stored)


def _quantities(system: str, grid: PeriodicGrid, parameters: dict) -> dict[str, callable]:
    """``name -> function of fields (..., *space) giving (...)``: what the figures and the report follow."""
    if system in NLSE_SYSTEMS:
        strength = float(parameters.get("nonlinearity", 1.0))
        return {name: (lambda u, name=name: nlse.invariants(u, grid, strength)[name]) for name in ("mass", "energy")}
    if system in VORTICITY:
        return {"energy": lambda w: navier_stokes.energy(w, grid),
                "enstrophy": lambda w: navier_stokes.enstrophy(w, grid)}
    return {}


def _spectrum(u: torch.Tensor, grid: PeriodicGrid, system: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Shell wavenumbers ``(S,)`` and the spectrum averaged over the leading axes ``(S,)``: the kinetic-energy
    spectrum of a vorticity field, else the power ``|c_k|^2`` summed over shells ``round(|k| / k_0)``."""
    if system in VORTICITY:
        k, spectrum = navier_stokes.energy_spectrum(u, grid)
        return k, spectrum.flatten(0, -2).mean(0)
    dims = tuple(range(-grid.ndim, 0))
    power = torch.fft.fftn(u, dim=dims, norm="forward").abs().square().flatten(0, -grid.ndim - 1).mean(0)
    k0 = 2 * torch.pi / max(grid.lengths)
    shell = torch.round(torch.sqrt(-grid.laplacian()) / k0).long()
    spectrum = power.new_zeros(int(shell.max()) + 1).index_add_(0, shell.flatten(), power.flatten())
    return k0 * torch.arange(spectrum.shape[0], dtype=power.dtype), spectrum


def compare(run: str | Path, data: str | Path, out: str | Path, samples: int = 32) -> tuple[dict[str, float], Path]:
    """Compare the model of ``run`` with the solver data in ``data``; figures and report into ``out``;
    ``(metrics, report path)``."""
    run, out = Path(run), Path(out)
    model, extra = load_checkpoint(run)
    model.eval()
    metadata = extra.get("metadata", {})
    lag, history = int(metadata.get("lag", 1)), int(metadata.get("history", 1))
    with open_checked(data) as handle:
        if handle.attrs["system"] in ODE_SYSTEMS:
            raise DatasetFileError(f"{data}: compare works on field datasets; ODE systems are evaluated with the DSR metrics")
        rows = min(samples, handle["u"].shape[0])
        truth = torch.as_tensor(handle["u"][:rows])[:, ::lag]
        t = torch.as_tensor(handle["time"][:])[::lag]
        recipe_data = tomllib.loads(str(handle.attrs["recipe"]))
        system, (grid, axis_names) = str(handle.attrs["system"]), _grid(handle)
    spatial, steps = grid.ndim, truth.shape[1] - history
    if steps < 1:
        raise DatasetFileError(f"{data}: {truth.shape[1]} snapshots leave nothing to predict after {history} inputs")
    complex_field = truth.is_complex()
    channels = to_channels(truth, -1 - spatial).float()
    if channels.shape[2] * history != model.config["in_channels"]:
        raise DatasetFileError(f"{data}: the data have {channels.shape[2]} channels, the model expects "
                               f"{model.config['in_channels']} ({history} snapshots in)")
    rollout(model, channels[:1, :history], 1, history)  # warm-up: caches and allocations outside the timing
    start = time.perf_counter()
    predicted = rollout(model, channels[:, :history], steps, history)
    model_seconds = (time.perf_counter() - start) / rows
    prediction = from_channels(predicted.double(), complex_field, -1 - spatial)
    errors = relative_error(prediction, truth, start=2)

    recipe, front = parse(recipe_data), []
    for label, solver, n in _settings(recipe):  # from the model's last input state over the model's interval
        begin = time.perf_counter()
        try:
            solved = _solve(recipe, truth[:, history - 1], t[history - 1:], n, solver)
        except SolverError:  # a step too large to be stable is no point of the front
            continue
        seconds = (time.perf_counter() - begin) / rows
        error = relative_error(solved[:, -1], truth[:, -1], start=1)
        if error.isfinite().all():
            front.append(FrontPoint(label, seconds, float(error.mean())))
    model_error = float(errors[:, -1].mean())
    sentence = crossover(front, model_seconds, model_error)
    solver_seconds = front[0].seconds

    out.mkdir(parents=True, exist_ok=True)
    quantities = {name: (f(truth), f(prediction)) for name, f in
                  _quantities(system, grid, recipe_data.get("parameters", {})).items()}
    spectra = (_spectrum(truth[:, -1], grid, system), _spectrum(prediction[:, -1], grid, system))
    figures = _figures(out, t, truth, prediction, errors, quantities, spectra, front, model_seconds, grid, axis_names,
                       history, system)
    lines = [
        f"# Learned vs numerical: {run.name} on {Path(data).name}",
        "",
        f"Model {type(model).__name__} ({sum(p.numel() for p in model.parameters()):,} parameters), lag {lag}, "
        f"{history} snapshot(s) in, rollout of {steps} steps on {rows} held-out samples of `{recipe.name}` "
        f"({' x '.join(map(str, grid.shape))} grid).",
        "",
        sentence,
        "",
        "| quantity | value |",
        "|---|---|",
        f"| one-step relative L2 (mean) | {errors[:, history].mean():.3e} |",
        f"| final-step relative L2 (mean / max) | {errors[:, -1].mean():.3e} / {errors[:, -1].max():.3e} |",
        f"| model inference per trajectory | {model_seconds * 1e3:.2f} ms |",
        f"| solver ({recipe.solver['method']}) per trajectory | {solver_seconds * 1e3:.2f} ms |",
        f"| speed-up of the model over the recipe's solver | {solver_seconds / model_seconds:.1f}x |",
    ]
    for name, (solved, learned) in quantities.items():
        drift = lambda v: float(((v - v[:, :1]).abs() / v[:, :1].abs()).max())  # noqa: E731
        lines.append(f"| max relative {name} change, model / solver | {drift(learned):.2e} / {drift(solved):.2e} |")
    lines += ["", "The solver from the model's last input state over the model's interval, at the recipe's setting, "
              "looser ones and on coarser grids (accuracy-versus-cost front; error against the stored data at the last "
              "time):", "",
              "| setting | ms per trajectory | relative L2 |", "|---|---|---|"]
    lines += [f"| {point.label} | {point.seconds * 1e3:.2f} | {point.error:.2e} |" for point in front]
    lines += ["", *(f"![{name}]({name}.png)" for name in figures), ""]
    report = out / "report.md"
    report.write_text("\n".join(lines))
    metrics = {"one-step relative L2 (mean)": float(errors[:, history].mean()),
               "final-step relative L2 (mean)": model_error,
               "speed-up of the model": solver_seconds / model_seconds}
    return metrics, report


def _figures(out: Path, t, truth, prediction, errors, quantities, spectra, front, model_seconds, grid, axis_names,
             history, system) -> list[str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    t = t.numpy()
    magnitude = truth.is_complex()
    show = (lambda u: u.abs()) if magnitude else (lambda u: u)
    name = "|u|" if magnitude else "vorticity" if system in VORTICITY else "u"
    difference = (lambda a, b: (a - b).abs()) if magnitude else (lambda a, b: a - b)
    if grid.ndim == 1:
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True, constrained_layout=True)
        panels = ((show(truth[0]), f"solver {name}", "viridis"), (show(prediction[0]), f"model {name}", "viridis"),
                  (difference(prediction[0], truth[0]), "model - solver", "magma" if magnitude else "RdBu_r"))
        for ax, (values, title, colours) in zip(axes, panels):
            image = ax.pcolormesh(grid.x.numpy(), t, values.numpy(), shading="auto", cmap=colours)
            fig.colorbar(image, ax=ax)
            ax.set(title=title, xlabel=axis_names[0])
        axes[0].set_ylabel("t")
        fields = "spacetime"
    else:
        times = sorted({history, (history + len(t) - 1) // 2, len(t) - 1})
        fig, axes = plt.subplots(3, len(times), figsize=(3.4 * len(times), 9.6), constrained_layout=True, squeeze=False)
        limit = float(show(truth[0]).abs().max())
        extent = (float(grid.xs[0][0]), float(grid.xs[0][0]) + grid.lengths[0],
                  float(grid.xs[1][0]), float(grid.xs[1][0]) + grid.lengths[1])  # the first axis horizontal
        for column, index in enumerate(times):
            rows = ((show(truth[0, index]), f"solver {name}, t = {t[index]:.3g}", "viridis" if magnitude else "RdBu_r"),
                    (show(prediction[0, index]), f"model {name}", "viridis" if magnitude else "RdBu_r"),
                    (difference(prediction[0, index], truth[0, index]), "model - solver",
                     "magma" if magnitude else "RdBu_r"))
            for row, (values, title, colours) in enumerate(rows):
                low = 0 if magnitude else -limit
                image = axes[row, column].imshow(values.T.numpy(), origin="lower", extent=extent, cmap=colours,
                                                 vmin=low if row < 2 else None, vmax=limit if row < 2 else None)
                fig.colorbar(image, ax=axes[row, column], shrink=0.8)
                axes[row, column].set(title=title, xlabel=axis_names[0], ylabel=axis_names[1])
        fields = "fields"
    fig.savefig(out / f"{fields}.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    predicted = errors[:, history:].float()
    quantiles = torch.quantile(predicted, torch.tensor([0.1, 0.5, 0.9]), dim=0).numpy()
    ax.semilogy(t[history:], quantiles[1], label="median")
    ax.fill_between(t[history:], quantiles[0], quantiles[2], alpha=0.3, label="10-90%")
    ax.set(xlabel="t", ylabel="relative L2 error", title="error growth along the rollout")
    ax.legend()
    fig.savefig(out / "error_vs_time.png", dpi=110)
    plt.close(fig)

    names = ["error_vs_time"]
    if quantities:
        fig, axes = plt.subplots(1, len(quantities), figsize=(5 * len(quantities), 3.6), constrained_layout=True,
                                 squeeze=False)
        for ax, (quantity, (solved, learned)) in zip(axes[0], quantities.items()):
            ax.plot(t, solved.mean(0).numpy(), label="solver")
            ax.plot(t, learned.mean(0).numpy(), "--", label="model")
            ax.set(xlabel="t", ylabel=quantity, title=f"{quantity} (mean over samples)")
            ax.legend()
        fig.savefig(out / "invariants.png", dpi=110)
        plt.close(fig)
        names.append("invariants")

    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    (k, solved), (_, learned) = spectra
    ax.loglog(k[1:].numpy(), solved[1:].numpy(), label="solver")
    ax.loglog(k[1:].numpy(), learned[1:].numpy(), "--", label="model")
    kind = "energy spectrum" if system in VORTICITY else "power spectrum"
    ax.set(xlabel="wavenumber |k|", ylabel=kind, title=f"{kind} at the last time")
    ax.legend()
    fig.savefig(out / "spectra.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    ax.loglog([p.seconds * 1e3 for p in front], [max(p.error, 1e-16) for p in front], "o", label="solver settings")
    for point in front:
        ax.annotate(point.label, (point.seconds * 1e3, max(point.error, 1e-16)), xytext=(3, 4),
                    textcoords="offset points", fontsize=7, rotation=40)  # slanted: settings of one grid sit level
    ax.loglog([model_seconds * 1e3], [float(errors[:, -1].mean())], "s", color="C3", label="model")
    ax.set(xlabel="ms per trajectory", ylabel="relative L2 at the last time", title="accuracy versus cost")
    ax.set_ylim(top=ax.get_ylim()[1] * 300)  # room for the slanted labels of the least accurate settings
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # minor labels collide on short ranges
    ax.legend()
    fig.savefig(out / "front.png", dpi=110)
    plt.close(fig)
    return [fields, *names, "spectra", "front"]
