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
L1 pull of the AL-RNN toward ``A = 1, W = 0, h = 0`` (``l1``); ``gradient_clip`` bounds the gradient norm of
each model; ``final_interval`` (optional) grows the forcing interval geometrically from ``interval`` over the
budget (less forcing as training goes on). ``model`` may be an :class:`RNNEnsemble`: ``K`` models trained at
once, each exactly as it would be alone. ``compile`` compiles the model's forcing
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

from ..models.ensemble import RNNEnsemble
from .checks import at_least, positive_time_limit
from .schedule import Budget, exponential, set_learning_rate
from .session import Session


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
    gradient_clip: float = math.inf
    final_interval: int | None = None
    time_limit: float = math.inf
    compile: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.alpha != "adaptive" and not (isinstance(self.alpha, (int, float)) and 0 <= self.alpha <= 1):
            raise ValueError(f"alpha must be 'adaptive' or a number in [0, 1], got {self.alpha!r}")
        at_least(self, 1, ("epochs", "batches_per_epoch", "batch_size", "alpha_every", "interval"))
        at_least(self, 2, ("sequence",))
        if self.final_interval is not None:
            at_least(self, 1, ("final_interval",))
        if not self.gradient_clip > 0:
            raise ValueError(f"gradient_clip must be > 0 (math.inf: no clipping), got {self.gradient_clip!r}")
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
        return float(_norm_bound(model.jacobian(states)))


def _norm_bound(jacobians: torch.Tensor) -> torch.Tensor:
    """``jacobians (..., batch, T, M, M)`` -> ``G (...)``."""
    norms = torch.linalg.matrix_norm(jacobians, ord=2)
    return norms.clamp_min(1e-30).log().mean(-1).exp().amax(-1)


def _l1_penalty(ensemble: RNNEnsemble) -> torch.Tensor:
    """``|A - 1|_1 + |W|_1 + |h|_1`` of each member, ``(K,)``."""
    A, W, h = (ensemble.stacked[name] for name in ("A", "W", "h"))
    return (A - 1).abs().sum(-1) + (W * ensemble.mask).abs().sum((-2, -1)) + h.abs().sum(-1)


def _clip_per_member(ensemble: RNNEnsemble, largest: float) -> None:
    """Scale each member's gradient to a norm of at most ``largest`` (members stay independent)."""
    grads = [p.grad for p in ensemble.parameters() if p.grad is not None]
    norms = torch.stack([g.flatten(1).square().sum(1) for g in grads]).sum(0).sqrt()  # (K,)
    scale = (largest / norms.clamp_min(1e-12)).clamp_max(1.0)
    for g in grads:
        g.mul_(scale.view(-1, *([1] * (g.ndim - 1))))


def _interval(config: TeacherForcingConfig, fraction: float) -> int:
    """The forcing interval after ``fraction`` of the budget: ``interval`` growing geometrically to
    ``final_interval`` (if set)."""
    if config.final_interval is None:
        return config.interval
    return round(config.interval * (config.final_interval / config.interval) ** min(fraction, 1.0))


