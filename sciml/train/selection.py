"""Model selection for dynamical-systems reconstruction on the training data only, per member of an ensemble.

Every ``every`` epochs each member of an :class:`~sciml.models.ensemble.RNNEnsemble` generates ``steps``
steps from the first training state (the first ``drop`` dropped) and is scored against the training
trajectory: ``D_stsp + D_H`` (histograms up to 3 dimensions, Gaussian mixtures above; D_H over the
shorter of the two), with its largest Lyapunov exponent (per step, ``lyapunov_steps``
Jacobian products along the generated orbit). It also runs ``start_steps`` steps from each of ``starts``
evenly spaced training states and counts the runs that end on a fixed point (the last ``start_steps // 10``
states within ``0.05`` data standard deviations of their mean) or leave ten times the data's box: a model
can be chaotic from the first state and collapse from others (two attractors). With ``chaotic`` a
checkpoint whose exponent is not positive, or with any such collapsed start, ranks behind every
checkpoint without: a collapsed orbit is never kept while a chaotic one exists. Each member keeps its best
checkpoint; the selected member is the one with the best score. The test data play no part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from ..evaluate.dsr import hellinger_spectrum, max_lyapunov_map, state_space_divergence, state_space_divergence_gmm
from .checks import at_least


@dataclass
class SelectionConfig:
    every: int = 10
    steps: int = 20_000
    drop: int = 1_000
    lyapunov_steps: int = 2_000
    chaotic: bool = True
    starts: int = 16
    start_steps: int = 2_000

    def __post_init__(self) -> None:
        at_least(self, 1, ("every", "steps", "lyapunov_steps"))
        at_least(self, 0, ("drop", "starts"))
        at_least(self, 10, ("start_steps",))
        if self.drop >= self.steps:
            raise ValueError(f"drop must be < steps ({self.steps}), got {self.drop}")


@dataclass
class Check:
    epoch: int
    member: int
    D_stsp: float
    D_H: float
    lyapunov: float  # per step
    collapsed: int = 0  # of the runs from other training states: ended on a fixed point or escaped

    def rank(self, chaotic: bool) -> tuple[bool, float]:
        """Lower is better: non-chaotic checkpoints (exponent <= 0 or a collapsed start) last (if ``chaotic``),
        then ``D_stsp + D_H``."""
        score = self.D_stsp + self.D_H
        non_chaotic = not (self.lyapunov > 0 and self.collapsed == 0)
        return (chaotic and non_chaotic, score if math.isfinite(score) else math.inf)


@dataclass
class CheckpointSelection:
    """The callback of ``train_teacher_forcing`` that scores ``ensemble`` on ``trajectory (T, N)``."""

    ensemble: torch.nn.Module
    trajectory: torch.Tensor
    config: SelectionConfig = field(default_factory=SelectionConfig)
    log: list[Check] = field(default_factory=list)
    best: dict[int, tuple[Check, dict]] = field(default_factory=dict)

    def __call__(self, epoch: int, history) -> bool:
        if (epoch + 1) % self.config.every == 0:
            self.check(epoch + 1)
        return False

    def check(self, epoch: int) -> list[Check]:
        """Score every member at ``epoch`` (counted from 1) and keep each member's best state."""
        config, train = self.config, self.trajectory
        members = self.ensemble.members
        with torch.no_grad():
            latent, generated = self.ensemble.orbit(train[:1].expand(members, 1, -1), config.steps)
        latent, generated = latent[:, 0, config.drop + 1:], generated[:, 0, config.drop + 1:]
        divergence = state_space_divergence if train.shape[1] <= 3 else state_space_divergence_gmm
        collapsed = self.collapsed_starts()
        checks = []
        for k in range(members):
            orbit = generated[k]
            finite = bool(torch.isfinite(orbit).all())
            member = self.ensemble.member(k)
            if finite:
                exponent = max_lyapunov_map(member.step, member.jacobian, latent[k, -1].clone(), config.lyapunov_steps,
                                            transient=200)
            length = min(orbit.shape[0], train.shape[0])
            check = Check(epoch, k, divergence(train, orbit) if finite else math.inf,
                          hellinger_spectrum(train[:length], orbit[:length]) if finite else math.inf,
                          exponent if finite else math.nan, int(collapsed[k]))
            checks.append(check)
            if k not in self.best or check.rank(config.chaotic) < self.best[k][0].rank(config.chaotic):
                self.best[k] = (check, self.ensemble.member_state(k))
        self.log.extend(checks)
        return checks

    def collapsed_starts(self) -> torch.Tensor:
        """``(members,)``: how many of the runs from ``starts`` evenly spaced training states end on a fixed
        point or leave ten times the data's box."""
        config, train = self.config, self.trajectory
        index = torch.linspace(0, train.shape[0] - 1, config.starts).long()
        return collapsed_runs(self.ensemble, train[index], config.start_steps, train).sum(1)

    def state_dict(self) -> dict:
        """The log and each member's best check and state, for a checkpoint (a resumed run selects the same)."""
        return {"log": [vars(check) for check in self.log],
                "best": {k: (vars(check), state) for k, (check, state) in self.best.items()}}

    def load_state_dict(self, state: dict) -> None:
        self.log = [Check(**check) for check in state["log"]]
        self.best = {k: (Check(**check), member) for k, (check, member) in state["best"].items()}

    def apply(self) -> int:
        """Put each member's best state into the ensemble; the index of the selected (best) member."""
        if not self.best:
            raise ValueError("no selection check has run: train for at least `every` epochs or call check()")
        for k, (_, state) in self.best.items():
            self.ensemble.load_member_state(k, state)
        return min(self.best, key=lambda k: self.best[k][0].rank(self.config.chaotic))


def collapsed_runs(ensemble: torch.nn.Module, starts: torch.Tensor, steps: int, data: torch.Tensor) -> torch.Tensor:
    """``(members, S)``: whether each member's free run of ``steps`` steps from each of ``starts (S, N)`` ends on a
    fixed point (its last ``steps // 10`` states within 0.05 of ``data (T, N)``'s smallest standard deviation of
    their mean) or leaves ten times the data's box (non-finite states included)."""
    if starts.shape[0] == 0:
        return torch.zeros(ensemble.members, 0, dtype=torch.bool)
    with torch.no_grad():
        _, runs = ensemble.orbit(starts.expand(ensemble.members, -1, -1), steps)
    tail = runs[:, :, -max(1, steps // 10):]  # (members, S, time, N)
    spread = (tail - tail.mean(2, keepdim=True)).abs().amax((2, 3))
    centre, size = data.mean(0), (data - data.mean(0)).abs().amax(0)
    escaped = ~((tail - centre).abs() <= 10 * size).all(3).all(2)  # NaN counts as escaped
    return (spread <= 0.05 * data.std(0).min()) | escaped
