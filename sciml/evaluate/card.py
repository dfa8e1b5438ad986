"""A dataset card: a short Markdown description of a dataset file, as dataset hubs describe data.

Equation, parameters and their distributions (and the range drawn in the file), solver and
tolerances, measured accuracy (the first samples re-solved with 100x tighter tolerances, or half the
step, and compared with the stored data by relative L2), drift of the conserved quantities
(:mod:`sciml.data.invariants`), sizes, provenance, and a figure of a few samples (space-time, or the
last snapshot of fields on a plane) written beside the card as ``<card stem>.png``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import torch

from ..data import invariants
from ..data.layout import dimensions
from ..data.recipe import ODE_SYSTEMS, PLANE_SYSTEMS, parse
from ..data.simulate import simulate
from ..data.store import open_checked
from .errors import relative_error

EQUATIONS = {
    "nlse": "i psi_t + psi_xx / 2 + s |psi|^2 psi = 0 on a periodic box (s = nonlinearity)",
    "burgers": "u_t + u u_x = nu u_xx on a periodic box (nu = viscosity)",
    "kdv": "u_t + 6 u u_x + u_xxx = 0 on a periodic box",
    "convection": "u_t + beta u_x = nu u_xx on a periodic box (beta = speed, nu = viscosity)",
    "reaction_diffusion": "u_t = nu u_xx + rho u (1 - u) on a periodic box (nu = diffusivity, rho = rate)",
    "navier_stokes": "w_t + u . grad w = nu lap w - alpha w + f, lap psi = -w, u = (psi_y, -psi_x) on a periodic "
                     "square (nu = viscosity, alpha = drag, f = forcing)",
    "nlse2d": "i psi_t + lap psi / 2 + s |psi|^2 psi = 0 on a periodic square (s = nonlinearity)",
    "lorenz63": "x' = sigma (y - x), y' = x (rho - z) - y, z' = x y - beta z",
    "rossler": "x' = -y - z, y' = x + a y, z' = b + z (x - c)",
    "lorenz96": "x_i' = (x_{i+1} - x_{i-2}) x_{i-1} - x_i + F, i = 1..dimension, cyclic (F = forcing)",
}


def _tightened(solver: dict) -> tuple[str, dict]:
    if "dt" in solver:
        return "dt / 2", {**solver, "dt": solver["dt"] / 2}
    changed = {**solver, "rtol": solver["rtol"] / 100}
    if "atol" in solver:
        changed["atol"] = solver["atol"] / 100
    return "rtol and atol / 100", changed


def _distribution(distribution) -> str:
    if distribution.kind == "constant":
        return f"{distribution.arguments[0]:g}"
    return f"{distribution.kind} [{', '.join(f'{a:g}' for a in distribution.arguments)}]"


def _size(count: int) -> str:
    return next(f"{count / 2**power:.1f} {unit}" for power, unit in ((30, "GiB"), (20, "MiB"), (10, "KiB"), (0, "B"))
                if count >= 2**power or power == 0)


def card(path: str | Path, out: str | Path | None = None, samples: int = 3) -> Path:
    """Write the card of the complete dataset file ``path`` to ``out`` (default ``<path stem>.card.md``)."""
    path = Path(path)
    out = Path(out) if out else path.with_name(f"{path.stem}.card.md")
    with open_checked(path) as handle:
        attrs = dict(handle.attrs)
        data = tomllib.loads(str(attrs["recipe"]))
        recipe = parse(data)
        rows = min(samples, handle["u"].shape[0])
        shown = torch.as_tensor(handle["u"][:rows])
        times, last = handle["time"][:], handle[dimensions(recipe.system)[2]][:]
        drawn = {name: column[:] for name, column in handle["parameters"].items()}
        drifts = invariants.drift(handle, range(handle["u"].shape[0]))
        sizes = {name: handle[name].nbytes for name in ("u", "observed") if name in handle}
        shape, dtype, indices = handle["u"].shape, handle["u"].dtype, [int(i) for i in handle["sample"][:rows]]
    label, tighter = _tightened(data["solver"])
    reference = simulate(parse({**data, "solver": tighter}), indices).u
    error = relative_error(shown, reference, start=2)  # per sample and time
    space = "component" if recipe.system in ODE_SYSTEMS else "x, y" if recipe.system in PLANE_SYSTEMS else "x"
    solver = ", ".join(f"{key} = {value}" for key, value in recipe.solver.items())
    lines = [
        f"# Dataset card: {recipe.name}", "", recipe.description, "",
        "| | |", "|---|---|",
        f"| equation | {EQUATIONS[recipe.system].replace('|', chr(92) + '|')} |",  # a pipe escaped in a table cell
        f"| samples | {shape[0]} of {recipe.samples} (seed {recipe.seed}) |",
        f"| time | {shape[1]} snapshots, t = {times[0]:g} .. {times[-1]:g}"
        + (f" after a transient of {recipe.time['transient']:g}" if recipe.time["transient"] else "") + " |",
        f"| {space} | " + (f"{shape[2]} components" if space == "component" else
                           f"{' x '.join(map(str, shape[2:]))} points, periodic, L = {recipe.grid['L']:g} "
                           f"({last[0]:g} .. {last[-1]:g}" + (" on each axis" if len(shape) > 3 else "") + ")"
                           + (f", solved on {recipe.grid.get('solve_n', shape[2])} points an axis"
                              if recipe.system in PLANE_SYSTEMS else "")) + " |",
        f"| solver | {solver} |",
        f"| observation noise | {recipe.noise:g} of each sample's standard deviation, in `observed` |" if recipe.noise
        else "| observation noise | none |",
        "", "## Parameters", "", "| parameter | value or distribution | drawn in this file |", "|---|---|---|",
        *(f"| {key} | {value} | fixed |" for key, value in recipe.parameters.items()),
        f"| initial condition | family `{recipe.family}` | |",
        *(f"| {key} | {_distribution(d)} | {drawn[key].min():.4g} .. {drawn[key].max():.4g} |"
          for key, d in recipe.initial_condition.items() if key in drawn),
        "", "## Accuracy", "",
        f"The first {rows} samples re-solved with {label}: relative L2 difference to the stored data, "
        f"max over samples and times {float(error.max()):.2e}, at the last time {float(error[:, -1].max()):.2e}."
        + (" The system is chaotic: the difference grows with time at its Lyapunov rate."
           if recipe.system in ODE_SYSTEMS else ""),
        "", "## Conserved quantities", "",
        *([f"- {name}: worst {'relative' if relative else 'absolute'} drift over all samples and times {value:.2e}"
           for name, (value, relative, _) in drifts.items()] or ["- none for this system"]),
        "", "## Sizes and provenance", "",
        f"- {shape[0]} samples of {shape[1:]} {dtype}: "
        + ", ".join(f"`{name}` {_size(size)}" for name, size in sizes.items())
        + f"; file `{path.name}` {_size(path.stat().st_size)} on disk",
        f"- schema {int(attrs['schema_version'])}, package {attrs['package_version']}, created {attrs['created']}; "
        f"opens with `xarray.open_dataset(path, engine=\"h5netcdf\")`",
        "", f"![{'last snapshots' if recipe.system in PLANE_SYSTEMS else 'space-time view'} of samples {indices}]"
        f"({out.stem}.png)", "",
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    _figure(out.with_suffix(".png"), shown, indices, times, last, recipe.system)
    out.write_text("\n".join(lines))
    return out


def _figure(path: Path, shown: torch.Tensor, indices: list[int], times: np.ndarray, last: np.ndarray,
            system: str) -> None:
    """Space-time images of ``shown`` ``(samples, T, n)`` (modulus for complex fields); the last snapshot of
    fields on a plane ``(samples, T, n_x, n_y)``; ODE states against time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, shown.shape[0], figsize=(4 * shown.shape[0], 3.2), squeeze=False)
    for index, axis, sample in zip(indices, axes[0], shown):
        if system in ODE_SYSTEMS:
            for component in range(min(3, sample.shape[1])):
                axis.plot(times, sample[:, component].numpy(), linewidth=0.7, label=f"component {component}")
            axis.set_xlabel("t")
            axis.legend(fontsize=7)
        elif sample.ndim == 3:
            values = sample[-1].abs() if sample.is_complex() else sample[-1]
            image = axis.imshow(values.T.numpy(), origin="lower", extent=(last[0], last[-1], last[0], last[-1]),
                                cmap="viridis" if sample.is_complex() else "RdBu_r")
            figure.colorbar(image, ax=axis, label="|psi|" if sample.is_complex() else "w")
            axis.set_xlabel("x")
            axis.set_ylabel("y")
        else:
            values = sample.abs() if sample.is_complex() else sample
            image = axis.imshow(values.numpy(), origin="lower", aspect="auto", cmap="viridis",
                                extent=(last[0], last[-1], times[0], times[-1]))
            figure.colorbar(image, ax=axis, label="|psi|" if sample.is_complex() else "u")
            axis.set_xlabel("x")
            axis.set_ylabel("t")
        axis.set_title(f"sample {index}" + (f", t = {times[-1]:g}" if sample.ndim == 3 else ""))
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
