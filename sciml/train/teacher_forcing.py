"""Training piecewise-linear RNNs with sparse (Mikhaeil, Monfared, Durstewitz, NeurIPS 2022) and generalized
(Hess, Monfared, Brenner, Durstewitz, ICML 2023) teacher forcing, as in the reference set-up of Brenner et al.
(NeurIPS 2024: identity forcing, ``alpha = 1``, every ``interval = 16`` steps on Lorenz-63).

Each batch holds ``batch_size`` windows of ``sequence`` steps drawn at random from a long trajectory
``(T, N)`` (standardised); Gaussian noise of ``noise`` (in data units) is added to the forcing signal,
not to the targets. The states at multiples of ``interval`` are forced (``model.teacher_forced``); the loss
is the mean squared error of all one-step predictions. ``alpha`` is a constant in [0, 1] or ``"adaptive"``:
every ``alpha_every`` batches the bound ``G`` of ``jacobian_norm_bound`` along the forced states gives
``alpha* = max(0, 1 - 1/G)``; ``alpha`` jumps up to ``alpha*`` and decays toward it as
``alpha <- gamma alpha + (1 - gamma) alpha*``. RAdam, with the learning rate
decaying exponentially from ``learning_rate`` to ``final_learning_rate`` over the epochs or over
``time_limit`` seconds of wall time (callbacks included), whichever ends first; an optional
L1 pull of the AL-RNN toward ``A = 1, W = 0, h = 0`` (``l1``). ``compile`` compiles the model's forcing
segments first (``model.compile_segments()``). The defaults are those measured best on
Lorenz-63 (benchmarks/RESULTS.md): identity forcing every 16 steps, batch 64, RAdam 2e-3 -> 1e-5.
With a run folder, a checkpoint every epoch (the optimizer, the batch generator, ``alpha``), from
which a rerun resumes (:mod:`.session`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .checks import at_least, positive_time_limit
from .schedule import Budget, exponential, set_learning_rate
from .session import Session, descend


@dataclass
class TeacherForcingConfig:
    epochs: int = 1000
    batches_per_epoch: int = 50
    batch_size: int = 64
    sequence: int = 200
    interval: int = 16
    learning_rate: float = 2e-3
    final_learning_rate: float = 1e-5
    alpha: float | str = 1.0
    alpha_every: int = 5
    gamma: float = 0.999
    noise: float = 0.05
    l1: float = 0.0
    time_limit: float = math.inf
    compile: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.alpha != "adaptive" and not (isinstance(self.alpha, (int, float)) and 0 <= self.alpha <= 1):
            raise ValueError(f"alpha must be 'adaptive' or a number in [0, 1], got {self.alpha!r}")
        at_least(self, 1, ("epochs", "batches_per_epoch", "batch_size", "alpha_every", "interval"))
        at_least(self, 2, ("sequence",))
        positive_time_limit(self)


@dataclass
class TeacherForcingHistory:
    loss: list[float] = field(default_factory=list)
    alpha: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def jacobian_norm_bound(model, states: torch.Tensor) -> float:
    """``G``: the geometric mean over time of the spectral norms ``||J(z_t)||_2`` along each sequence of
    ``states (batch, T, M)``, the largest over the batch, so ``||J_T ... J_1|| <= G^T`` (the "product upper
    bound" of Hess et al., ICML 2023)."""
    with torch.no_grad():
        norms = torch.linalg.matrix_norm(model.jacobian(states), ord=2)  # (batch, T)
    return float(norms.clamp_min(1e-30).log().mean(1).exp().max())


def _l1_penalty(model) -> torch.Tensor:
    return (model.A - 1).abs().sum() + (model.W * model.mask).abs().sum() + model.h.abs().sum()


def train_teacher_forcing(model, trajectory: torch.Tensor, config: TeacherForcingConfig, progress: bool = True,
                          callback=None, out: str | Path | None = None,
                          record: dict | None = None) -> TeacherForcingHistory:
    """Train ``model`` (a PLRNN, shallow PLRNN or AL-RNN) on ``trajectory (T, N)``. ``callback(epoch, history)``,
    if given, runs after every epoch (monitoring, model selection; its time is not in ``seconds``); training
    stops early when it returns ``True``. Checkpoints (with ``record``) in ``out`` if given, resuming from them."""
    if trajectory.ndim != 2 or trajectory.shape[1] != model.observed:
        raise ValueError(f"trajectory must be (time, {model.observed}), got {tuple(trajectory.shape)}")
    if trajectory.shape[0] <= config.sequence:
        raise ValueError(f"trajectory of {trajectory.shape[0]} steps is too short for sequences of {config.sequence}")
    generator = torch.Generator().manual_seed(config.seed)
    if config.compile:
        model.compile_segments()
    optimizer = torch.optim.RAdam(model.parameters(), lr=config.learning_rate)
    session = Session(model, "rnn", TeacherForcingHistory(), out, record)
    own = session.resume()
    if session.finished:
        return session.history
    adaptive = config.alpha == "adaptive"
    alpha = 0.0 if adaptive else float(config.alpha)
    epoch = batch_index = 0
    if own:
        optimizer.load_state_dict(own["optimizer"])
        generator.set_state(own["generator"])
        epoch, batch_index, alpha = own["epoch"], own["batch_index"], own["alpha"]
    history, offsets = session.history, torch.arange(config.sequence)
    # the decay reaches final_learning_rate at the last epoch: a budget of epochs - 1 steps
    ratio = config.final_learning_rate / config.learning_rate
    budget = Budget(max(1, config.epochs - 1), config.time_limit)
    bar = session.bar(config.epochs, epoch, "GTF", "epoch", progress)
    while epoch < config.epochs:
        start, total = time.perf_counter(), 0.0
        for _ in range(config.batches_per_epoch):
            starts = torch.randint(0, trajectory.shape[0] - config.sequence, (config.batch_size,), generator=generator)
            x = trajectory[starts[:, None] + offsets]  # (batch, sequence, N)
            forcing = x + config.noise * torch.randn(x.shape, generator=generator, dtype=x.dtype)
            predictions, states = model.teacher_forced(forcing, alpha, config.interval)
            loss = (predictions - x[:, 1:]).square().mean()
            if config.l1:
                loss = loss + config.l1 * _l1_penalty(model)
            total += descend(optimizer, loss)
            if adaptive and batch_index % config.alpha_every == 0:
                target = max(0.0, 1.0 - 1.0 / jacobian_norm_bound(model, states.detach()))
                alpha = target if target > alpha else config.gamma * alpha + (1 - config.gamma) * target
            batch_index += 1
        history.loss.append(total / config.batches_per_epoch)
        history.alpha.append(alpha)
        history.learning_rate.append(optimizer.param_groups[0]["lr"])
        history.seconds.append(time.perf_counter() - start)
        epoch += 1
        bar.update()
        if callback is not None and callback(epoch - 1, history):
            break
        if session.seconds >= config.time_limit:
            break
        set_learning_rate(optimizer, config.learning_rate * exponential(budget.fraction(epoch, session.seconds), ratio))
        session.checkpoint({"optimizer": optimizer.state_dict(), "generator": generator.get_state(), "epoch": epoch,
                            "batch_index": batch_index, "alpha": alpha}, monitor=history.loss[-1])
    bar.close()
    session.finish()
    return history
