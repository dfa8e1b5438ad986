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
inputs. With a run folder, a checkpoint every ``checkpoint_every`` steps (the optimizer, the batch
generator), from which a rerun resumes (:mod:`.session`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..evaluate.errors import relative_error
from .checks import at_least, positive_time_limit
from .schedule import Budget, cosine, set_learning_rate
from .session import Session, descend


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
    checkpoint_every: int = 100
    seed: int = 0

    def __post_init__(self) -> None:
        self.grid = tuple(int(n) for n in self.grid)
        at_least(self, 1, ("samples", "batch_size", "steps", "checkpoint_every"))
        positive_time_limit(self)


@dataclass
class SelfSupervisedHistory:
    loss: list[float] = field(default_factory=list)
    seconds: float = 0.0
    data_seconds: float = 0.0


def predict(model, problem, inputs: torch.Tensor, config: SelfSupervisedConfig) -> torch.Tensor:
    """The model's solutions for ``inputs`` (fine grid) on ``config.grid``."""
    dtype = next(model.parameters()).dtype
    with torch.no_grad():
        w = model(problem.model_input(inputs, config.grid).to(dtype))
        return problem.solution(inputs, w, config.spectral)


def train_self_supervised(model, problem, config: SelfSupervisedConfig, progress: bool = True,
                          out: str | Path | None = None, record: dict | None = None) -> SelfSupervisedHistory:
    """Train ``model`` on ``problem``; checkpoints (with ``record``) in ``out`` if given, resuming from them."""
    inputs = problem.inputs(config.samples, config.seed)
    dtype = next(model.parameters()).dtype
    generator = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    targets, data_seconds = None, 0.0
    if config.data:
        start = time.perf_counter()
        targets = problem.reference(inputs, config.grid, config.spectral)
        data_seconds = time.perf_counter() - start
    session = Session(model, "nsm", SelfSupervisedHistory(data_seconds=data_seconds), out, record)
    own = session.resume()
    if session.finished:
        return session.history
    step, history, budget = 0, session.history, Budget(config.steps, config.time_limit)
    if own:
        step = own["step"]
        optimizer.load_state_dict(own["optimizer"])
        generator.set_state(own["generator"])
    description = "solver data" if config.data else "NSM" if config.spectral else "grid residual"
    bar = session.bar(config.steps, step, description, "step", progress)
    while step < config.steps:
        index = torch.randint(0, config.samples, (config.batch_size,), generator=generator)
        batch = inputs[index]
        u = problem.solution(batch, model(problem.model_input(batch, config.grid).to(dtype)), config.spectral)
        if config.data:
            loss = relative_error(u, targets[index].to(u.dtype)).mean()
        else:
            loss = problem.loss(u, batch, config.spectral)
        history.loss.append(descend(optimizer, loss))
        if step % 50 == 0:
            bar.set_postfix(loss=f"{history.loss[-1]:.3e}")
        step += 1
        bar.update()
        spent = budget.fraction(step, session.seconds)
        if spent >= 1:
            break
        set_learning_rate(optimizer, config.learning_rate * cosine(spent))
        if step % config.checkpoint_every == 0:
            session.checkpoint({"step": step, "optimizer": optimizer.state_dict(), "generator": generator.get_state()},
                               monitor=history.loss[-1])
    bar.close()
    history.seconds = session.seconds
    session.finish()
    return history


def evaluate(model, problem, config: SelfSupervisedConfig, count: int = 64, seed: int = 12345) -> float:
    """Mean relative L2 error against the reference on ``count`` held-out inputs."""
    inputs = problem.inputs(count, seed)
    reference = problem.reference(inputs, config.grid, config.spectral)
    return float(relative_error(predict(model, problem, inputs, config), reference).mean())
