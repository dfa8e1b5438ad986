"""Training operators on PDE residuals alone (no solution data): the Neural Spectral Method's spectral
loss, or a grid (finite-difference) residual for the FNO baseline of Du et al. (ICLR 2024); or, with
``data``, on the solver's solutions (the supervised baseline).

Each step draws a batch of ``batch_size`` of the ``samples`` training inputs (fixed, from ``seed``),
builds the model input on ``grid``, composes the solution with its conditions built in and takes
an Adam step on the problem's loss, or with ``data`` on the mean relative L2 error against the
problem's reference solutions for the training inputs (computed once before training, on ``grid``;
their cost is ``History.data_seconds``, outside the time limit). The learning rate decays by cosine
over ``steps`` or over ``time_limit`` seconds, whichever ends first (so runs on equal time are
annealed alike); ``evaluate`` gives the relative L2 error against the problem's reference on held-out
inputs.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
from tqdm import tqdm


@dataclass
class SelfSupervisedConfig:
    grid: tuple[int, ...] = (32, 64)
    spectral: bool = True
    data: bool = False
    samples: int = 1000
    batch_size: int = 32
    learning_rate: float = 1e-3
    steps: int = 3000
    time_limit: float = math.inf
    seed: int = 0

    def __post_init__(self) -> None:
        self.grid = tuple(int(n) for n in self.grid)
        for name in ("samples", "batch_size", "steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if not self.time_limit > 0:
            raise ValueError(f"time_limit must be > 0 seconds, got {self.time_limit!r}")


@dataclass
class SelfSupervisedHistory:
    loss: list[float] = field(default_factory=list)
    seconds: float = 0.0
    data_seconds: float = 0.0


def relative_errors(prediction: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """``||prediction - reference|| / ||reference||`` per sample (L2 over the grid, ``|.|`` for complex
    fields), ``(B, *grid) -> (B,)``; ``prediction`` is cast to ``reference``'s dtype."""
    if prediction.shape != reference.shape:
        raise ValueError(f"prediction {tuple(prediction.shape)} and reference {tuple(reference.shape)} differ")
    dims = tuple(range(1, reference.ndim))
    difference = (prediction.to(reference.dtype) - reference).abs().square().sum(dims).sqrt()
    return difference / reference.abs().square().sum(dims).sqrt()


def predict(model, problem, inputs: torch.Tensor, config: SelfSupervisedConfig) -> torch.Tensor:
    """The model's solutions for ``inputs`` (fine grid) on ``config.grid``."""
    dtype = next(model.parameters()).dtype
    with torch.no_grad():
        w = model(problem.model_input(inputs, config.grid).to(dtype))
        return problem.solution(inputs, w, config.spectral)


def train_self_supervised(model, problem, config: SelfSupervisedConfig, progress: bool = True) -> SelfSupervisedHistory:
    inputs = problem.inputs(config.samples, config.seed)
    dtype = next(model.parameters()).dtype
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    history = SelfSupervisedHistory()
    targets = None
    if config.data:
        start = time.perf_counter()
        targets = problem.reference(inputs, config.grid, config.spectral)
        history.data_seconds = time.perf_counter() - start
    start = time.perf_counter()
    description = "solver data" if config.data else "NSM" if config.spectral else "grid residual"
    bar = tqdm(range(config.steps), disable=not progress, desc=description)
    for step in bar:
        index = torch.randint(0, config.samples, (config.batch_size,), generator=generator)
        batch = inputs[index]
        u = problem.solution(batch, model(problem.model_input(batch, config.grid).to(dtype)), config.spectral)
        if config.data:
            loss = relative_errors(u, targets[index].to(u.dtype)).mean()
        else:
            loss = problem.loss(u, batch, config.spectral)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        history.loss.append(float(loss.detach()))
        if step % 50 == 0:
            bar.set_postfix(loss=f"{history.loss[-1]:.3e}")
        progress_made = max((step + 1) / config.steps, (time.perf_counter() - start) / config.time_limit)
        if progress_made >= 1:
            break
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * 0.5 * (1 + math.cos(math.pi * progress_made))
    history.seconds = time.perf_counter() - start
    return history


def evaluate(model, problem, config: SelfSupervisedConfig, count: int = 64, seed: int = 12345) -> float:
    """Mean relative L2 error against the reference on ``count`` held-out inputs."""
    inputs = problem.inputs(count, seed)
    reference = problem.reference(inputs, config.grid, config.spectral)
    return float(relative_errors(predict(model, problem, inputs, config), reference).mean())