def train_teacher_forcing(model, trajectory: torch.Tensor, config: TeacherForcingConfig, progress: bool = True,
                          callback=None, out: str | Path | None = None,
                          record: dict | None = None) -> TeacherForcingHistory:
    """Train ``model`` (a PLRNN, shallow PLRNN or AL-RNN, or an :class:`RNNEnsemble` of ``K`` of them) on
    ``trajectory (T, N)``. Member ``k`` of an ensemble draws its batches and noise from seed ``config.seed + k``
    and has its own ``alpha``: the ensemble trains exactly as its members would one by one with those seeds
    (a single model is an ensemble of one, seed ``config.seed``); its history holds a list of ``K`` values
    an epoch where a single model's holds one. ``callback(epoch, history)``, if given, runs after every epoch
    (monitoring, model selection; its time is not in ``seconds``); training stops early when it returns
    ``True``; a callback with ``state_dict``/``load_state_dict`` has its state checkpointed and restored.
    Checkpoints (with ``record``) in ``out`` if given, resuming from them."""
    observed = model.observed
    if trajectory.ndim != 2 or trajectory.shape[1] != observed:
        raise ValueError(f"trajectory must be (time, {observed}), got {tuple(trajectory.shape)}")
    if trajectory.shape[0] <= config.sequence:
        raise ValueError(f"trajectory of {trajectory.shape[0]} steps is too short for sequences of {config.sequence}")
    if not bool(torch.isfinite(trajectory).all()):
        bad = int((~torch.isfinite(trajectory)).any(1).sum())
        raise ValueError(f"trajectory holds NaN or infinite values at {bad} time steps: clean or interpolate them")
    session = Session(model, "rnn", TeacherForcingHistory(), out, record)
    own = session.resume()
    if session.finished:
        return session.history
    single = not isinstance(model, RNNEnsemble)
    ensemble = RNNEnsemble.stack([model]) if single else model
    members = ensemble.members
    generators = [torch.Generator().manual_seed(config.seed + k) for k in range(members)]
    if config.compile:
        ensemble.compile_segments()
    optimizer = torch.optim.RAdam(ensemble.parameters(), lr=config.learning_rate)
    adaptive = config.alpha == "adaptive"
    alpha = [0.0 if adaptive else float(config.alpha)] * members
    epoch = batch_index = 0
    if own:
        optimizer.load_state_dict(own["optimizer"])
        for generator, state in zip(generators, own["generators"]):
            generator.set_state(state)
        epoch, batch_index, alpha = own["epoch"], own["batch_index"], own["alpha"]
        if "callback" in own:
            callback.load_state_dict(own["callback"])
    history, offsets = session.history, torch.arange(config.sequence)
    # the decay reaches final_learning_rate at the last epoch: a budget of epochs - 1 steps
    ratio = config.final_learning_rate / config.learning_rate
    budget = Budget(max(1, config.epochs - 1), config.time_limit)
    bar = session.bar(config.epochs, epoch, "GTF", "epoch", progress)

    def window(generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        starts = torch.randint(0, trajectory.shape[0] - config.sequence, (config.batch_size,), generator=generator)
        x = trajectory[starts[:, None] + offsets]  # (batch, sequence, N)
        return x, x + config.noise * torch.randn(x.shape, generator=generator, dtype=x.dtype)

    def sync() -> None:  # the trained weights back into the caller's single model
        if single:
            model.load_state_dict(ensemble.member_state(0))

    def per_member(values: list[float]):
        return values[0] if single else list(values)

    while epoch < config.epochs:
        start, total = time.perf_counter(), torch.zeros(members, dtype=torch.float64)
        interval = _interval(config, budget.fraction(epoch, session.seconds))
        for _ in range(config.batches_per_epoch):
            x, forcing = (torch.stack(parts) for parts in zip(*(window(g) for g in generators)))
            predictions, states = ensemble.teacher_forced(forcing, torch.tensor(alpha, dtype=torch.float64), interval)
            losses = (predictions - x[:, :, 1:]).square().mean((1, 2, 3))
            if config.l1:
                losses = losses + config.l1 * _l1_penalty(ensemble)
            optimizer.zero_grad(set_to_none=True)
            losses.sum().backward()
            if config.gradient_clip < math.inf:
                _clip_per_member(ensemble, config.gradient_clip)
            optimizer.step()
            total += losses.detach().double()
            if adaptive and batch_index % config.alpha_every == 0:
                with torch.no_grad():
                    bounds = _norm_bound(ensemble.map("jacobian", states.detach()))
                for k, bound in enumerate(bounds.tolist()):
                    target = max(0.0, 1.0 - 1.0 / bound)
                    alpha[k] = target if target > alpha[k] else config.gamma * alpha[k] + (1 - config.gamma) * target
            batch_index += 1
        history.loss.append(per_member((total / config.batches_per_epoch).tolist()))
        history.alpha.append(per_member(alpha))
        history.learning_rate.append(optimizer.param_groups[0]["lr"])
        history.seconds.append(time.perf_counter() - start)
        epoch += 1
        bar.update()
        sync()
        if callback is not None and callback(epoch - 1, history):
            break
        if session.seconds >= config.time_limit:
            break
        set_learning_rate(optimizer, config.learning_rate * exponential(budget.fraction(epoch, session.seconds), ratio))
        own = {"optimizer": optimizer.state_dict(), "generators": [g.get_state() for g in generators],
               "epoch": epoch, "batch_index": batch_index, "alpha": alpha}
        if hasattr(callback, "state_dict"):
            own["callback"] = callback.state_dict()
        session.checkpoint(own, monitor=float(torch.tensor(history.loss[-1]).mean()))
    bar.close()
    session.finish()
    return history
