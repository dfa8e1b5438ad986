"""A physics-informed run against the numerical solution of its problem.

For a run folder (the last checkpoint of a PINN or LPINN with its problem and training settings) the reference
is re-solved by the spectral solver; the report gives the relative L2 and largest errors over the
space-time grid and per time, and figures: reference, learned and error fields, snapshots, the loss
history (Adam then L-BFGS) and, for an LPINN, its learned characteristic curves over the reference.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from ..models.checkpoint import load_checkpoint  # noqa: E402
from ..models.pinn import LPINN  # noqa: E402
from ..train.pinn import PINNConfig, lagrangian_jets, predict  # noqa: E402
from ..train.pinn_problems import Problem  # noqa: E402
from .errors import relative_error  # noqa: E402


def load_run(run: str | Path):
    """``(model, problem, config, extra)`` of a physics-informed run folder."""
    model, extra = load_checkpoint(run)
    if "problem" not in extra:
        raise ValueError(f"{run}: not a physics-informed run (no problem in its checkpoint)")
    problem = Problem(**{**extra["problem"], "x_range": tuple(extra["problem"]["x_range"])})
    config = PINNConfig(**extra["train"])
    model.to(torch.float64 if config.dtype == "float64" else torch.float32)
    return model, problem, config, extra


def compare_pinn(run: str | Path, out: str | Path, n: int = 256, times: int = 101) -> tuple[dict, Path]:
    model, problem, config, extra = load_run(run)
    x, t, reference = problem.reference(n, times)
    learned = predict(model, problem, x, t, config).double()
    error = learned - reference
    per_time = relative_error(learned, reference)
    metrics = {"relative L2": float(relative_error(learned, reference, start=0)), "max abs error": float(error.abs().max()),
               "relative L2 at t_max": float(per_time[-1]), "training seconds": extra["history"]["seconds"]}
    lbfgs = extra["history"]["lbfgs"]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figures = _figures(out, model, problem, config, x, t, reference, learned, extra["history"])
    parameters = ", ".join(f"{name} = {getattr(problem, name):.4g}" for name in ("beta", "nu", "rho")
                           if getattr(problem, name))
    lines = [f"# {type(model).__name__} on {problem.name} ({parameters})", "",
             f"Reference: spectral solver (ETDRK4) on {n} points x {times} times; network "
             f"{model.config['depth']} x {model.config['width']} {model.config['activation']}, {config.dtype}.", "",
             "| metric | value |", "|---|---|"]
    lines += [f"| {name} | {value:.4g} |" for name, value in metrics.items()]
    if lbfgs:
        lines += ["", f"L-BFGS: {lbfgs['iterations']} iterations, {lbfgs['evaluations']} evaluations, "
                      f"{lbfgs['restarts']} restarts; stopped: {lbfgs['reason']}."]
    lines += [""] + [f"![{name}]({name}.png)" for name in figures]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return metrics, out / "report.md"


def _figures(out: Path, model, problem: Problem, config: PINNConfig, x, t, reference, learned, history) -> list[str]:
    extent = (float(x[0]), float(x[-1]), float(t[0]), float(t[-1]))
    limit = float(reference.abs().max())
    figure, axes = plt.subplots(1, 3, figsize=(14, 3.8), sharey=True)
    panels = (("reference (solver)", reference, "RdBu_r", (-limit, limit)),
              (f"learned ({type(model).__name__})", learned, "RdBu_r", (-limit, limit)),
              ("|learned - reference|", (learned - reference).abs(), "magma", (0, None)))
    for axis, (title, field, cmap, (low, high)) in zip(axes, panels):
        image = axis.imshow(field.numpy(), origin="lower", aspect="auto", extent=extent, cmap=cmap, vmin=low, vmax=high)
        axis.set_title(title)
        axis.set_xlabel("x")
        figure.colorbar(image, ax=axis)
    axes[0].set_ylabel("t")
    if isinstance(model, LPINN):
        starts = problem.x_range[0] + problem.length * torch.arange(16, dtype=x.dtype) / 16
        z = torch.stack(torch.meshgrid(starts, t.to(x.dtype), indexing="xy"), -1).reshape(-1, 2)
        with torch.no_grad():
            X = lagrangian_jets(model, problem, z.to(next(model.parameters()).dtype), config)[0].value
        X = X.reshape(len(t), len(starts)).double()
        wrapped = problem.x_range[0] + torch.remainder(X - problem.x_range[0], problem.length)
        for curve in wrapped.T:
            jumps = torch.nonzero((curve[1:] - curve[:-1]).abs() > problem.length / 2).flatten() + 1
            for piece_t, piece_x in zip(torch.tensor_split(t, jumps), torch.tensor_split(curve, jumps)):
                axes[0].plot(piece_x.numpy(), piece_t.numpy(), color="k", linewidth=0.7)
        axes[0].set_title("reference, learned characteristics")
    figure.tight_layout()
    figure.savefig(out / "fields.png", dpi=120)
    plt.close(figure)

    figure, axes = plt.subplots(1, 2, figsize=(12, 3.6))
    for index, color in zip((0, len(t) // 2, len(t) - 1), ("C0", "C1", "C2")):
        axes[0].plot(x.numpy(), reference[index].numpy(), color=color, label=f"solver, t = {float(t[index]):.2f}")
        axes[0].plot(x.numpy(), learned[index].numpy(), "--", color=color, label=f"learned, t = {float(t[index]):.2f}")
    axes[0].set_xlabel("x")
    axes[0].legend(fontsize=7)
    adam, lbfgs = history["adam_loss"], history["lbfgs_loss"]
    axes[1].semilogy(range(len(adam)), adam, label="Adam (per step)")
    if lbfgs:
        axes[1].semilogy([len(adam) + iterations for iterations, _ in lbfgs], [loss for _, loss in lbfgs], "o-",
                         markersize=3, label="L-BFGS (per chunk)")
    axes[1].set_xlabel("iteration")
    axes[1].set_ylabel("loss")
    axes[1].legend()
    figure.tight_layout()
    figure.savefig(out / "snapshots_loss.png", dpi=120)
    plt.close(figure)
    return ["fields", "snapshots_loss"]
