"""Evaluate a trained PLRNN / shallow PLRNN / AL-RNN on a held-out ODE trajectory: metrics and figures.

``evaluate(run, data, out)`` takes the run's model (of a run of several seeds, the selected one or
``member``), standardises test sample ``sample`` with the training statistics stored in
the checkpoint, generates from its first state (``steps`` steps, the first ``drop`` dropped) and
reports D_stsp against the whole test trajectory (binning up to 3 dimensions, Gaussian mixtures above),
D_H against as many test steps as were kept, PE(20), the largest Lyapunov exponent of the model (per
unit time) against the solver's for the file's system and parameters, and the number of linear subregions
the generated orbit visits. Figures: true and generated attractors, smoothed power spectra, the
occupancy of the subregions with the symbolic transition graph. ``report.md`` links them and lists the
model's fixed points (found by enumerating subregions, up to 12 switching units) with their stability.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from solvers.systems import SYSTEMS  # noqa: E402

from ..data import DatasetFileError, open_checked  # noqa: E402
from ..data.training_sets import is_user_trajectory  # noqa: E402
from ..data.user_trajectory import read_trajectory  # noqa: E402
from ..models.checkpoint import load_checkpoint  # noqa: E402
from ..models.ensemble import RNNEnsemble  # noqa: E402
from .dsr import (  # noqa: E402
    hellinger_spectrum,
    max_lyapunov_flow,
    max_lyapunov_map,
    smoothed_spectrum,
    state_space_divergence,
    state_space_divergence_gmm,
)
from .symbolic import SymbolicGraph, draw_symbolic_graph, symbol, symbolic_graph  # noqa: E402


def prediction_error(model, trajectory: torch.Tensor, steps: int = 20, starts: int = 1000) -> float:
    """PE(steps): mean squared error ``steps`` ahead of up to ``starts`` evenly spaced states of ``trajectory``."""
    index = torch.linspace(0, trajectory.shape[0] - steps - 1, min(starts, trajectory.shape[0] - steps)).long()
    with torch.no_grad():
        predicted = model.generate(trajectory[index], steps)[:, -1]
    return float((predicted - trajectory[index + steps]).square().mean())


def evaluate(run: str | Path, data: str | Path, out: str | Path, sample: int = 0, steps: int = 11_000,
             drop: int = 1_000, member: int | None = None, key: str | None = None) -> tuple[dict[str, float], Path]:
    run, out = Path(run), Path(out)
    model, extra = load_checkpoint(run)
    if isinstance(model, RNNEnsemble):  # a run of several seeds: the selected model unless told
        member = extra.get("selected", 0) if member is None else member
        model = model.member(member)
    elif member not in (None, 0):
        raise ValueError(f"{run} holds one model, not an ensemble: member {member} does not exist")
    if not hasattr(model, "fixed_points"):
        raise ValueError(f"{run} holds a {type(model).__name__}; evaluate takes PLRNN, ShallowPLRNN or ALRNN runs")
    statistics = extra.get("metadata", {})
    mean, std = (torch.tensor(statistics[key]) for key in ("mean", "std"))
    if is_user_trajectory(data):  # a user's own array: no solver to compare the exponent with
        if sample != 0:
            raise DatasetFileError(f"{data} holds one trajectory: sample must be 0, got {sample}")
        raw, dt, field = torch.as_tensor(read_trajectory(data, key)), float(statistics.get("dt", 1.0)), None
    else:
        with open_checked(data) as handle:
            system = str(handle.attrs["system"])
            if system not in SYSTEMS:
                raise DatasetFileError(f"{data} holds {system!r} data; evaluate takes ODE trajectories "
                                       f"({', '.join(SYSTEMS)})")
            if not 0 <= sample < handle["u"].shape[0]:
                raise DatasetFileError(f"sample {sample} is not in {data} ({handle['u'].shape[0]} samples)")
            raw = torch.as_tensor(handle["u"][sample])
            t = torch.as_tensor(handle["time"][:2])
            field = SYSTEMS[system](**tomllib.loads(str(handle.attrs["recipe"])).get("parameters", {}))
        dt = float(t[1] - t[0])
    if raw.shape[1] != model.observed:
        raise DatasetFileError(f"{data}: the data have {raw.shape[1]} dimensions, the model observes {model.observed}")
    test = ((raw - mean) / std).float()
    model.eval()
    with torch.no_grad():
        orbit = model.run(model.initial_state(test[:1]), steps)[0, drop:]
        generated = model.observe(orbit)
        model_exponent = max_lyapunov_map(model.step, model.jacobian, orbit[-1].clone(), 10_000) / dt
    length = min(generated.shape[0], test.shape[0])
    solver = {} if field is None else {"lambda_max solver": max_lyapunov_flow(field, raw[0], dt=dt, steps=20_000)}
    divergence = state_space_divergence if test.shape[1] <= 3 else state_space_divergence_gmm
    graph = symbolic_graph(model.region(orbit))
    metrics = {
        "D_stsp": divergence(test, generated),
        "D_H": hellinger_spectrum(test[:length], generated[:length]),
        "PE(20)": prediction_error(model, test),
        "lambda_max model": model_exponent,
        **solver,
        "subregions visited": float(len(graph.symbols)),
    }
    out.mkdir(parents=True, exist_ok=True)
    figures = _figures(out, test, generated, graph)
    title = f"{type(model).__name__}" + (f" (member {member} of the run's seeds)" if member is not None else "")
    lines = [f"# {title} on {Path(data).name} (sample {sample})", "",
             f"Generated {steps} steps from the first test state, the first {drop} dropped.", "",
             "| metric | value |", "|---|---|"]
    lines += [f"| {name} | {value:.4g} |" for name, value in metrics.items()]
    lines += _fixed_point_table(model, graph)
    lines += [""] + [f"![{name}]({name}.png)" for name in figures]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return metrics, out / "report.md"


def _fixed_point_table(model, graph: SymbolicGraph, largest: int = 12) -> list[str]:
    switches = model.region(model.A.detach()).shape[-1]
    if switches > largest:
        return ["", f"Fixed points not enumerated: {switches} switching units give 2^{switches} subregions."]
    lines = ["", "Fixed points (every linear subregion solved exactly):", "",
             "| observed coordinates | subregion | visited | largest abs(eigenvalue) | stable |",
             "|---|---|---|---|---|"]
    visited = set(graph.symbols)
    for z, eigenvalues in model.fixed_points():
        region = symbol(model.region(z))
        radius = float(eigenvalues.abs().max())
        coordinates = ", ".join(f"{float(value):.3f}" for value in model.observe(z))
        lines.append(f"| {coordinates} | {region} | {'yes' if region in visited else 'no'} | {radius:.4f} | "
                     f"{'yes' if radius < 1 else 'no'} |")
    return lines


def _figures(out: Path, test: torch.Tensor, generated: torch.Tensor, graph: SymbolicGraph) -> list[str]:
    names = ["attractor", "spectra", "subregions"]
    figure = plt.figure(figsize=(10, 4.5))
    low, high = test[:, :3].min(0).values.numpy(), test[:, :3].max(0).values.numpy()
    for column, (title, x) in enumerate((("data", test), ("model", generated))):
        axes = figure.add_subplot(1, 2, column + 1, projection="3d" if x.shape[1] >= 3 else None)
        axes.plot(*x[:, :3].T.numpy(), linewidth=0.3)
        axes.set_xlim(low[0], high[0])
        axes.set_ylim(low[1], high[1])
        if x.shape[1] >= 3:
            axes.set_zlim(low[2], high[2])
        axes.set_title(f"{title} (first three dimensions, the data's box)")
    figure.savefig(out / "attractor.png", dpi=120)
    plt.close(figure)
    shown = min(3, test.shape[1])
    figure, axes = plt.subplots(1, shown, figsize=(4 * shown, 3.2), squeeze=False)
    length = min(test.shape[0], generated.shape[0])
    for dim in range(shown):
        for label, x in (("data", test[:length, dim]), ("model", generated[:length, dim])):
            axes[0, dim].semilogy(smoothed_spectrum(x, 20.0)[:500].numpy(), label=label)
        axes[0, dim].set_title(f"power spectrum, dimension {dim}")
        axes[0, dim].set_xlabel("frequency bin")
    axes[0, 0].legend()
    figure.tight_layout()
    figure.savefig(out / "spectra.png", dpi=120)
    plt.close(figure)
    figure, (occupancy, transitions) = plt.subplots(1, 2, figsize=(11, 4.5), width_ratios=(1, 1.4))
    shown = min(16, len(graph.symbols))
    occupancy.bar(graph.symbols[:shown], graph.occupancy[:shown].numpy())
    occupancy.set_xlabel("linear subregion (switch bits, unit 0 first)")
    occupancy.set_ylabel("fraction of time")
    occupancy.tick_params(axis="x", labelrotation=90 if graph.patterns.shape[1] > 4 else 0)
    draw_symbolic_graph(graph, transitions)
    figure.tight_layout()
    figure.savefig(out / "subregions.png", dpi=120)
    plt.close(figure)
    return names
