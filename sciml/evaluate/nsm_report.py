"""A self-supervised operator run (NSM or FNO on a residual, or on solver data) against the numerical solution.

For a run folder (its last checkpoint, with its problem and training settings) the report gives the mean
relative L2 error on held-out inputs against the reference (our solver), the model's inference time
for them, and a figure of one held-out solution: reference, learned and error (moduli for complex
fields; the errors are those of the complex field).
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..models.checkpoint import load_checkpoint  # noqa: E402
from ..train.self_supervised import SelfSupervisedConfig, predict  # noqa: E402
from ..train.spectral_residual import make_residual_problem  # noqa: E402
from .errors import relative_error  # noqa: E402


def compare_self_supervised(run: str | Path, out: str | Path, count: int = 32) -> tuple[dict, Path]:
    model, extra = load_checkpoint(run)
    problem = make_residual_problem(extra["residual_problem"])
    config = SelfSupervisedConfig(**extra["train"])
    inputs = problem.inputs(count, 12345)
    reference = problem.reference(inputs, config.grid, config.spectral)
    start = time.perf_counter()
    prediction = predict(model, problem, inputs, config).to(reference.dtype)
    seconds = time.perf_counter() - start
    errors = relative_error(prediction, reference)
    metrics = {"relative L2 (mean)": float(errors.mean()), "relative L2 (worst)": float(errors.max()),
               f"inference seconds ({count} inputs)": seconds, "training seconds": extra["history"]["seconds"]}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    fields = (("reference (solver)", reference[0]), ("learned", prediction[0]),
              ("learned - reference", prediction[0] - reference[0]))
    if reference.is_complex():  # moduli, and the modulus of the complex error
        fields = tuple((f"|{title}|", field.abs()) for title, field in fields)
    for axis, (title, field) in zip(axes, fields):
        if field.ndim == 1:
            axis.plot(field.numpy())
        else:
            figure.colorbar(axis.imshow(field.numpy(), origin="lower", aspect="auto", cmap="RdBu_r"), ax=axis)
        axis.set_title(title)
    axes[0].set_ylabel("time index (Chebyshev: t_max first)" if config.spectral and len(config.grid) == 2
                       and problem.kinds[0] == "chebyshev" else "grid index")
    figure.tight_layout()
    figure.savefig(out / "solution.png", dpi=120)
    plt.close(figure)
    training = "solver data" if config.data else "spectral residual" if config.spectral else "grid residual"
    lines = [f"# {type(model).__name__} on {extra['residual_problem']['problem']} ({training}, grid {config.grid})",
             "", "| metric | value |", "|---|---|"]
    lines += [f"| {name} | {value:.4g} |" for name, value in metrics.items()]
    lines += ["", "![solution](solution.png)"]
    (out / "report.md").write_text("\n".join(lines) + "\n")
    return metrics, out / "report.md"
